import { formatIndicatorHash } from '../../../shared/video-match/index.ts';
import type { Centre } from '../../centre.ts';
import { twoSourceStatus } from '../../publish/publication-stage.ts';
import { IndicatorQualityStore } from '../../store/indicator-quality.ts';
import { reconfirmedSince, type Indicator } from '../../store/indicators.ts';
import type { ConsoleSession } from '../session-store.ts';
import { field, h, postForm, timeOf, type Child } from '../html.ts';

/** Hex characters of a hash shown: enough to tell rows apart, never the hash itself (docs/CONSOLE.md, "Indicators"). */
const HASH_PREFIX = 8;

const authorities = (n: number): string => (n === 1 ? 'authority' : 'authorities');

/** "DE-BKA (DE)": an authority account and its Member State, looked up once per page. */
export class AuthorityNames {
  readonly #centre: Centre;
  readonly #labels = new Map<string, string>();

  constructor(centre: Centre) {
    this.#centre = centre;
  }

  byName(name: string): string {
    let label = this.#labels.get(name);
    if (label === undefined) {
      const state = this.#centre.accounts.byName(name)?.memberState;
      label = state === null || state === undefined ? name : `${name} (${state})`;
      this.#labels.set(name, label);
    }
    return label;
  }

  byId(id: number): string {
    const account = this.#centre.accounts.byId(id);
    return account === undefined ? `account ${id}` : this.byName(account.name);
  }
}

const hashPrefix = (i: Indicator): string => `${formatIndicatorHash(i.algorithm, i.hash).slice(0, HASH_PREFIX)}…`;

/** Who submitted it: the authority of the batch that created (or resubmitted) it, else its first confirmation's. */
function submitterOf(centre: Centre, names: AuthorityNames, i: Indicator): string {
  const batch = i.batchId === null ? undefined : centre.indicators.batch(i.batchId);
  if (batch !== undefined) return names.byId(batch.authorityId);
  const first = i.confirmations[0];
  return first === undefined ? '—' : names.byName(first.authority);
}

/** The two-source status in words: the count, what is needed, and who confirmed. */
function sourcesCell(i: Indicator, minConfirmations: number, names: AuthorityNames): Child {
  const { live, needed, met } = twoSourceStatus(i, minConfirmations);
  const words = met ? `Confirmed by ${live} ${authorities(live)}${needed > 1 ? ` (${needed} needed)` : ''}` : `${live} of ${needed} sources: not published until ${needed - live} more ${authorities(needed - live)} ${needed - live === 1 ? 'confirms' : 'confirm'}`;
  const who = i.confirmations.filter((c) => c.withdrawnAt === null).map((c) => names.byName(c.authority));
  return h('td', {}, h('span', { class: met ? 'badge' : 'badge waiting' }, met ? 'ready' : 'waiting'), ' ', words, who.length === 0 ? null : h('br', {}), who.join(', '));
}

export interface PendingForm {
  readonly after: number | undefined;
  readonly next: number | null;
  readonly error?: string;
  readonly checked?: ReadonlySet<number>;
}

/** The pending submissions as one form: a checkbox per row with "Approve selected", and each row's own Approve button. */
export function pendingTable(centre: Centre, session: ConsoleSession, rows: readonly Indicator[], form: PendingForm): Child {
  const names = new AuthorityNames(centre);
  const { minConfirmations } = centre.config;
  const header = ['Select', 'Indicator', 'Category', 'Algorithm', 'Hash (prefix)', 'Submitted by', 'Batch', 'Submitted at', 'Two-source status', 'Action'];
  if (rows.length === 0) return h('p', { class: 'notice' }, form.after === undefined ? 'No submissions await approval.' : 'No more submissions await approval.');
  const errorId = 'approve-error';
  return postForm(
    session,
    '/console/indicators/approve',
    { 'aria-describedby': form.error === undefined ? undefined : errorId },
    form.after === undefined ? null : h('input', { type: 'hidden', name: 'after', value: String(form.after) }),
    form.error === undefined ? null : h('p', { class: 'error', id: errorId, role: 'alert' }, h('strong', {}, 'Error: '), form.error),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'indicators' },
        h('caption', {}, `Pending submissions awaiting approval (${rows.length} on this page; ${minConfirmations} ${authorities(minConfirmations)} needed to publish)`),
        h('thead', {}, h('tr', {}, ...header.map((cell) => h('th', { scope: 'col' }, cell)))),
        h(
          'tbody',
          {},
          ...rows.map((i) =>
            h(
              'tr',
              {},
              h('td', {}, h('input', { type: 'checkbox', name: 'id', value: String(i.id), id: `select-${i.id}`, checked: form.checked?.has(i.id), 'aria-label': `Select indicator ${i.id}` })),
              h('th', { scope: 'row' }, `#${i.id}`),
              h('td', {}, i.category),
              h('td', {}, i.algorithm),
              h('td', {}, h('code', {}, hashPrefix(i))),
              h('td', {}, submitterOf(centre, names, i)),
              h('td', {}, i.batchId === null ? '—' : String(i.batchId)),
              h('td', {}, timeOf(i.submittedAt)),
              sourcesCell(i, minConfirmations, names),
              h('td', {}, h('button', { type: 'submit', name: 'only', value: String(i.id), 'aria-label': `Approve indicator ${i.id}` }, 'Approve')),
            ),
          ),
        ),
      ),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Approve selected'), form.next === null ? null : h('a', { href: `/console/indicators?after=${form.next}` }, 'Next page of pending submissions')),
  );
}

/** Whole-batch approval: a button per batch on this page, and a batch number for any other. */
export function batchForms(session: ConsoleSession, rows: readonly Indicator[], typed: { readonly value?: string; readonly error?: string }): Child {
  const batches = [...new Set(rows.map((i) => i.batchId).filter((b) => b !== null))].sort((a, b) => a - b);
  return h(
    'div',
    { class: 'panels' },
    batches.length === 0
      ? null
      : postForm(
          session,
          '/console/indicators/batches/approve',
          { class: 'panel' },
          h('p', {}, 'Approve every pending indicator of a batch on this page:'),
          h('div', { class: 'actions' }, ...batches.map((b) => h('button', { type: 'submit', name: 'batch', value: String(b) }, `Approve batch ${b}`))),
        ),
    postForm(
      session,
      '/console/indicators/batches/approve',
      { class: 'panel' },
      field({ name: 'batch', label: 'Batch number', value: typed.value, error: typed.error, hint: 'Approves every pending indicator the batch submitted or confirmed.', attributes: { inputmode: 'numeric', maxlength: 15 } }),
      h('button', { type: 'submit' }, 'Approve whole batch'),
    ),
  );
}

/** Suspended indicators: their re-assessment is the confirming authorities' (the API gives operators no step here). */
export function suspendedTable(centre: Centre, rows: readonly Indicator[], after: number | undefined, next: number | null): Child {
  if (rows.length === 0) return h('p', { class: 'notice' }, after === undefined ? 'No indicator is suspended.' : 'No more suspended indicators.');
  const names = new AuthorityNames(centre);
  const quality = new IndicatorQualityStore(centre.db);
  const { minConfirmations } = centre.config;
  const header = ['Indicator', 'Category', 'Algorithm', 'Hash (prefix)', 'Suspended at', 'Unfounded decisions', 'Re-confirmations', 'Who must act'];
  return h(
    'div',
    {},
    h(
      'p',
      {},
      'Only an authority that confirmed a suspended indicator can act on it: it re-confirms it (POST /v1/indicators/{id}/reconfirm, or its console) or revokes it. ',
      `Once ${minConfirmations} ${authorities(minConfirmations)} re-confirmed it, it is pending again with its approval kept, and the next publication adds it back.`,
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', {}, `Suspended indicators awaiting re-assessment (${rows.length} on this page)`),
        h('thead', {}, h('tr', {}, ...header.map((cell) => h('th', { scope: 'col' }, cell)))),
        h(
          'tbody',
          {},
          ...rows.map((i) => {
            const counts = quality.of(i.id);
            const suspendedAt = i.suspendedAt ?? 0;
            const live = i.confirmations.filter((c) => c.withdrawnAt === null);
            const done = live.filter((c) => reconfirmedSince(c, suspendedAt)).length;
            return h(
              'tr',
              {},
              h('th', { scope: 'row' }, `#${i.id}`),
              h('td', {}, i.category),
              h('td', {}, i.algorithm),
              h('td', {}, h('code', {}, hashPrefix(i))),
              h('td', {}, timeOf(i.suspendedAt)),
              h('td', {}, `${counts.reports} from ${counts.providers} ${counts.providers === 1 ? 'provider' : 'providers'}`),
              h('td', {}, `${done} of ${minConfirmations} needed`),
              h(
                'td',
                {},
                live.length === 0
                  ? 'No authority still confirms it'
                  : h('ul', { class: 'plain' }, ...live.map((c) => h('li', {}, `${names.byName(c.authority)}: ${reconfirmedSince(c, suspendedAt) ? 're-confirmed' : 'to re-confirm or revoke'}`))),
              ),
            );
          }),
        ),
      ),
    ),
    next === null ? null : h('p', {}, h('a', { href: `/console/indicators?suspended_after=${next}` }, 'Next page of suspended indicators')),
  );
}
