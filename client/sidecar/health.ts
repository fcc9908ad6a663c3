import type { TrustedState } from '../replica/trusted-state.ts';

export type HealthStatus = 'ok' | 'stale' | 'unsynced';

export interface Health {
  readonly status: HealthStatus;
  readonly replicaVersion: number;
  /** Seconds since the last successful sync (null before the first). */
  readonly lagSeconds: number | null;
  /** When the accepted timestamp stops vouching for the replica. */
  readonly freshUntil: string | null;
}

/**
 * `unsynced` before the first verified sync; `stale` once the last accepted
 * timestamp has expired (the Centre or the path to it froze: matching goes
 * on with the last good data and reports say `stale: true`); else `ok`.
 */
export function healthOf(state: TrustedState, now: number): Health {
  const lagSeconds = state.lastSuccessAt === null ? null : Math.max(0, Math.round((now - state.lastSuccessAt) / 1000));
  const freshUntil = state.timestamp === null ? null : new Date(state.timestamp.expires).toISOString();
  if (state.timestamp === null || state.lastSuccessAt === null) return { status: 'unsynced', replicaVersion: state.version, lagSeconds, freshUntil };
  return { status: now >= state.timestamp.expires ? 'stale' : 'ok', replicaVersion: state.version, lagSeconds, freshUntil };
}
