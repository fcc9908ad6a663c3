import type { Centre } from '../../centre.ts';
import type { PlanCount, PublicationPlan } from '../../publish/publication-stage.ts';
import type { VersionInfo } from '../../publish/publisher.ts';
import { h, postForm, timeOf, type Child } from '../html.ts';
import type { ConsoleSession } from '../session-store.ts';

/** Why an empty version would still be published, in words (docs/API.md, POST /v1/publish). */
const EMPTY_REASONS: Readonly<Record<string, string>> = {
  recovery: 'the latest snapshot was signed by a feed key the installed root revokes, so replicas need a fresh one (PROTOCOL 4.7)',
  first: 'the sealed feed has no epoch yet (PROTOCOL 13.2)',
  entitlement: 'a provider lost its entitlement, so a new epoch of the sealed feed is due (PROTOCOL 13.2)',
  requested: 'a new epoch of the sealed feed was requested (PROTOCOL 13.2)',
  'key-unreadable': "the current epoch's key cannot be read, so a new epoch is due (PROTOCOL 13.2)",
};

function countsTable(caption: string, keyHeader: string, rows: readonly PlanCount[], extra?: { header: string; of: (key: string) => string }): Child {
  const header = [keyHeader, ...(extra === undefined ? [] : [extra.header]), 'Additions', 'Tombstones'];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...header.map((cell) => h('th', { scope: 'col' }, cell)))),
      h(
        'tbody',
        {},
        ...rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.key), extra === undefined ? null : h('td', {}, extra.of(r.key)), h('td', {}, String(r.adds)), h('td', {}, String(r.removes)))),
      ),
    ),
  );
}

export interface DryRunForm {
  readonly error?: string;
}

/** The dry run of the next publication, and the form that publishes exactly it. */
export function dryRun(centre: Centre, session: ConsoleSession, plan: PublicationPlan, form: DryRunForm): Child {
  const held =
    plan.heldVideo === 0
      ? null
      : h(
          'p',
          { class: 'notice', 'data-held': 'video' },
          `${plan.heldVideo} approved video ${plan.heldVideo === 1 ? 'indicator is' : 'indicators are'} held out of publication: `,
          'publishVideoIndicators is off in centre.json, since sidecars released before video stop syncing at a feed object that holds one (docs/PROTOCOL.md 8.1).',
        );
  if (!plan.publishable) {
    return h(
      'div',
      { class: 'notice', 'data-plan': 'nothing' },
      h('p', {}, h('strong', {}, 'Nothing to publish. '), 'No approved indicator has enough sources and no removal or suspension is queued.'),
      held,
      h('p', {}, 'Approve submissions on the ', h('a', { href: '/console/indicators' }, 'Indicators'), ' page first.'),
    );
  }
  const memberStateOf = (name: string): string => centre.accounts.byName(name)?.memberState ?? '—';
  const summary =
    plan.adds + plan.removes === 0
      ? `Version ${plan.version} would change nothing, and would still be published: ${EMPTY_REASONS[plan.emptyReason ?? ''] ?? plan.emptyReason}.`
      : `Version ${plan.version} would add ${plan.adds} ${plan.adds === 1 ? 'indicator' : 'indicators'} and tombstone ${plan.removes}${plan.suspended > 0 ? ` (${plan.suspended} of them suspended by the quality loop)` : ''}.`;
  const checkId = 'field-confirm';
  return h(
    'div',
    {},
    h('p', { class: 'summary', id: 'plan-summary' }, summary),
    held,
    h(
      'p',
      { class: 'counts' },
      h('span', { class: 'count' }, h('strong', {}, String(plan.version)), 'version it would get'),
      h('span', { class: 'count' }, h('strong', {}, String(plan.adds)), 'additions'),
      h('span', { class: 'count' }, h('strong', {}, String(plan.removes)), 'tombstones'),
    ),
    plan.byCategory.length === 0 ? null : countsTable('By category', 'Category', plan.byCategory),
    plan.byAuthority.length === 0 ? null : countsTable('By authority (an indicator counts for each authority confirming it)', 'Authority', plan.byAuthority, { header: 'Member State', of: memberStateOf }),
    plan.byAlgorithm.length === 0 ? null : countsTable('By algorithm', 'Algorithm', plan.byAlgorithm),
    postForm(
      session,
      '/console/publish',
      { class: 'panel publish-form', 'data-confirm': `Publish version ${plan.version}? Providers will receive it and it cannot be taken back.` },
      h('input', { type: 'hidden', name: 'version', value: String(plan.version) }),
      h('input', { type: 'hidden', name: 'plan', value: plan.digest }),
      h(
        'div',
        { class: form.error === undefined ? 'field check' : 'field check invalid' },
        h(
          'label',
          { for: checkId },
          h('input', { type: 'checkbox', id: checkId, name: 'confirm', value: 'yes', required: true, 'aria-invalid': form.error === undefined ? undefined : 'true', 'aria-describedby': form.error === undefined ? undefined : `${checkId}-error` }),
          ' I have checked the dry run',
        ),
        form.error === undefined ? null : h('p', { class: 'error', id: `${checkId}-error` }, h('strong', {}, 'Error: '), form.error),
      ),
      h('button', { type: 'submit', class: 'primary' }, `Publish version ${plan.version}`),
    ),
  );
}

/** The latest published version in one line, with a link to its checkpoint page. */
export function latestLine(latest: VersionInfo | undefined): Child {
  if (latest === undefined) return h('p', {}, 'No version has been published yet.');
  return h('p', {}, `The latest published version is ${latest.version} (`, timeOf(latest.createdAt), `, ${latest.active} active indicators). `, h('a', { href: `/console/publish/versions/${latest.version}` }, `Version ${latest.version} and the signed checkpoint`));
}

/** A published version, the log's signed checkpoint now (the note as GET /v1/log/checkpoint serves it), and the witnesses' cosignatures. */
export function publishedVersion(centre: Centre, version: VersionInfo, now: number): Child {
  const checkpoint = centre.signedCheckpoint(now);
  const witnesses = centre.cosignatures.status();
  const cosignedWords = (size: number | null): string => (size === null ? 'not cosigned yet' : size === checkpoint.size ? 'cosigned this checkpoint' : `last cosigned size ${size}`);
  return h(
    'div',
    {},
    h(
      'dl',
      { class: 'record' },
      h('dt', {}, 'Version'),
      h('dd', {}, String(version.version)),
      h('dt', {}, 'Published at'),
      h('dd', {}, timeOf(version.createdAt)),
      h('dt', {}, 'Additions'),
      h('dd', {}, String(version.adds)),
      h('dt', {}, 'Tombstones'),
      h('dd', {}, String(version.removes)),
      h('dt', {}, 'Active indicators'),
      h('dd', {}, String(version.active)),
      h('dt', {}, 'Log leaf of its delta'),
      h('dd', {}, String(version.logIndex)),
      h('dt', {}, 'Sealed under epoch'),
      h('dd', {}, version.epoch === null ? 'plaintext (before sealing)' : String(version.epoch)),
    ),
    h('h2', {}, 'Signed checkpoint'),
    h(
      'dl',
      { class: 'record checkpoint' },
      h('dt', {}, 'Origin'),
      h('dd', {}, h('code', {}, centre.log.origin)),
      h('dt', {}, 'Size'),
      h('dd', { 'data-checkpoint-size': String(checkpoint.size) }, String(checkpoint.size)),
      h('dt', {}, 'Root hash'),
      h('dd', {}, h('code', {}, Buffer.from(checkpoint.rootHash).toString('base64'))),
      h('dt', {}, 'Covers this version'),
      h('dd', {}, version.logIndex < checkpoint.size ? 'yes: its delta is inside the checkpoint' : 'not yet'),
    ),
    h('pre', { class: 'note', 'aria-label': 'Signed checkpoint note' }, checkpoint.served),
    h('h2', {}, 'Witnesses'),
    witnesses.length === 0
      ? h('p', {}, 'No witnesses are configured for this Centre: the checkpoint carries the Centre\u2019s signature only.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            {},
            h('caption', {}, 'Witness cosignatures'),
            h('thead', {}, h('tr', {}, ...['Witness', 'Status', 'Cosigned at'].map((cell) => h('th', { scope: 'col' }, cell)))),
            h('tbody', {}, ...witnesses.map((w) => h('tr', {}, h('th', { scope: 'row' }, w.url), h('td', {}, cosignedWords(w.cosignedSize)), h('td', {}, timeOf(w.cosignedAt))))),
          ),
        ),
  );
}
