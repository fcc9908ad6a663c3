import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Centre } from './centre.ts';
import { consoleApp, SessionStore, type SessionLimits } from './console/index.ts';
import { ApiError } from './http/api-error.ts';
import { publicRoute, requireRole, type AppEnv, type TokenGate } from './http/auth.ts';
import { bodyGuard } from './http/body-guard.ts';
import { bodyLimitFor } from './http/body-limits.ts';
import { errorResponse } from './http/error-response.ts';
import { createCentreMetrics, type CentreMetrics } from './http/metrics.ts';
import { observeRequests, type AccessLogEntry } from './http/observe.ts';
import { openApiDocument } from './http/openapi-document.ts';
import { RateLimiter } from './http/rate-limit.ts';
import { requestTimeout } from './http/request-timeout.ts';
import { accessLogRoutes } from './routes/access-log.ts';
import { accountRoutes } from './routes/accounts.ts';
import { auditRoutes } from './routes/audit.ts';
import { auditorRoutes } from './routes/auditor.ts';
import { batchRoutes } from './routes/batches.ts';
import type { RouteDeps } from './routes/deps.ts';
import { encryptionKeyRoutes } from './routes/encryption-keys.ts';
import { feedAccessRoutes } from './routes/feed-access.ts';
import { feedDecisionRoutes } from './routes/feed-decisions.ts';
import { feedOrderRoutes } from './routes/feed-orders.ts';
import { feedRoutes } from './routes/feed.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { indicatorRoutes } from './routes/indicators.ts';
import { logRoutes } from './routes/log.ts';
import { orderRoutes } from './routes/orders.ts';
import { providerKeyRoutes } from './routes/provider-keys.ts';
import { publishRoutes } from './routes/publish.ts';
import { reportRefusalRoutes } from './routes/report-refusals.ts';
import { reportRoutes } from './routes/reports.ts';
import { reviewRoutes } from './routes/review.ts';
import { serviceRoutes } from './routes/service.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { transparencyRoutes } from './routes/transparency.ts';
import type { Role } from './store/accounts.ts';

export interface AppDeps {
  readonly centre: Centre;
  /** Milliseconds since the epoch; injected so tests control time. */
  readonly clock?: () => number;
  /** Uniform in [0, 1) (default Math.random): which decisions get a QA check; injected so tests decide. */
  readonly random?: () => number;
  /** Where unexpected errors go (never request bodies or tokens). */
  readonly onError?: (err: unknown) => void;
  /** Identifies a public caller for rate limiting (the peer address on a real server). */
  readonly clientKey?: (c: Context) => string;
  /** Served at /metrics (operator or admin token); default: request metrics without process metrics. */
  readonly metrics?: CentreMetrics;
  /** One entry per request: method, route pattern, status, duration, account. Default: none. */
  readonly accessLog?: (entry: AccessLogEntry) => void;
  /** Default: the config's requestTimeoutSeconds. */
  readonly requestTimeoutMs?: number;
  /** Console session expiry (docs/CONSOLE.md, "Sessions"); default DEFAULT_SESSION_LIMITS. */
  readonly consoleSessions?: SessionLimits;
}

/** The Centre's HTTP API as a Hono app, without listening: tests drive it in process. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const clock = deps.clock ?? Date.now;
  const onError = deps.onError ?? ((err: unknown) => console.error(err));
  const { centre } = deps;
  const clientKey = deps.clientKey ?? (() => 'anonymous');
  const gate: TokenGate = {
    accounts: centre.accounts,
    limiter: new RateLimiter(centre.config.rateLimit),
    failures: new RateLimiter(centre.config.authFailureLimit),
    clientKey,
    clock,
    // Every request of an auditor is in the audit trail (docs/API.md, "Audit"): its reads by their routes, its refusals here.
    onForbidden: (principal, route) => {
      if (principal.account.role === 'auditor') centre.write(() => centre.audit.record(clock(), principal.account.name, 'audit.refused', route));
    },
  };
  const publicLimiter = new RateLimiter(centre.config.rateLimit);
  const routeDeps: RouteDeps = {
    centre,
    clock,
    random: deps.random ?? Math.random,
    guard: (...roles: Role[]) => requireRole(gate, ...roles),
    open: publicRoute(publicLimiter, clock, clientKey),
  };

  const metrics = deps.metrics ?? createCentreMetrics({ centre, processMetrics: false });

  const app = new OpenAPIHono<AppEnv>();
  app.onError((err, c) => errorResponse(c, err, onError));
  app.notFound(() => {
    throw new ApiError(404, 'NOT_FOUND', 'no such route');
  });
  // First, so that they see every answer, timeouts and refusals included (a body refused up front too).
  app.use(observeRequests(metrics, deps.accessLog ?? (() => undefined)));
  // Before the request timeout: with equal defaults (120 s) a trickled body gets 408 BODY_TIMEOUT, which closes the connection.
  app.use('*', bodyGuard({ limitFor: bodyLimitFor(centre.config), deadlineMs: centre.config.bodyTimeoutSeconds * 1000 }));
  app.use(requestTimeout(deps.requestTimeoutMs ?? centre.config.requestTimeoutSeconds * 1000));
  // Built on first request, once every route module is mounted: the document of exactly what the app serves.
  let document: string | undefined;
  app.route('/', serviceRoutes(routeDeps, { metrics, document: () => (document ??= JSON.stringify(openApiDocument(app))) }));
  for (const [prefix, routes] of ROUTES) app.route(prefix, routes(routeDeps));
  // The console: pages for people, on the same app and port, not part of the API's document (docs/CONSOLE.md).
  app.route(
    '/console',
    consoleApp({ centre, clock, random: routeDeps.random, sessions: new SessionStore(deps.consoleSessions), failures: gate.failures, clientKey, onError }),
  );
  return app;
}

/**
 * Each route module is a sub-app mounted under its prefix (docs/API.md lists every path), its routes added
 * through ApiRouter so that each is validated by, and described from, one definition (docs/ARCHITECTURE.md).
 */
const ROUTES: readonly (readonly [string, (deps: RouteDeps) => OpenAPIHono<AppEnv>])[] = [
  ['/v1/accounts', accountRoutes],
  ['/v1/tokens', tokenRoutes],
  ['/v1/audit', auditRoutes],
  ['/v1/audit', auditorRoutes],
  ['/v1/indicators', indicatorRoutes],
  ['/v1/batches', batchRoutes],
  ['/v1/publish', publishRoutes],
  ['/v1/feed', feedRoutes],
  ['/v1/feed/orders', feedOrderRoutes],
  ['/v1/feed/decisions', feedDecisionRoutes],
  ['/v1/feed/access', feedAccessRoutes],
  ['/v1/log', logRoutes],
  ['/v1/transparency', transparencyRoutes],
  ['/v1/orders', orderRoutes],
  ['/v1/provider/keys', providerKeyRoutes],
  ['/v1/provider/encryption-keys', encryptionKeyRoutes],
  ['/v1/access-log', accessLogRoutes],
  ['/v1/reports', reportRoutes],
  ['/v1/reports/refusals', reportRefusalRoutes],
  ['/v1/review', reviewRoutes],
  ['/v1/inbox', inboxRoutes],
];
