import type { Context } from 'hono';
import { pagesOf } from './access.ts';
import { ASSET_PATHS } from './assets.ts';
import { csrfField, h, type Child } from './html.ts';
import type { ConsoleSession, Flash } from './session-store.ts';

export interface PageOptions {
  readonly title: string;
  /** The signed-in person; absent on the sign-in and error pages before sign-in. */
  readonly session?: ConsoleSession | undefined;
  /** The page's own path under /console (marks the current navigation entry). */
  readonly current?: string;
  readonly status?: 200 | 400 | 401 | 403 | 404 | 408 | 409 | 413 | 422 | 429 | 500 | 503;
  readonly body: Child;
}

function flashOf(session: ConsoleSession | undefined): Flash | null {
  if (session === undefined) return null;
  const flash = session.flash;
  session.flash = null;
  return flash;
}

/**
 * The page shell: a skip link, the header with the person's name, role and
 * sign-out, the navigation of their role's pages, a one-time message, then
 * the page itself. The stylesheet and the one script are served by the
 * Centre (no inline script or style: the CSP forbids both).
 */
export function renderPage(c: Context, options: PageOptions): Response | Promise<Response> {
  const { session } = options;
  const flash = flashOf(session);
  const nav =
    session === undefined
      ? null
      : h(
          'nav',
          { 'aria-label': 'Console' },
          h(
            'ul',
            {},
            ...pagesOf(session.role).map((page) =>
              h('li', {}, h('a', { href: `/console${page.path}`, 'aria-current': options.current === page.path ? 'page' : undefined }, page.label)),
            ),
          ),
        );
  const account =
    session === undefined
      ? null
      : h(
          'div',
          { class: 'account' },
          h('span', {}, session.name, ' ', h('span', { class: 'role' }, `(${session.role})`)),
          h('form', { method: 'post', action: '/console/sign-out' }, csrfField(session), h('button', { type: 'submit' }, 'Sign out')),
        );
  const document = h(
    'html',
    { lang: 'en' },
    h(
      'head',
      {},
      h('meta', { charset: 'utf-8' }),
      h('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
      h('title', {}, `${options.title} · hashfeed Centre console`),
      h('link', { rel: 'stylesheet', href: ASSET_PATHS.css }),
      h('script', { type: 'module', src: ASSET_PATHS.js }),
    ),
    h(
      'body',
      {},
      h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
      h('header', {}, h('p', { class: 'brand' }, h('a', { href: '/console' }, 'hashfeed Centre')), account),
      nav,
      h(
        'main',
        { id: 'main', tabindex: '-1' },
        h('h1', {}, options.title),
        flash === null ? null : h('div', { class: `flash ${flash.kind}`, role: flash.kind === 'refused' ? 'alert' : 'status' }, h('strong', {}, flash.kind === 'done' ? 'Done: ' : 'Refused: '), flash.text),
        options.body,
      ),
    ),
  );
  return c.html(`<!doctype html>${String(document)}`, options.status ?? 200);
}
