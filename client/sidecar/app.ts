import { timingSafeEqual, createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Hono, type Context } from 'hono';
import { CodedError } from '../../shared/errors.ts';
import { HashFormatError } from '../../shared/hashing/algorithm.ts';
import { ImageInputError } from '../../shared/hashing/image-input.ts';
import { decisionEntryFields } from '../../shared/wire/decision-list.ts';
import type { HeldDecision } from '../decisions/index.ts';
import type { ScanDecision, ScanPolicy } from '../policy/index.ts';
import { DecodeBudgetError, type DecodeBudget } from './decode-budget.ts';
import type { Health } from './health.ts';
import { JsonDuplicateKeyError, JsonPrototypeKeyError } from './json-keys.ts';
import { clientGoneSignal } from './client-gone.ts';
import { bodySourceOf, CLOSE_AFTER, peekBody, peekedStream, readBoundedBody, readBoundedJson, RequestBodyError } from './read-body.ts';
import { VideoError, type VideoErrorCode } from '../../shared/video/index.ts';
import { sniffVideo, VIDEO_SNIFF_BYTES } from './video-sniff.ts';
import type { ScanResult } from './scanner.ts';
import { quote } from '../../shared/quote.ts';

export type SidecarCode = 'AUTH_MISSING' | 'AUTH_INVALID' | 'BODY_TOO_LARGE' | 'BAD_REQUEST' | 'REQUEST_AMBIGUOUS' | 'INTERNAL';
export class SidecarError extends CodedError<SidecarCode> {
  readonly status: 400 | 401 | 413 | 500;
  constructor(status: 400 | 401 | 413 | 500, code: SidecarCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
  }
}

/** What the local API needs from the running sidecar (createSidecar provides it; tests may too). */
export interface SidecarAppDeps {
  readonly localToken: string;
  readonly policy: ScanPolicy;
  readonly clock: () => number;
  readonly maxImageBytes: number;
  readonly maxBatchBytes: number;
  readonly maxBatchItems: number;
  /** Deadline for reading any request body. */
  readonly bodyTimeoutMs: number;
  /** Room for scan bodies (bytes), taken before a body is read. */
  readonly bodyBudget: DecodeBudget;
  /**
   * Hashes and matches uploaded bytes, image or not (only ever called for an allowed scan);
   * throws DecodeBudgetError when the decode budget cannot take the image.
   */
  scanImage(bytes: Uint8Array, signal?: AbortSignal): Promise<ScanResult>;
  /** Largest video `/v1/scan` takes; a video is streamed to a spool file, not held. */
  readonly maxVideoBytes: number;
  /**
   * Hashes (vPDQ) and matches a video streamed from the body (only ever
   * called for an allowed scan); throws VideoError for a video refused,
   * DecodeBudgetError (OVERLOADED) when no video slot frees in time.
   */
  scanVideo(body: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<ScanResult>;
  /** Matches caller-computed hashes. */
  matchHashes(hashes: readonly { algorithm: unknown; hash: unknown; quality?: unknown }[]): ScanResult;
  /** Queues the signed report of a match, detected at `detectedAt` under `decision`; content only for the preview. */
  report(decision: Extract<ScanDecision, { allowed: true }>, result: ScanResult, content: Uint8Array | null, detectedAt: number): Promise<{ reportId: string; stale: boolean }>;
  /** Held decisions on this provider's reports with seq above `after`, oldest first (client/decisions). */
  decisions(after: number, limit: number): readonly HeldDecision[];
  health(): Health;
  metrics(): Promise<string>;
  onScan(outcome: 'matched' | 'clean' | 'refused' | 'error', surfaceId: string): void;
  onUnexpected(err: unknown): void;
}

const MAX_JSON_BYTES = 1024 * 1024;
/**
 * Room a scan takes from the body budget while its first bytes are read to
 * tell a video from an image: one chunk of the socket (Node reads 64 KiB at
 * a time), however few bytes the sniffer needs. A video keeps it while it
 * is streamed to its spool file, a chunk at a time.
 */
const HEAD_ROOM_BYTES = 64 * 1024;

/** HTTP status of each video refusal (the code is the interface; docs/SIDECAR.md, "Video scans"). */
const VIDEO_STATUS: Readonly<Record<VideoErrorCode, 400 | 408 | 413 | 501 | 503>> = {
  VIDEO_DECODER_MISSING: 501,
  VIDEO_UNREADABLE: 400,
  VIDEO_NO_VIDEO_STREAM: 400,
  VIDEO_BAD_DIMENSIONS: 400,
  VIDEO_TOO_LARGE: 413,
  VIDEO_TOO_LONG: 413,
  VIDEO_FRAME_BUDGET: 413,
  VIDEO_TIMEOUT: 408,
  VIDEO_ABORTED: 400,
};
/** Decisions per GET /v1/decisions page at most (default 100). */
export const MAX_DECISIONS_PAGE = 1000;

type Answer = Record<string, unknown>;

/**
 * The provider-local API. The safeguards come first in every handler: the
 * policy decides from surface, subject and time alone, and only an allowed
 * scan's body is read. Errors are `{error:{code,message}}`; refusals are
 * `{refused:{code,message}}`; nothing about a refused or clean scan is kept
 * beyond counters.
 */
export function createSidecarApp(deps: SidecarAppDeps): Hono {
  const app = new Hono();
  const expected = createHash('sha256').update(deps.localToken).digest();

  app.onError((err, c) => {
    if (err instanceof SidecarError) return c.json({ error: err.toJSON() }, err.status);
    if (err instanceof RequestBodyError) return c.json({ error: err.toJSON() }, err.status, CLOSE_AFTER);
    if (err instanceof DecodeBudgetError) return c.json({ error: err.toJSON() }, err.status, err.retryAfterSeconds === undefined ? {} : { 'retry-after': String(err.retryAfterSeconds) });
    if (err instanceof ImageInputError || err instanceof HashFormatError) return c.json({ error: err.toJSON() }, 400);
    // The rest of a refused video's body may still be arriving: close rather than drain it.
    if (err instanceof VideoError) return c.json({ error: err.toJSON() }, VIDEO_STATUS[err.code], CLOSE_AFTER);
    deps.onUnexpected(err);
    return c.json({ error: { code: 'INTERNAL', message: 'the sidecar failed to handle the request' } }, 500);
  });

  app.get('/healthz', (c) => {
    const health = deps.health();
    return c.json(health, health.status === 'unsynced' ? 503 : 200);
  });
  app.get('/metrics', async (c) => c.body(await deps.metrics(), 200, { 'content-type': 'text/plain; version=0.0.4' }));

  app.use('/v1/*', async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined) throw new SidecarError(401, 'AUTH_MISSING', 'the local API needs the sidecar token');
    const given = createHash('sha256').update(header.replace(/^Bearer /, '')).digest();
    if (!header.startsWith('Bearer ') || !timingSafeEqual(given, expected)) throw new SidecarError(401, 'AUTH_INVALID', 'wrong local token');
    await next();
  });

  const decide = (surfaceId: unknown, subject: unknown): ScanDecision =>
    deps.policy.decideScan({ surfaceId: typeof surfaceId === 'string' ? surfaceId : '', subject: typeof subject === 'string' ? subject : '', now: deps.clock() });

  const finish = async (decision: Extract<ScanDecision, { allowed: true }>, result: ScanResult, content: Uint8Array | null): Promise<Answer> => {
    // Decided again now, after reading and hashing: the order may have lapsed meanwhile (docs/SAFEGUARDS.md).
    const detectedAt = deps.clock();
    const confirmed = deps.policy.recheck(decision, detectedAt);
    if (!confirmed.allowed) return refused(confirmed);
    const base = {
      matches: result.matches,
      quality: result.quality,
      lowQuality: result.lowQuality,
      ...(result.partial ? { partial: true } : {}),
      ...(result.frames !== undefined ? { frames: result.frames } : {}),
      ...(result.perceptualSkipped !== undefined ? { perceptualSkipped: result.perceptualSkipped } : {}),
      ...(result.video !== undefined ? { video: result.video } : {}),
    };
    deps.onScan(result.matches.length > 0 ? 'matched' : 'clean', confirmed.surface.id);
    if (result.matches.length === 0) return base;
    const { reportId, stale } = await deps.report(confirmed, result, content, detectedAt);
    return { ...base, reportId, stale };
  };

  // Refusals are counted by code in the policy; the caller's surface string is not a metric label (unbounded).
  const refused = (decision: Extract<ScanDecision, { allowed: false }>): Answer => {
    deps.onScan('refused', '');
    return { refused: { code: decision.code, message: decision.message } };
  };

  // What became of this provider's reports (docs/SIDECAR.md, "Decisions"): poll with after = the last cursor.
  app.get('/v1/decisions', (c) => {
    const after = queryInt(singleQuery(c, 'after'), 'after', 0, 0);
    const limit = Math.min(MAX_DECISIONS_PAGE, queryInt(singleQuery(c, 'limit'), 'limit', 100, 1));
    const decisions = deps.decisions(after, limit);
    return c.json({
      decisions: decisions.map((d) => ({ ...decisionEntryFields(d), receivedAt: d.receivedAt })),
      cursor: decisions.at(-1)?.seq ?? after,
    });
  });

  app.post('/v1/scan', async (c) => {
    const decision = decide(singleQuery(c, 'surface'), singleQuery(c, 'subject'));
    // Refused: the body is never read, so its bytes are never decoded, hashed or logged.
    if (!decision.allowed) return c.json(refused(decision));
    const gone = clientGoneSignal(c.env, c.req.raw);
    // Over every cap: refused from its declared length before a byte is read.
    const largest = Math.max(deps.maxImageBytes, deps.maxVideoBytes);
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    if (declared > largest) throw new RequestBodyError('BODY_TOO_LARGE', `the body exceeds the limit of ${largest} bytes`);
    // Room before a byte is read: as for a picture (its declared length, or the largest picture); a body
    // longer than any picture can only be a video, which is streamed and takes a chunk's room.
    const onlyVideo = Number.isSafeInteger(declared) && declared > deps.maxImageBytes;
    let room = onlyVideo ? await holdRoom(c, deps.bodyBudget, HEAD_ROOM_BYTES, gone) : await holdRoomForBody(c, deps.bodyBudget, deps.maxImageBytes, gone);
    if (room instanceof Response) return room;
    let release: () => void = room;
    let video = false;
    try {
      const peeked = await peekBody(bodySourceOf(c.env, c.req.raw), VIDEO_SNIFF_BYTES, deps.bodyTimeoutMs);
      // What the bytes are, never what the content type says (docs/SIDECAR.md, "Video scans").
      if (sniffVideo(peeked.head) === undefined) {
        const bytes = await readBoundedBody(peeked, { maxBytes: deps.maxImageBytes, timeoutMs: deps.bodyTimeoutMs });
        return c.json(await finish(decision, await deps.scanImage(bytes, gone), bytes));
      }
      video = true;
      if (Number(peeked.declared ?? '0') > deps.maxVideoBytes) throw new VideoError('VIDEO_TOO_LARGE', `the video is over the limit of ${deps.maxVideoBytes} bytes`);
      if (!onlyVideo) {
        // A video holds one chunk at a time, not its length: the room taken for a picture goes back.
        release();
        release = () => {};
        room = await holdRoom(c, deps.bodyBudget, HEAD_ROOM_BYTES, gone);
        if (room instanceof Response) return room;
        release = room;
      }
      return c.json(await finish(decision, await deps.scanVideo(peekedStream(peeked), gone), null));
    } catch (err) {
      // No room or no video slot for a video: the body's rest is still unread, so the connection closes after the 503.
      if (!(video && err instanceof DecodeBudgetError)) throw err;
      return c.json({ error: err.toJSON() }, err.status, { ...CLOSE_AFTER, ...(err.retryAfterSeconds === undefined ? {} : { 'retry-after': String(err.retryAfterSeconds) }) });
    } finally {
      release();
    }
  });

  app.post('/v1/match', async (c) => {
    noPolicyQuery(c);
    const body = record(await readJson(c, MAX_JSON_BYTES, deps.bodyTimeoutMs), ['surface', 'subject', 'hashes']);
    const decision = decide(body.surface, body.subject);
    if (!decision.allowed) return c.json(refused(decision));
    return c.json(await finish(decision, deps.matchHashes(hashList(body.hashes)), null));
  });

  app.post('/v1/scan/batch', async (c) => {
    noPolicyQuery(c);
    const gone = clientGoneSignal(c.env, c.req.raw);
    const room = await holdRoomForBody(c, deps.bodyBudget, deps.maxBatchBytes, gone);
    if (room instanceof Response) return room;
    try {
      return await scanBatch(c, gone);
    } finally {
      room();
    }
  });

  const scanBatch = async (c: Context, gone: AbortSignal): Promise<Response> => {
    // Every item's shape is checked before any is scanned: a 400 after an item was reported would have it sent again.
    const items = itemList(record(await readJson(c, deps.maxBatchBytes, deps.bodyTimeoutMs), ['items']).items, deps.maxBatchItems).map((raw) => record(raw, ['surface', 'subject', 'image']));
    const results: Answer[] = [];
    for (const item of items) {
      // One item at a time, letting other requests run between them (each base64 decode is short: the body is capped).
      await nextTurn();
      const decision = decide(item.surface, item.subject);
      if (!decision.allowed) {
        results.push(refused(decision));
        continue;
      }
      if (typeof item.image !== 'string') {
        results.push({ error: { code: 'BAD_REQUEST', message: 'image must be base64' } });
        continue;
      }
      const bytes = new Uint8Array(Buffer.from(item.image, 'base64'));
      try {
        results.push(await finish(decision, await deps.scanImage(bytes, gone), bytes));
      } catch (err) {
        // Budget refusals are per item: the items before it are scanned (and maybe reported) already.
        if (!(err instanceof ImageInputError || err instanceof DecodeBudgetError)) throw err;
        deps.onScan('error', decision.surface.id);
        results.push({ error: err.toJSON() });
      }
    }
    return c.json({ results });
  };

  app.post('/v1/match/batch', async (c) => {
    noPolicyQuery(c);
    // Checked whole first, as /v1/scan/batch is (a malformed hash value is still that item's own error).
    const items = itemList(record(await readJson(c, MAX_JSON_BYTES, deps.bodyTimeoutMs), ['items']).items, deps.maxBatchItems).map((raw) => {
      const item = record(raw, ['surface', 'subject', 'hashes']);
      return { surface: item.surface, subject: item.subject, hashes: hashList(item.hashes) };
    });
    const results: Answer[] = [];
    for (const item of items) {
      const decision = decide(item.surface, item.subject);
      if (!decision.allowed) {
        results.push(refused(decision));
        continue;
      }
      try {
        results.push(await finish(decision, deps.matchHashes(item.hashes), null));
      } catch (err) {
        if (!(err instanceof HashFormatError)) throw err;
        results.push({ error: err.toJSON() });
      }
    }
    return c.json({ results });
  });

  return app;
}

/**
 * Takes room for the request's body from the body budget before a byte of
 * it is read: its declared length, or `maxBytes` when it declares none (or
 * more, which reading then refuses). Resolves with the release, or with the
 * 503 to answer when there is no room; that answer closes the connection,
 * as the unread body may still be arriving.
 */
async function holdRoomForBody(c: Context, budget: DecodeBudget, maxBytes: number, gone: AbortSignal): Promise<(() => void) | Response> {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  return holdRoom(c, budget, Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes ? declared : maxBytes, gone);
}

/** Takes `bytes` of the body budget: the release, or the 503 to answer (closing the connection). */
async function holdRoom(c: Context, budget: DecodeBudget, bytes: number, gone: AbortSignal): Promise<(() => void) | Response> {
  try {
    return await budget.acquire(bytes, gone);
  } catch (err) {
    if (!(err instanceof DecodeBudgetError)) throw err;
    return c.json({ error: err.toJSON() }, err.status, { ...CLOSE_AFTER, ...(err.retryAfterSeconds === undefined ? {} : { 'retry-after': String(err.retryAfterSeconds) }) });
  }
}

/** A capped body parsed as JSON as it arrives, in short steps (see readBoundedJson). */
async function readJson(c: Context, maxBytes: number, timeoutMs: number): Promise<unknown> {
  try {
    return await readBoundedJson(bodySourceOf(c.env, c.req.raw), { maxBytes, timeoutMs });
  } catch (cause) {
    if (cause instanceof RequestBodyError) throw cause;
    if (cause instanceof JsonDuplicateKeyError) throw new SidecarError(400, 'REQUEST_AMBIGUOUS', `the field ${quote(cause.key)} is given more than once`, { cause });
    if (cause instanceof JsonPrototypeKeyError) throw new SidecarError(400, 'REQUEST_AMBIGUOUS', "a member named '__proto__' is read differently by different JSON parsers", { cause });
    throw new SidecarError(400, 'BAD_REQUEST', 'the body is not valid JSON', { cause });
  }
}

/** A query parameter given at most once: with two, which one the policy saw would be a guess (REQUEST_AMBIGUOUS). */
function queryInt(raw: string | undefined, name: string, fallback: number, min: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < min) throw new SidecarError(400, 'BAD_REQUEST', `the query parameter '${name}' must be an integer of at least ${min}`);
  return Number(raw);
}

function singleQuery(c: Context, name: string): string | undefined {
  const values = c.req.queries(name) ?? [];
  if (values.length > 1) throw new SidecarError(400, 'REQUEST_AMBIGUOUS', `the query parameter '${name}' is given more than once`);
  return values[0];
}

/** JSON routes take surface and subject from the body only: given in the query as well, which the policy saw would be a guess. */
function noPolicyQuery(c: Context): void {
  for (const name of ['surface', 'subject']) {
    if ((c.req.queries(name) ?? []).length > 0) throw new SidecarError(400, 'REQUEST_AMBIGUOUS', `the query parameter '${name}' is not taken here: this route reads it from the body`);
  }
}

function record(value: unknown, allowed: readonly string[]): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SidecarError(400, 'BAD_REQUEST', 'expected a JSON object');
  for (const key of Object.keys(value)) if (!allowed.includes(key)) throw new SidecarError(400, 'BAD_REQUEST', `unknown field ${quote(key)}`);
  return Object.fromEntries(Object.entries(value));
}

function itemList(value: unknown, maxItems: number): readonly unknown[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > maxItems) throw new SidecarError(400, 'BAD_REQUEST', `items must be a list of 1 to ${maxItems}`);
  return value;
}

function hashList(value: unknown): { algorithm: unknown; hash: unknown; quality?: unknown }[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > 16) throw new SidecarError(400, 'BAD_REQUEST', 'hashes must be a list of 1 to 16 {algorithm, hash}');
  return value.map((h: unknown) => {
    const f = record(h, ['algorithm', 'hash', 'quality']);
    return { algorithm: f.algorithm, hash: f.hash, ...(f.quality !== undefined ? { quality: f.quality } : {}) };
  });
}
