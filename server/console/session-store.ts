import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../store/accounts.ts';

/** How long a console session lives (docs/CONSOLE.md, "Sessions"). */
export interface SessionLimits {
  /** Ends after this long without a request. */
  readonly idleMs: number;
  /** Ends this long after sign-in, however active. */
  readonly absoluteMs: number;
  /** Sessions held at most; past it the least recently used is ended. */
  readonly maxSessions: number;
  /** Sessions one account holds at most; past it its least recently used is ended (one person cannot crowd out the rest). */
  readonly maxPerAccount: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000, maxSessions: 10_000, maxPerAccount: 20 };

/** A short message shown once on the next page (post, redirect, get). */
export interface Flash {
  readonly kind: 'done' | 'refused';
  readonly text: string;
}

export interface ConsoleSession {
  readonly accountId: number;
  readonly name: string;
  readonly role: Role;
  /** The account token signed in with, checked live on every request; null for a one-time sign-in code. */
  readonly tokenId: number | null;
  /** Carried by every state-changing form (synchronizer token). */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeenAt: number;
  flash: Flash | null;
}

export interface SignedInSession {
  /** The cookie value: the only copy of the session's secret; the store keeps its hash. */
  readonly secret: string;
  readonly session: ConsoleSession;
}

/**
 * Console sessions, held server-side in memory: the browser holds only a
 * random secret, the store its SHA-256 (a heap dump yields no live cookie).
 * A restart signs everyone out, which is the safe direction. Expiry is
 * checked on every lookup, never by a timer.
 */
export class SessionStore {
  readonly #sessions = new Map<string, ConsoleSession>();
  readonly #limits: SessionLimits;

  constructor(limits: SessionLimits = DEFAULT_SESSION_LIMITS) {
    this.#limits = limits;
  }

  /** A new session (a fresh secret each time: no fixation). */
  create(identity: { accountId: number; name: string; role: Role; tokenId: number | null }, now: number): SignedInSession {
    this.#evict(now, identity.accountId);
    const secret = randomBytes(32).toString('base64url');
    const session: ConsoleSession = { ...identity, csrf: randomBytes(32).toString('base64url'), createdAt: now, lastSeenAt: now, flash: null };
    this.#sessions.set(keyOf(secret), session);
    return { secret, session };
  }

  /**
   * The live session behind a cookie value; undefined (and ended) if it has
   * expired. The person's own requests restart the idle time; a background
   * poll (`activity: false`) is served without restarting it.
   */
  touch(secret: string, now: number, { activity = true }: { readonly activity?: boolean } = {}): ConsoleSession | undefined {
    const key = keyOf(secret);
    const session = this.#sessions.get(key);
    if (session === undefined) return undefined;
    if (this.#expired(session, now)) {
      this.#sessions.delete(key);
      return undefined;
    }
    if (activity) session.lastSeenAt = now;
    return session;
  }

  end(secret: string): void {
    this.#sessions.delete(keyOf(secret));
  }

  get size(): number {
    return this.#sessions.size;
  }

  #expired(session: ConsoleSession, now: number): boolean {
    return now - session.lastSeenAt >= this.#limits.idleMs || now - session.createdAt >= this.#limits.absoluteMs || now < session.createdAt;
  }

  /** Makes room for one more session of `accountId`: expired ones go, then the least recently used of the account, then of all. */
  #evict(now: number, accountId: number): void {
    for (const [key, session] of this.#sessions) if (this.#expired(session, now)) this.#sessions.delete(key);
    const ofAccount = (session: ConsoleSession): boolean => session.accountId === accountId;
    while ([...this.#sessions.values()].filter(ofAccount).length >= this.#limits.maxPerAccount && this.#endLeastRecent(ofAccount));
    while (this.#sessions.size >= this.#limits.maxSessions && this.#endLeastRecent(() => true));
  }

  #endLeastRecent(among: (session: ConsoleSession) => boolean): boolean {
    let oldest: [string, number] | undefined;
    for (const [key, session] of this.#sessions) if (among(session) && (oldest === undefined || session.lastSeenAt < oldest[1])) oldest = [key, session.lastSeenAt];
    if (oldest !== undefined) this.#sessions.delete(oldest[0]);
    return oldest !== undefined;
  }
}

const keyOf = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');
