import { Hono } from 'hono';
import { parseVerifierKey } from '../../../shared/crypto/index.ts';
import { PROVIDER_NAME_PATTERN } from '../../../shared/wire/order.ts';
import { ProviderKeyReview, type ProviderKeyDecision } from '../../keys/provider-key-review.ts';
import type { ProviderKeyRecord } from '../../store/provider-keys.ts';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { ConsoleError } from '../errors.ts';
import { formOf } from '../forms.ts';
import { h, postForm, timeOf, type Child } from '../html.ts';
import { renderPage } from '../layout.ts';
import type { ConsoleSession } from '../session-store.ts';
import { providerTable } from './providers/provider-table.ts';

const PAGE_SIZE = 100;
const KEY_ID_PATTERN = /^[0-9a-f]{8}$/;

const afterOf = (text: string | undefined): number => {
  const after = Number(text ?? 0);
  if (!Number.isSafeInteger(after) || after < 0) throw new ConsoleError('CONSOLE_FORM_INVALID', 'after must be a whole number');
  return after;
};

/** Pending report keys, each with the two decisions the API's provider-key routes take (reject is the API's revoke). */
function pendingKeys(session: ConsoleSession, keys: readonly ProviderKeyRecord[]): Child {
  const header = ['Provider', 'Key ID', 'Verifier key', 'Registered', 'Decision'];
  const decide = (key: ProviderKeyRecord, decision: ProviderKeyDecision, label: string, confirm: string) =>
    postForm(
      session,
      `/console/providers/keys/${key.keyId}/${decision}`,
      { class: 'inline', 'data-confirm': confirm },
      h('input', { type: 'hidden', name: 'provider', value: key.provider }),
      h('input', { type: 'hidden', name: 'verifierKey', value: key.verifierKey }),
      h('button', { type: 'submit', class: decision === 'approve' ? 'primary' : 'danger', 'aria-label': `${label} key ${key.keyId} of ${key.provider}` }, label),
    );
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'pending-keys' },
      h('caption', {}, 'Report-signing keys awaiting approval, oldest first'),
      h('thead', {}, h('tr', {}, ...header.map((cell) => h('th', { scope: 'col' }, cell)))),
      h(
        'tbody',
        {},
        ...keys.map((key) =>
          h(
            'tr',
            { 'data-key': key.keyId },
            h('th', { scope: 'row' }, key.provider),
            h('td', {}, h('code', {}, key.keyId)),
            h('td', {}, h('code', { class: 'verifier-key' }, key.verifierKey)),
            h('td', {}, timeOf(key.createdAt)),
            h(
              'td',
              {},
              h(
                'div',
                { class: 'actions' },
                decide(key, 'approve', 'Approve', `Approve key ${key.keyId} of ${key.provider}? Approve only the key the provider confirmed to you through another channel than its token.`),
                decide(key, 'revoke', 'Reject', `Reject key ${key.keyId} of ${key.provider}? The provider must register a new key.`),
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * /console/providers (operator): provider accounts with their orders in
 * force and feed access (the entitlement engine), and the report-signing
 * keys awaiting approval, approved or rejected through ProviderKeyReview,
 * as POST /v1/provider/keys/{keyId}/approve and /revoke do.
 */
export function providersRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { centre, clock } = deps;
  const review = new ProviderKeyReview(centre);
  const app = new Hono<ConsoleEnv>();

  app.get('/', (c) => {
    const now = clock();
    const session = c.get('session');
    const afterAccount = afterOf(c.req.query('after'));
    const afterKey = afterOf(c.req.query('keysAfter'));
    const providers = centre.accounts
      .list()
      .filter((a) => a.role === 'provider' && a.id > afterAccount)
      .sort((a, b) => a.id - b.id)
      .slice(0, PAGE_SIZE);
    const keys = review.list({ status: 'pending', afterId: afterKey, limit: PAGE_SIZE });
    const lastProvider = providers.at(-1);
    const lastKey = keys.at(-1);
    return renderPage(c, {
      title: 'Providers',
      session,
      current: '/providers',
      body: h(
        'div',
        {},
        h('h2', {}, 'Report-signing keys awaiting approval'),
        h('p', {}, 'Approve a key only after the provider has confirmed its key ID to you through another channel than its token (docs/SAFEGUARDS.md, "Report keys"). Only approved keys verify reports.'),
        keys.length === 0 ? h('p', { class: 'notice' }, 'No key is awaiting approval.') : pendingKeys(session, keys),
        keys.length === PAGE_SIZE && lastKey !== undefined ? h('p', {}, h('a', { href: `/console/providers?keysAfter=${lastKey.id}`, rel: 'next' }, 'Next keys')) : null,
        h('h2', {}, 'Provider accounts'),
        h('p', {}, `Feed access follows the Centre's access policy (${centre.entitlement.policy === 'order' ? 'an order in force' : 'every enabled provider account'}).`),
        providers.length === 0 ? h('p', { class: 'notice' }, 'No provider accounts here.') : providerTable(centre, providers, now),
        providers.length === PAGE_SIZE && lastProvider !== undefined ? h('p', {}, h('a', { href: `/console/providers?after=${lastProvider.id}`, rel: 'next' }, 'Next providers')) : null,
      ),
    });
  });

  const decide = (decision: ProviderKeyDecision, done: string) =>
    app.post(`/keys/:keyId/${decision}`, async (c) => {
      const keyId = c.req.param('keyId');
      const form = await formOf(c);
      const provider = form.get('provider') ?? '';
      const verifierKey = form.get('verifierKey') ?? '';
      if (!KEY_ID_PATTERN.test(keyId) || !PROVIDER_NAME_PATTERN.test(provider)) throw new ConsoleError('CONSOLE_NOT_FOUND', 'there is no such key');
      // The full key settles a key ID two keys share (a key ID is only 32 bits), as the API's verifierKey field does.
      let selector = keyId;
      if (verifierKey !== '') {
        const key = verifierKey.length <= 1024 ? parseVerifierKey(verifierKey) : undefined;
        if (key?.keyIdHex !== keyId) throw new ConsoleError('CONSOLE_FORM_INVALID', 'the verifier key has another key ID than the one chosen');
        selector = key.text;
      }
      const session = c.get('session');
      const { key, changed } = review.decide(decision, { provider, key: selector }, session.name, clock());
      session.flash = { kind: 'done', text: changed ? `${done} key ${key.keyId} of ${key.provider}.` : `Key ${key.keyId} of ${key.provider} already was ${key.status}.` };
      return c.redirect('/console/providers', 303);
    });
  decide('approve', 'Approved');
  decide('revoke', 'Rejected');

  return app;
}
