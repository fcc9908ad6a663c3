import { decodeDeltaChain, decodeRootList, ROOT_PAGE_LENGTH } from '../../shared/wire/delta-chain.ts';
import { MAX_ROOT_ENVELOPE_BYTES } from '../../shared/trust/index.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { SyncError } from './errors.ts';
import type { FetchLike } from '../net/http.ts';
import { fetchBytes } from './fetcher.ts';

export type LeafKind = 'delta' | 'snapshot';

export interface DeltaBatch {
  /** Delta envelopes for since+1, since+2, ... (unverified). */
  readonly envelopes: readonly Uint8Array[];
  /** Set when the source advises a snapshot instead. */
  readonly snapshotAdvised: boolean;
  /** The server's polling hint, if it gave one. */
  readonly minimumWaitSeconds?: number;
}

export interface InclusionProof {
  readonly leafIndex: number;
  readonly proof: readonly Uint8Array[];
}

/**
 * Where signed feed objects come from: the Centre's API or a static mirror
 * of its export. Nothing a source returns is trusted; the syncer verifies
 * everything (the Fetcher interface of tuf-js).
 */
export interface FeedSource {
  timestamp(): Promise<Uint8Array>;
  /** Root document envelopes of versions since+1, since+2, ... (all from version 1 when `since` is 0), oldest first. */
  roots(since: number): Promise<readonly Uint8Array[]>;
  checkpoint(): Promise<string>;
  /** Deltas after `since`, up to `latest` (from the verified timestamp). */
  deltas(since: number, latest: number): Promise<DeltaBatch>;
  /** The latest snapshot the source holds (or of `version` where the source can choose). */
  snapshot(version: number): Promise<Uint8Array>;
  inclusionProof(kind: LeafKind, version: number, size: number): Promise<InclusionProof>;
  consistencyProof(from: number, to: number): Promise<readonly Uint8Array[]>;
}

export interface SourceLimits {
  readonly timestampBytes: number;
  readonly keysBytes: number;
  readonly checkpointBytes: number;
  readonly deltaBytes: number;
  readonly snapshotBytes: number;
  readonly proofBytes: number;
  readonly timeoutMs: number;
}

export const DEFAULT_LIMITS: SourceLimits = {
  timestampBytes: 64 * 1024,
  keysBytes: 1024 * 1024,
  checkpointBytes: 64 * 1024,
  deltaBytes: 256 * 1024 * 1024,
  snapshotBytes: 1024 * 1024 * 1024,
  proofBytes: 1024 * 1024,
  timeoutMs: 120_000,
};

export interface HttpFeedSourceOptions {
  /** The Centre's base URL, or a mirror's (the folder `centre export` wrote, served over HTTP). */
  readonly baseUrl: string;
  /** 'centre' uses the query forms (delta chains); 'mirror' only the static paths. */
  readonly mode: 'centre' | 'mirror';
  /** The provider token: sent in centre mode only, never to a mirror (it holds no secrets and is not trusted with one). */
  readonly token?: string;
  readonly fetch: FetchLike;
  readonly limits?: Partial<SourceLimits>;
  /** Mirror mode: further behind than this many versions, take the snapshot. */
  readonly mirrorMaxDeltas?: number;
}

/** A FeedSource over HTTP, with every response size-capped. */
export class HttpFeedSource implements FeedSource {
  readonly #options: HttpFeedSourceOptions;
  readonly #limits: SourceLimits;
  readonly #base: string;

  constructor(options: HttpFeedSourceOptions) {
    this.#options = options;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#base = options.baseUrl.replace(/\/+$/, '');
  }

  async #get(path: string, maxBytes: number): Promise<Uint8Array> {
    const headers: Record<string, string> = this.#options.mode === 'centre' && this.#options.token !== undefined ? { authorization: `Bearer ${this.#options.token}` } : {};
    const body = await fetchBytes(this.#options.fetch, `${this.#base}${path}`, { headers, maxBytes, timeoutMs: this.#limits.timeoutMs });
    if (body === null) throw new SyncError('SYNC_HTTP_STATUS', `${this.#base}${path} answered 404`);
    return body;
  }

  timestamp(): Promise<Uint8Array> {
    return this.#get('/v1/feed/timestamp', this.#limits.timestampBytes);
  }

  /**
   * Centre: GET /v1/feed/keys?since=N, one page. A mirror holds one static
   * file with every version (position = version, sliced here), and one file
   * per version (v1/feed/root/V), read one by one, at most a page, once the
   * whole list is larger than a client reads (PROTOCOL 4.3).
   */
  async roots(since: number): Promise<readonly Uint8Array[]> {
    const path = this.#options.mode === 'centre' && since > 0 ? `/v1/feed/keys?since=${since}` : '/v1/feed/keys';
    let body: Uint8Array;
    try {
      body = await this.#get(path, this.#limits.keysBytes);
    } catch (err) {
      if (this.#options.mode === 'centre' || !(err instanceof SyncError) || err.code !== 'SYNC_TOO_LARGE') throw err;
      return this.#rootsOneByOne(since);
    }
    let roots: Uint8Array[];
    try {
      roots = decodeRootList(body, this.#limits.keysBytes);
    } catch (cause) {
      throw new SyncError('SYNC_MALFORMED', 'the root list is malformed', { cause: cause instanceof WireError ? cause : undefined });
    }
    // A page at a time, as the Centre answers: the walk then never meets more than one update walks (ROOT_TOO_MANY_ROTATIONS).
    return this.#options.mode === 'centre' ? roots : roots.slice(since, since + ROOT_PAGE_LENGTH);
  }

  async #rootsOneByOne(since: number): Promise<Uint8Array[]> {
    const roots: Uint8Array[] = [];
    for (let version = since + 1; roots.length < ROOT_PAGE_LENGTH; version++) {
      const envelope = await fetchBytes(this.#options.fetch, `${this.#base}/v1/feed/root/${version}`, { maxBytes: Math.min(this.#limits.keysBytes, MAX_ROOT_ENVELOPE_BYTES), timeoutMs: this.#limits.timeoutMs });
      if (envelope === null) break;
      roots.push(envelope);
    }
    return roots;
  }

  async checkpoint(): Promise<string> {
    const bytes = await this.#get('/v1/log/checkpoint', this.#limits.checkpointBytes);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (cause) {
      throw new SyncError('SYNC_MALFORMED', 'the checkpoint is not UTF-8', { cause });
    }
  }

  async deltas(since: number, latest: number): Promise<DeltaBatch> {
    if (this.#options.mode === 'centre') {
      const body = await this.#get(`/v1/feed/deltas?since=${since}`, this.#limits.deltaBytes);
      try {
        const chain = decodeDeltaChain(body, this.#limits.deltaBytes);
        return { envelopes: chain.envelopes, snapshotAdvised: chain.snapshot !== null, minimumWaitSeconds: chain.minimumWaitSeconds };
      } catch (cause) {
        throw new SyncError('SYNC_MALFORMED', 'the delta chain is malformed', { cause: cause instanceof WireError ? cause : undefined });
      }
    }
    const behind = latest - since;
    if (behind > (this.#options.mirrorMaxDeltas ?? 100)) return { envelopes: [], snapshotAdvised: true };
    const envelopes: Uint8Array[] = [];
    for (let v = since + 1; v <= latest && envelopes.length < 100; v++) envelopes.push(await this.#get(`/v1/feed/deltas/${v}`, this.#limits.deltaBytes));
    return { envelopes, snapshotAdvised: false };
  }

  snapshot(version: number): Promise<Uint8Array> {
    const path = this.#options.mode === 'centre' ? `/v1/feed/snapshot?version=${version}` : '/v1/feed/snapshot';
    return this.#get(path, this.#limits.snapshotBytes);
  }

  async inclusionProof(kind: LeafKind, version: number, size: number): Promise<InclusionProof> {
    const value = this.#json(await this.#get(`/v1/log/proof/inclusion/${kind}/${version}/${size}`, this.#limits.proofBytes));
    const leafIndex = Reflect.get(value, 'leafIndex');
    if (typeof leafIndex !== 'number' || !Number.isSafeInteger(leafIndex) || leafIndex < 0) throw new SyncError('SYNC_MALFORMED', 'inclusion proof lacks a leaf index');
    return { leafIndex, proof: this.#hashes(Reflect.get(value, 'proof')) };
  }

  async consistencyProof(from: number, to: number): Promise<readonly Uint8Array[]> {
    const value = this.#json(await this.#get(`/v1/log/proof/consistency/${from}/${to}`, this.#limits.proofBytes));
    return this.#hashes(Reflect.get(value, 'proof'));
  }

  #json(bytes: Uint8Array): object {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch (cause) {
      throw new SyncError('SYNC_MALFORMED', 'a proof is not valid JSON', { cause });
    }
    if (typeof value !== 'object' || value === null) throw new SyncError('SYNC_MALFORMED', 'a proof is not a JSON object');
    return value;
  }

  #hashes(value: unknown): Uint8Array[] {
    if (!Array.isArray(value) || value.length > 128) throw new SyncError('SYNC_MALFORMED', 'a proof must be a list of at most 128 hashes');
    return value.map((item: unknown) => {
      if (typeof item !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(item)) throw new SyncError('SYNC_MALFORMED', 'a proof hash is not base64');
      return new Uint8Array(Buffer.from(item, 'base64'));
    });
  }
}
