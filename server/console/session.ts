import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Role } from '../store/accounts.ts';
import type { ConsoleDeps, ConsoleEnv } from './deps.ts';
import { ConsoleError } from './errors.ts';
import { formOf } from './forms.ts';
import { POLL_HEADER } from './browser/poll-header.ts';
import type { ConsoleSession } from './session-store.ts';

/** Over TLS (or behind a proxy that terminated it) the cookie is `Secure` and `__Host-` prefixed: bound to this host and path `/`. */
export function overTls(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

const cookieName = (c: Context): string => (overTls(c) ? '__Host-hashfeed-console' : 'hashfeed-console');

export function setSessionCookie(c: Context, secret: string): void {
  setCookie(c, cookieName(c), secret, { httpOnly: true, sameSite: 'Strict', secure: overTls(c), path: '/' });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, cookieName(c), { httpOnly: true, sameSite: 'Strict', secure: overTls(c), path: '/' });
}

/** Where a person without a live session is sent; `ended` says why (a fixed word, never caller input). */
export const signInPath = (ended?: 'expired' | 'signed-out'): string => `/console/sign-in${ended === undefined ? '' : `?ended=${ended}`}`;

/**
 * The signed-in person, checked on every request: the session must be
 * live (idle and absolute expiry), and so must what it was opened with
 * (the account token unrevoked, the account enabled, its role unchanged).
 * Otherwise the session ends and the browser goes back to sign-in.
 */
export function requireSession(deps: ConsoleDeps): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const secret = getCookie(c, cookieName(c));
    // A background poll (POLL_HEADER) is served but does not restart the idle time.
    const session = secret === undefined || secret.length > 128 ? undefined : deps.sessions.touch(secret, deps.clock(), { activity: c.req.header(POLL_HEADER) === undefined });
    if (secret === undefined || session === undefined || !stillEntitled(deps, session)) {
      if (secret !== undefined) {
        deps.sessions.end(secret);
        clearSessionCookie(c);
      }
      return c.redirect(signInPath(secret === undefined ? undefined : 'expired'), 303);
    }
    c.set('session', session);
    c.set('sessionSecret', secret);
    await next();
    return undefined;
  };
}

function stillEntitled(deps: ConsoleDeps, session: ConsoleSession): boolean {
  const { accounts } = deps.centre;
  if (session.tokenId !== null) {
    const principal = accounts.liveToken(session.tokenId);
    return principal !== undefined && principal.account.id === session.accountId && principal.account.role === session.role;
  }
  const account = accounts.byId(session.accountId);
  return account !== undefined && account.disabledAt === null && account.role === session.role;
}

/** Admits only the given roles: a page's routes, GET and POST alike, sit behind it; `onRefused` hears of each refusal first. */
export function requireConsoleRole(roles: readonly Role[], onRefused: (session: ConsoleSession, method: string) => void = () => undefined): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const session = c.get('session');
    const { role } = session;
    if (!roles.includes(role)) {
      onRefused(session, c.req.method);
      throw new ConsoleError('CONSOLE_FORBIDDEN', `this page is not for the ${role} role (it is for ${roles.join(' or ')})`);
    }
    await next();
  };
}

/**
 * Every state-changing request carries the session's CSRF token: the form
 * field `csrf`, or the header `x-csrf-token` for the script's requests
 * (synchronizer token; SameSite=Strict and the Origin check are the other
 * two layers). Compared in constant time.
 */
export function requireCsrf(): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const expected = Buffer.from(c.get('session').csrf, 'utf8');
    const header = c.req.header('x-csrf-token');
    const given = header ?? (await formOf(c)).get('csrf') ?? '';
    const actual = Buffer.from(given, 'utf8');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new ConsoleError('CONSOLE_CSRF_INVALID', 'this form is missing its security token or it has expired: reload the page and try again');
    }
    await next();
  };
}
