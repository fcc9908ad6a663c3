import { decodeMsgpack, encodeMsgpack } from './codec.ts';
import { array, bytes, exactRecord, uint } from './guards.ts';

/**
 * The answer to GET /v1/feed/deltas?since=N: an unsigned wrapper around
 * signed delta envelopes. Nothing in it is trusted: each envelope is
 * verified on its own, and `latest`, `next` and `snapshot` are only hints
 * that the signed timestamp then confirms (docs/PROTOCOL.md, "Delta chain").
 */
export interface DeltaChain {
  /** Signed delta envelopes for since+1, since+2, ... in order (possibly none). */
  readonly envelopes: readonly Uint8Array[];
  readonly latest: number;
  /** Ask again with since = next for the rest; null when the chain reached latest. */
  readonly next: number | null;
  /** Set when the Centre advises taking the snapshot of this version instead. */
  readonly snapshot: number | null;
  /** Poll no sooner than this (Safe Browsing's minimumWaitDuration). */
  readonly minimumWaitSeconds: number;
}

export function encodeDeltaChain(chain: DeltaChain): Uint8Array {
  return encodeMsgpack({ envelopes: chain.envelopes, latest: chain.latest, next: chain.next, snapshot: chain.snapshot, minimumWaitSeconds: chain.minimumWaitSeconds });
}

export function decodeDeltaChain(body: Uint8Array, maxBytes: number): DeltaChain {
  const fields = exactRecord(decodeMsgpack(body, maxBytes), 'delta chain', ['envelopes', 'latest', 'next', 'snapshot', 'minimumWaitSeconds']);
  return {
    envelopes: array(fields.envelopes, 'chain.envelopes', 100_000).map((e, i) => bytes(e, `chain.envelopes[${i}]`)),
    latest: uint(fields.latest, 'chain.latest'),
    next: fields.next === null ? null : uint(fields.next, 'chain.next'),
    snapshot: fields.snapshot === null ? null : uint(fields.snapshot, 'chain.snapshot'),
    minimumWaitSeconds: uint(fields.minimumWaitSeconds, 'chain.minimumWaitSeconds', 86_400),
  };
}

/** Root versions one answer of GET /v1/feed/keys carries at most (a client walks at most 256 per update). */
export const MAX_ROOT_LIST_LENGTH = 1024;

/**
 * One answer of GET /v1/feed/keys?since=N holds at most this many versions
 * and, past its first envelope, this many envelope bytes: every version
 * lists all earlier keys, so the whole chain grows quadratically (60
 * rotations of five keys pass 1 MiB) and would outgrow what a client reads
 * in one body. A client asks again from the last version it walked
 * (docs/PROTOCOL.md 4.3).
 */
export const ROOT_PAGE_LENGTH = 64;
export const ROOT_PAGE_BYTES = 512 * 1024;

/**
 * GET /v1/feed/keys[?since=N]: the root documents' envelopes for versions
 * N+1, N+2, ... (from 1 without `since`), oldest first (docs/PROTOCOL.md
 * 4.3). Unsigned wrapper; each envelope's position gives the version it must
 * carry, so a client skips the versions it trusts without decoding them.
 */
export function encodeRootList(roots: readonly Uint8Array[]): Uint8Array {
  return encodeMsgpack({ roots });
}

export function decodeRootList(body: Uint8Array, maxBytes: number): Uint8Array[] {
  const fields = exactRecord(decodeMsgpack(body, maxBytes), 'root list', ['roots']);
  return array(fields.roots, 'roots', MAX_ROOT_LIST_LENGTH).map((e, i) => bytes(e, `roots[${i}]`));
}
