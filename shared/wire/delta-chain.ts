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

/** GET /v1/feed/keys: every root-signed signing-key certificate, oldest first. */
export function encodeKeyList(certificates: readonly Uint8Array[]): Uint8Array {
  return encodeMsgpack({ certificates });
}

export function decodeKeyList(body: Uint8Array, maxBytes: number): Uint8Array[] {
  const fields = exactRecord(decodeMsgpack(body, maxBytes), 'key list', ['certificates']);
  return array(fields.certificates, 'keys.certificates', 1024).map((c, i) => bytes(c, `keys.certificates[${i}]`));
}
