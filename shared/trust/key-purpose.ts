/**
 * What an online key may sign (docs/PROTOCOL.md 4.2). Each key is listed
 * for exactly one purpose and refused for any other, so that the theft of
 * one key does not yield the others' powers: a stolen feed key cannot make
 * its deltas fresh, and a stolen timestamp key cannot put anything in the
 * log.
 */
export const KEY_PURPOSES = {
  /** Freshness timestamps (8.5). */
  timestamp: 'timestamp',
  /** Archived feed objects: deltas and snapshots (8.2, 8.3). */
  feed: 'feed',
  /** Signed lists scoped to one provider: orders (10.3), later decisions. */
  providerList: 'provider-list',
  /** The transparency log's checkpoints (6.2); the key is named after the log origin. */
  checkpoint: 'checkpoint',
  /** The Centre's records of its decisions on reports, for their recipients (11.4). */
  forwarding: 'forwarding',
} as const;

export type KeyPurpose = (typeof KEY_PURPOSES)[keyof typeof KEY_PURPOSES];

/** The form of a purpose on the wire: decoders accept purposes they do not use yet, so that new ones need no new root format. */
export const PURPOSE_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;
