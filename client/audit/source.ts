import { BodyTooLargeError } from '../net/http.ts';
import { AuditFailure } from './errors.ts';

/** Byte caps per kind of answer: every fetch is bounded in bytes and time. */
export interface AuditLimits {
  readonly timeoutMs: number;
  readonly objectBytes: number;
  readonly jsonBytes: number;
}

export const DEFAULT_AUDIT_LIMITS: AuditLimits = { timeoutMs: 60_000, objectBytes: 256 * 1024 * 1024, jsonBytes: 64 * 1024 * 1024 };

export type AuditFetch = (url: string, init: RequestInit) => Promise<Response>;

/**
 * The audit's HTTP edge: the Centre (with the auditor's token) and, with
 * --mirror, a static export for the feed objects. Fetchers fetch; the
 * replay and the order checks decide.
 */
export class AuditSource {
  readonly #centre: string;
  readonly #feedBase: string;
  readonly #token: string;
  readonly #limits: AuditLimits;
  readonly #fetch: AuditFetch;

  constructor(options: { centre: string; mirror?: string | undefined; token: string; limits?: AuditLimits; fetch?: AuditFetch }) {
    this.#centre = options.centre.replace(/\/+$/, '');
    this.#feedBase = (options.mirror ?? options.centre).replace(/\/+$/, '');
    this.#token = options.token;
    this.#limits = options.limits ?? DEFAULT_AUDIT_LIMITS;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
  }

  get mirrored(): boolean {
    return this.#feedBase !== this.#centre;
  }

  /** A feed object (root chain, delta, snapshot) from the Centre or the mirror; undefined on 404. */
  feedObject(path: string): Promise<Uint8Array | undefined> {
    // A mirror is trusted with nothing, the token included (PROTOCOL 9.2): every object it serves is verified.
    return this.#bytes(`${this.#feedBase}${path}`, this.#limits.objectBytes, { allowMissing: true, anonymous: this.mirrored });
  }

  /** A signed object the Centre serves itself, never a mirror (the timestamp that dates today's audit); undefined on 404. */
  centreObject(path: string): Promise<Uint8Array | undefined> {
    return this.#bytes(`${this.#centre}${path}`, this.#limits.objectBytes, { allowMissing: true });
  }

  /** The public log: from the Centre (a mirror serves the same files, but the audit pins today's Centre). */
  async logText(path: string): Promise<string> {
    const bytes = await this.#bytes(`${this.#centre}${path}`, this.#limits.jsonBytes, { allowMissing: false });
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  }

  async getJson(path: string): Promise<unknown> {
    return this.#json(await this.#bytes(`${this.#centre}${path}`, this.#limits.jsonBytes, { allowMissing: false }), path);
  }

  async postJson(path: string, body: unknown): Promise<unknown> {
    const bytes = await this.#bytes(`${this.#centre}${path}`, this.#limits.jsonBytes, { allowMissing: false, method: 'POST', body: JSON.stringify(body) });
    return this.#json(bytes, path);
  }

  #json(bytes: Uint8Array | undefined, path: string): unknown {
    try {
      return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes ?? new Uint8Array()));
    } catch (cause) {
      throw new AuditFailure('AUDIT_MALFORMED_ANSWER', `${path.slice(0, 80)} did not answer JSON`, { cause });
    }
  }

  async #bytes(url: string, maxBytes: number, options: { allowMissing: boolean; method?: string; body?: string; anonymous?: boolean }): Promise<Uint8Array | undefined> {
    const headers: Record<string, string> = options.anonymous === true ? {} : { authorization: `Bearer ${this.#token}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const shown = url.slice(0, 160);
    const send = (): Promise<Response> =>
      this.#fetch(url, { method: options.method ?? 'GET', headers, body: options.body ?? null, signal: AbortSignal.timeout(this.#limits.timeoutMs), redirect: 'error' });
    let res: Response;
    try {
      // One retry: replaying a large version can outlast the server's keep-alive, and the pooled socket is then closed under us.
      // Every request of an audit reads (the epoch keys' POST stores nothing), so sending it twice changes nothing.
      res = await send().catch(send);
    } catch (cause) {
      const reason = cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message).slice(0, 120) : 'failed';
      throw new AuditFailure('AUDIT_UNREACHABLE', `${shown}: no answer (${reason})`, { cause });
    }
    try {
      if (res.status === 404 && options.allowMissing) {
        await res.body?.cancel();
        return undefined;
      }
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new AuditFailure('AUDIT_BAD_TOKEN', `${shown}: ${res.status} (is the token an auditor's?)`);
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new AuditFailure('AUDIT_UNREACHABLE', `${shown}: HTTP ${res.status}`);
      }
      return await readBody(res, maxBytes);
    } catch (cause) {
      if (cause instanceof AuditFailure) throw cause;
      if (cause instanceof BodyTooLargeError) throw new AuditFailure('AUDIT_MALFORMED_ANSWER', `${shown}: ${cause.message}`, { cause });
      throw new AuditFailure('AUDIT_UNREACHABLE', `${shown}: the answer was cut off`, { cause });
    }
  }
}

async function readBody(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? 'NaN');
  if (declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body !== null) {
    for await (const chunk of res.body) {
      total += chunk.byteLength;
      if (total > maxBytes) throw new BodyTooLargeError(maxBytes);
      chunks.push(chunk);
    }
  }
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : new Uint8Array(Buffer.concat(chunks));
}
