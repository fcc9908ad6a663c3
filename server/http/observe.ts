import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Principal } from '../store/accounts.ts';
import type { AppEnv } from './auth.ts';
import type { CentreMetrics } from './metrics.ts';

/**
 * One line of the access log. Only what cannot carry a secret or content:
 * never the raw path or query string (they may hold identifiers or, by
 * mistake, tokens), headers, bodies or the peer address.
 */
export interface AccessLogEntry {
  readonly method: string;
  /** The route pattern that answered (`/v1/indicators/:id`), or `unmatched`. */
  readonly route: string;
  readonly status: number;
  readonly durationMs: number;
  /** The authenticated account, where the route needs one and the token was valid. */
  readonly account?: string;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** The pattern of the last route that matched (the handler's); `unmatched` when only app-wide middleware did. */
function routeOf(c: Context): string {
  const route = matchedRoutes(c).at(-1)?.path;
  return route === undefined || route === '*' || route === '/*' ? 'unmatched' : route;
}

/**
 * Times every request and reports it to the metrics and the access log,
 * errors included (Hono has turned them into responses by the time this
 * middleware resumes). Mounted first, so it sees timeouts and refusals too.
 */
export function observeRequests(metrics: CentreMetrics, accessLog: (entry: AccessLogEntry) => void): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
      const route = routeOf(c);
      const { status } = c.res;
      metrics.observeRequest({ method, route, status }, seconds);
      // Set only by a route's guard, after a valid token.
      const principal: Principal | undefined = c.get('principal');
      const account = principal?.account.name;
      accessLog({ method, route, status, durationMs: Math.round(seconds * 1e4) / 10, ...(account === undefined ? {} : { account }) });
    }
  };
}
