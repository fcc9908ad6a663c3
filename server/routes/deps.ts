import type { MiddlewareHandler } from 'hono';
import type { Centre } from '../centre.ts';
import type { AppEnv } from '../http/auth.ts';
import type { Role } from '../store/accounts.ts';

/** What every route module receives from createApp. */
export interface RouteDeps {
  readonly centre: Centre;
  readonly clock: () => number;
  /** Uniform in [0, 1): the review QA sample draws from it. */
  readonly random: () => number;
  /** Middleware admitting only tokens of the given roles. */
  readonly guard: (...roles: Role[]) => MiddlewareHandler<AppEnv>;
  /** Middleware for public routes (rate limit per client). */
  readonly open: MiddlewareHandler;
}
