import { DEFAULT_MAX_CLOCK_SKEW_MS, isFromFuture, type TrustedState } from '../replica/trusted-state.ts';

export type HealthStatus = 'ok' | 'stale' | 'unsynced' | 'no_access';

export interface Health {
  readonly status: HealthStatus;
  readonly replicaVersion: number;
  /** Seconds since the last successful sync (null before the first). */
  readonly lagSeconds: number | null;
  /** When the accepted timestamp stops vouching for the replica. */
  readonly freshUntil: string | null;
  /**
   * The last verified timestamp's issuedAt minus the local clock when it
   * arrived, accepted or refused (null before the first): near zero or
   * slightly negative when the clocks agree; large and positive when the
   * Centre's clock runs ahead (its timestamps are then refused,
   * SYNC_FROM_FUTURE).
   */
  readonly clockSkewSeconds: number | null;
  /** Version of the trusted root document (docs/PROTOCOL.md 4.3); null before the first round anchors it from the pin. */
  readonly rootVersion: number | null;
  /**
   * Why this sidecar reads nothing new of the sealed feed (docs/PROTOCOL.md
   * 13.4; status `no_access`): NO_ACTIVE_ORDER, ACCOUNT_DISABLED,
   * NO_ENCRYPTION_KEY, ENCRYPTION_KEY_PENDING, NO_KEY_FOR_THIS_SIDECAR,
   * ACCESS_LIST_WITHDRAWN or NO_EPOCH_KEY; null while it has access.
   */
  readonly noAccessReason: string | null;
  /**
   * Indicators the replica holds of algorithms this sidecar does not know
   * (a newer Centre's): stored so the state digest verifies and removals
   * apply, never matched (docs/SIDECAR.md, "Unknown algorithms"). Empty
   * normally; anything here means this sidecar should be upgraded.
   */
  readonly skippedIndicators: readonly { readonly algorithm: string; readonly indicators: number }[];
}

export interface ClockView {
  /** From Syncer.clockSkewMs. */
  readonly clockSkewMs?: number | undefined;
  readonly maxClockSkewMs?: number;
}

/**
 * `no_access` while the access list gives this sidecar no key (the replica
 * keeps serving what it holds; its order policy decides scanning);
 * `unsynced` before the first verified sync; `stale` once the last accepted
 * timestamp has expired, or when it was issued ahead of the local clock
 * beyond the allowed skew (a negative age is no freshness: docs/PROTOCOL.md
 * 9.3 step 3) — the Centre or the path to it froze, or a clock is wrong:
 * matching goes on with the last good data and reports say `stale: true`;
 * else `ok`.
 */
export function healthOf(
  state: TrustedState,
  now: number,
  clock: ClockView = {},
  noAccessReason: string | null = null,
  skippedIndicators: Health['skippedIndicators'] = [],
): Health {
  const lagSeconds = state.lastSuccessAt === null ? null : Math.max(0, Math.round((now - state.lastSuccessAt) / 1000));
  const freshUntil = state.timestamp === null ? null : new Date(state.timestamp.expires).toISOString();
  const clockSkewSeconds = clock.clockSkewMs === undefined ? null : Math.round(clock.clockSkewMs / 1000);
  const base = { replicaVersion: state.version, lagSeconds, freshUntil, clockSkewSeconds, rootVersion: state.rootVersion, noAccessReason, skippedIndicators };
  if (noAccessReason !== null) return { status: 'no_access', ...base };
  if (state.timestamp === null || state.lastSuccessAt === null) return { status: 'unsynced', ...base };
  const stale = now >= state.timestamp.expires || isFromFuture(state.timestamp.issuedAt, now, clock.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS);
  return { status: stale ? 'stale' : 'ok', ...base };
}
