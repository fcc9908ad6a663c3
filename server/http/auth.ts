import type { MiddlewareHandler } from 'hono';
import type { AccountStore, Principal, Role } from '../store/accounts.ts';
import { ApiError } from './api-error.ts';
import type { RateLimiter } from './rate-limit.ts';

export type AppEnv = { Variables: { principal: Principal } };

/** Who checks tokens: the accounts, the per-token limit, and the per-client limit on failed authentications. */
export interface TokenGate {
  readonly accounts: AccountStore;
  readonly limiter: RateLimiter;
  /** Charged once per bad token, per client; while it is empty every token from that client is refused with 429. */
  readonly failures: RateLimiter;
  readonly clientKey: (c: Parameters<MiddlewareHandler>[0]) => string;
  readonly clock: () => number;
  /** Told of each request refused to a valid token for its role (`route` is the method and route pattern): the auditor's are audited. */
  readonly onForbidden?: (principal: Principal, route: string) => void;
}

/**
 * Requires a bearer token of one of `roles`, then charges the token's rate
 * limit. 401 without a valid token, 403 with a token of another role: every
 * route states who may call it, and nothing is reachable by accident. A
 * client that has sent too many bad tokens gets 429 with Retry-After before
 * any token of its is looked at, so guessing is slow whatever it guesses.
 */
export function requireRole(gate: TokenGate, ...roles: readonly Role[]): MiddlewareHandler<AppEnv> {
  const { accounts, limiter, failures, clock } = gate;
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined) throw new ApiError(401, 'AUTH_MISSING', 'this route needs a bearer token');
    const client = `client:${gate.clientKey(c)}`;
    const blocked = failures.wait(client, clock());
    if (blocked > 0) throw new ApiError(429, 'RATE_LIMITED', 'too many failed authentications from this client; retry later', { retryAfterSeconds: blocked });
    const match = /^Bearer ([\x21-\x7e]{1,256})$/.exec(header);
    const principal = match?.[1] === undefined ? undefined : accounts.authenticate(match[1]);
    if (principal === undefined) {
      failures.take(client, clock());
      throw new ApiError(401, 'AUTH_INVALID', 'the token is unknown, revoked or malformed');
    }
    if (!roles.includes(principal.account.role)) {
      gate.onForbidden?.(principal, `${c.req.method} ${c.req.routePath}`);
      throw new ApiError(403, 'AUTH_FORBIDDEN', `a ${principal.account.role} token may not call this route (needs ${roles.join(' or ')})`);
    }
    chargeRate(limiter, `token:${principal.tokenId}`, clock());
    c.set('principal', principal);
    await next();
  };
}

/** Public routes are rate limited per client key (the peer address where known). */
export function publicRoute(limiter: RateLimiter, clock: () => number, clientKey: (c: Parameters<MiddlewareHandler>[0]) => string): MiddlewareHandler {
  return async (c, next) => {
    chargeRate(limiter, `public:${clientKey(c)}`, clock());
    await next();
  };
}

function chargeRate(limiter: RateLimiter, key: string, now: number): void {
  const wait = limiter.take(key, now);
  if (wait > 0) throw new ApiError(429, 'RATE_LIMITED', 'too many requests; retry later', { retryAfterSeconds: wait });
}
