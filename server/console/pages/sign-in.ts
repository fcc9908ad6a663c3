import { Hono, type Context } from 'hono';
import type { Account } from '../../store/accounts.ts';
import { SIGN_IN_CODE_PREFIX } from '../../store/sign-in-codes.ts';
import { homeOf } from '../access.ts';
import { CONSOLE_ROLES, type ConsoleDeps } from '../deps.ts';
import { ConsoleError } from '../errors.ts';
import { formOf } from '../forms.ts';
import { h, type Child } from '../html.ts';
import { renderPage } from '../layout.ts';
import { setSessionCookie } from '../session.ts';

/** A Map, not an object: `?ended=constructor` must not find Object's own members. */
const ENDED_MESSAGES: ReadonlyMap<string, string> = new Map([
  ['expired', 'Your session has ended. Sign in again to go on.'],
  ['signed-out', 'You have signed out.'],
]);

/** The sign-in form: one password field, never filled back in, never in a URL (POST only). */
function signInForm(c: Context, notice: Child, status: 200 | 401 | 403 = 200): Response | Promise<Response> {
  return renderPage(c, {
    title: 'Sign in',
    status,
    body: h(
      'div',
      {},
      notice,
      h(
        'form',
        { method: 'post', action: '/console/sign-in', class: 'panel' },
        h(
          'div',
          { class: 'field' },
          h('label', { for: 'token' }, 'Account token or one-time sign-in code'),
          h('p', { class: 'hint', id: 'token-hint' }, 'Paste the token or code you were given. It is exchanged for a session and never shown again.'),
          h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, maxlength: 256, 'aria-describedby': 'token-hint', autofocus: true }),
        ),
        h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
      ),
      h('p', { class: 'hint' }, 'Providers cannot sign in: their sidecars use the API.'),
    ),
  });
}

/**
 * GET and POST /console/sign-in, POST /console/sign-out (docs/CONSOLE.md,
 * "Signing in"). A token or one-time code is exchanged for a server-side
 * session; a wrong one charges the same per-client budget of failed
 * authentications as the API, so guessing through the console is no faster.
 */
export function signInRoutes(deps: ConsoleDeps): Hono {
  const { centre, clock, sessions, failures } = deps;
  const app = new Hono();

  app.get('/sign-in', (c) => {
    const ended = ENDED_MESSAGES.get(c.req.query('ended') ?? '');
    return signInForm(c, ended === undefined ? null : h('p', { class: 'notice', role: 'status' }, ended));
  });

  app.post('/sign-in', async (c) => {
    const token = (await formOf(c)).get('token')?.trim() ?? '';
    // The budget is checked and charged with no await between them: guesses sent all at once are each weighed against it.
    const now = clock();
    const client = `client:${deps.clientKey(c)}`;
    const blocked = failures.wait(client, now);
    if (blocked > 0) {
      c.header('Retry-After', String(Math.max(1, Math.ceil(blocked))));
      throw new ConsoleError('CONSOLE_RATE_LIMITED', 'too many failed sign-ins from this address; wait a little and try again');
    }
    const identity = /^[\x21-\x7e]{1,256}$/.test(token) ? identify(deps, token, now) : undefined;
    if (identity === undefined) {
      failures.take(client, now);
      return signInForm(c, refusal('CONSOLE_SIGN_IN_REFUSED', 'That token or code is unknown, revoked, expired or already used.'), 401);
    }
    if (!CONSOLE_ROLES.includes(identity.account.role)) {
      return signInForm(c, refusal('CONSOLE_ROLE_REFUSED', `A ${identity.account.role} account cannot sign in to the console.`), 403);
    }
    const { secret } = sessions.create({ accountId: identity.account.id, name: identity.account.name, role: identity.account.role, tokenId: identity.tokenId }, now);
    centre.write(() => centre.audit.record(now, identity.account.name, 'console.sign-in', null, { with: identity.tokenId === null ? 'code' : 'token' }));
    setSessionCookie(c, secret);
    return c.redirect(homeOf(identity.account.role), 303);
  });

  return app;
}

/** The account behind an account token or a one-time code (used up here, whatever follows). */
function identify(deps: ConsoleDeps, token: string, now: number): { account: Account; tokenId: number | null } | undefined {
  const { centre } = deps;
  if (token.startsWith(SIGN_IN_CODE_PREFIX)) {
    const accountId = centre.write(() => centre.signInCodes.redeem(token, now));
    const account = accountId === undefined ? undefined : centre.accounts.byId(accountId);
    return account === undefined || account.disabledAt !== null ? undefined : { account, tokenId: null };
  }
  const principal = centre.accounts.authenticate(token);
  return principal === undefined ? undefined : { account: principal.account, tokenId: principal.tokenId };
}

const refusal = (code: string, sentence: string): Child => h('div', { class: 'flash refused', role: 'alert' }, h('strong', {}, 'Refused: '), sentence, ' ', h('code', {}, code));
