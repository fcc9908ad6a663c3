import { Hono, type Context } from 'hono';
import { csrf } from 'hono/csrf';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import { CodedError } from '../../shared/errors.ts';
import { ApiError } from '../http/api-error.ts';
import { statusOfCode } from '../http/error-response.ts';
import { homeOf, PAGES } from './access.ts';
import { assetRoutes } from './assets.ts';
import type { ConsoleDeps, ConsoleEnv } from './deps.ts';
import { CONSOLE_STATUS, ConsoleError } from './errors.ts';
import { h } from './html.ts';
import { renderPage, type PageOptions } from './layout.ts';
import { PAGE_ROUTES } from './pages/index.ts';
import { signInRoutes } from './pages/sign-in.ts';
import { clearSessionCookie, requireConsoleRole, requireCsrf, requireSession, signInPath } from './session.ts';

/**
 * The Centre console (docs/CONSOLE.md), mounted at /console on the API's
 * own app and port: server-rendered pages over the same Centre services as
 * the API, working with plain forms; one bundled script enhances them.
 *
 * Layers, in order: security headers on every answer; an Origin check on
 * every form post; the assets and sign-in (no session yet); then a live
 * session, its CSRF token on every post, and each page's roles.
 */
export function consoleApp(deps: ConsoleDeps & { readonly onError: (err: unknown) => void }): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  app.onError((err, c) => errorPage(c, err, deps.onError));
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      crossOriginOpenerPolicy: 'same-origin',
      permissionsPolicy: { camera: [], microphone: [], geolocation: [] },
    }),
  );
  app.use(async (c, next) => {
    await next();
    // Pages hold names, reports and orders: never kept by a browser or proxy cache (assets set their own).
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });
  // A form posted from another origin is refused before anything reads it (login CSRF included).
  const sameOrigin = csrf();
  app.use(async (c, next) => {
    try {
      await sameOrigin(c, next);
    } catch (err) {
      if (err instanceof HTTPException && err.status === 403) throw new ConsoleError('CONSOLE_CSRF_INVALID', 'this form was posted from another site, and is refused', { cause: err });
      throw err;
    }
  });
  app.route('/assets', assetRoutes());
  app.route('/', signInRoutes(deps));

  app.use('*', requireSession(deps));
  app.use('*', requireCsrf());
  app.get('/', (c) => c.redirect(homeOf(c.get('session').role), 303));
  app.post('/sign-out', (c) => {
    deps.sessions.end(c.get('sessionSecret'));
    clearSessionCookie(c);
    return c.redirect(signInPath('signed-out'), 303);
  });
  // Every page of the table behind its roles, whether or not it has routes yet: a wrong role is refused before a 404.
  for (const page of PAGES) {
    // An auditor's refusals are in the audit trail, as through the API (docs/API.md, "Audit"): the page, never the raw path.
    const guard = requireConsoleRole(page.roles, (session, method) => {
      if (session.role === 'auditor') deps.centre.write(() => deps.centre.audit.record(deps.clock(), session.name, 'audit.refused', `${method} /console${page.path}`));
    });
    app.use(page.path, guard);
    app.use(`${page.path}/*`, guard);
  }
  for (const [path, routes] of PAGE_ROUTES) app.route(path, routes(deps));
  app.all('*', () => {
    throw new ConsoleError('CONSOLE_NOT_FOUND', 'there is no such page in the console');
  });
  return app;
}

/** A refusal as a page: its code and sentence, with the navigation when signed in. Unexpected errors show no internals. */
function errorPage(c: Context<ConsoleEnv>, err: unknown, onError: (err: unknown) => void): Response | Promise<Response> {
  let status: NonNullable<PageOptions['status']>;
  let code: string;
  let message: string;
  if (err instanceof ConsoleError) [status, code, message] = [CONSOLE_STATUS[err.code], err.code, err.message];
  else if (err instanceof ApiError) [status, code, message] = [pageStatus(err.status), err.code, err.message];
  else if (err instanceof CodedError && err.code !== 'INTERNAL') [status, code, message] = [pageStatus(statusOfCode(err.code)), err.code, err.message];
  else [status, code, message] = [500, 'INTERNAL', 'the Centre failed to handle the request'];
  if (status >= 500) onError(err);
  return renderPage(c, {
    title: status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Refused',
    session: c.get('session'),
    status,
    body: h('div', { class: 'flash refused', role: 'alert' }, h('p', {}, message), h('p', {}, 'Code: ', h('code', {}, code))),
  });
}

// A body refused for its size or its slowness (server/http/body-guard.ts) keeps its status: 413, 408.
const PAGE_STATUSES = [400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 503] as const;
const pageStatus = (status: number): NonNullable<PageOptions['status']> => PAGE_STATUSES.find((s) => s === status) ?? (status >= 500 ? 500 : 400);
