import type { Context } from 'hono';
import type { Centre } from '../centre.ts';
import type { RateLimiter } from '../http/rate-limit.ts';
import type { Role } from '../store/accounts.ts';
import type { ConsoleSession, SessionStore } from './session-store.ts';

/** What the console's routes see: the session of the signed-in person, and its cookie secret (to end it). */
export type ConsoleEnv = { Variables: { session: ConsoleSession; sessionSecret: string } };

/** What every console page receives from createApp: the same Centre and clock as the API. */
export interface ConsoleDeps {
  readonly centre: Centre;
  readonly clock: () => number;
  /** Uniform in [0, 1): the review QA sample draws from it, as the API's does. */
  readonly random: () => number;
  readonly sessions: SessionStore;
  /** A failed sign-in charges the API's per-client budget of failed authentications. */
  readonly failures: RateLimiter;
  readonly clientKey: (c: Context) => string;
}

/** Every role but provider may sign in: a provider's sidecar talks to the API, never a person to the console. */
export const CONSOLE_ROLES: readonly Role[] = ['admin', 'authority', 'operator', 'reviewer', 'europol', 'auditor'];
