import type { QaStatus } from '../../../review/report-lifecycle.ts';
import { UNFOUNDED_REASON_WORDS } from '../../../review/review-comment.ts';
import type { ReviewerView } from '../../../review/review-view.ts';
import { h, timeOf, type Child } from '../../html.ts';

type IndicatorView = ReviewerView['indicators'][number];

/** A record as a definition list: each term beside its value, stacked on a narrow window. */
export const record = (...rows: readonly (readonly [string, Child])[]): Child =>
  h('dl', { class: 'record' }, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));

/**
 * A preview: the blurhash on a canvas the script draws at 32x32 and CSS
 * shows small and blurred (never more than the hash holds), with the hash
 * itself as text for a browser without the script. Never an image.
 */
export function preview(label: string, blurhash: string | null): Child {
  if (blurhash === null) return h('figure', { class: 'preview' }, h('p', { class: 'no-preview' }, 'No preview'), h('figcaption', {}, label));
  return h(
    'figure',
    { class: 'preview' },
    h('canvas', { 'data-blurhash': blurhash, width: 32, height: 32, role: 'img', 'aria-label': `${label}, blurred` }),
    h('figcaption', {}, label),
    h('code', { class: 'blurhash' }, blurhash),
  );
}

/** Minutes and seconds left, as the script's countdown writes them, so the page reads the same without it. */
export function leaseLeft(until: number, now: number): string {
  const seconds = Math.max(0, Math.ceil((until - now) / 1000));
  return until <= now ? 'expired' : `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')} left`;
}

/** The countdown of a lease (`data-now` is the Centre's clock, so a skewed laptop clock does not mislead). */
export const countdown = (until: number, now: number): Child =>
  h('span', { class: 'countdown', 'data-countdown-until': String(until), 'data-now': String(now) }, leaseLeft(until, now));

const similarityOf = (score: number | null): string => (score === null ? 'not available (a preview is missing)' : `${Math.round(score * 100)} % (${score.toFixed(3)})`);

export const urgencyOf = (urgent: boolean): string =>
  urgent ? 'Urgent: it cites an indicator of an urgent category, so it is served first' : 'Routine: no cited indicator is of an urgent category';

/** The review state in words, never by colour alone. */
export function stateOf(view: ReviewerView): string {
  const { review } = view;
  switch (review.state) {
    case 'received':
      return 'Waiting in the queue';
    case 'in_review':
      return `Claimed by ${review.claimedBy ?? 'nobody'}`;
    case 'forwarded':
      return `Forwarded by ${review.decidedBy ?? 'unknown'}`;
    case 'unfounded':
      return `Judged unfounded (${review.reason === null ? 'no reason' : UNFOUNDED_REASON_WORDS[review.reason].label}) by ${review.decidedBy ?? 'unknown'}`;
  }
}

const QA_WORDS: Readonly<Record<QaStatus, string>> = { none: 'Not sampled', pending: 'Sampled: waiting for a second reviewer', agreed: 'Checked: the second reviewer agreed', disagreed: 'Checked: the second reviewer disagreed, so it was reopened' };

/** The report beside each indicator it cites: both previews, the distance, the similarity score and the indicator's record. */
function comparison(view: ReviewerView): Child {
  const { report } = view;
  return h(
    'section',
    { 'aria-labelledby': 'compare-heading' },
    h('h2', { id: 'compare-heading' }, 'Report and indicators'),
    ...view.indicators.map((indicator: IndicatorView) =>
      h(
        'div',
        { class: 'compare panel' },
        h('div', { class: 'previews' }, preview('Report preview', report.preview), preview(`Indicator ${indicator.id} preview`, indicator.preview)),
        record(
          ['Indicator', String(indicator.id)],
          ['Distance', `${report.distance} (${report.algorithm})`],
          ['Preview similarity', similarityOf(indicator.previewSimilarity)],
          ['Category', indicator.category ?? 'unknown'],
          ['Status', indicator.status ?? 'unknown'],
          ['Submitted by', indicator.submittedBy.length === 0 ? 'no standing submission' : indicator.submittedBy.join(', ')],
          ['Reports citing it', String(indicator.reports)],
          ['Of those judged unfounded', String(indicator.unfounded)],
        ),
      ),
    ),
  );
}

function reportRecord(view: ReviewerView): Child {
  const { report } = view;
  return h(
    'section',
    { 'aria-labelledby': 'report-heading' },
    h('h2', { id: 'report-heading' }, 'Report'),
    record(
      ['Report', h('code', {}, report.reportId)],
      ['Provider', report.provider],
      ['Surface', report.surface],
      ['Subject', report.subject ?? `purged by retention`],
      ['Detected', timeOf(report.detectedAt)],
      ['Received', timeOf(report.receivedAt)],
      ['Replica', `feed version ${report.replicaVersion}${report.stale ? ' (stale: its signed timestamp had expired)' : ''}`],
      ...(report.purgedAt === null ? [] : [['Purged', timeOf(report.purgedAt)] as const]),
    ),
  );
}

/** The cited order's legal footing: window, issuer, Member State, reference. Never its targets (the view holds none). */
function orderRecord(view: ReviewerView): Child {
  const { order } = view;
  return h(
    'section',
    { 'aria-labelledby': 'order-heading' },
    h('h2', { id: 'order-heading' }, 'Cited order'),
    order === null
      ? h('p', {}, `Order ${view.report.orderId} is not on record.`)
      : record(
          ['Order', order.orderId],
          ['Issuing authority', order.issuingAuthority],
          ['Member State', order.memberState ?? 'not given'],
          ['Legal reference', order.legalReference],
          ['Window', h('span', {}, timeOf(order.notBefore), ' to ', timeOf(order.notAfter))],
          ['Status', order.status],
        ),
  );
}

/** Every report of the bundle: they are decided together. */
function bundleTable(view: ReviewerView): Child {
  const header = ['Report', 'Subject', 'Detected', 'Distance', 'Surface'];
  return h(
    'section',
    { 'aria-labelledby': 'bundle-heading' },
    h('h2', { id: 'bundle-heading' }, 'Bundle'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', {}, `Bundle ${view.review.bundleId}: ${view.bundle.length} ${view.bundle.length === 1 ? 'report' : 'reports'}, decided together`),
        h('thead', {}, h('tr', {}, ...header.map((cell) => h('th', { scope: 'col' }, cell)))),
        h(
          'tbody',
          {},
          ...view.bundle.map((member) =>
            'distance' in member
              ? h(
                  'tr',
                  {},
                  h('th', { scope: 'row' }, h('code', {}, member.reportId)),
                  h('td', {}, member.subject ?? 'purged'),
                  h('td', {}, timeOf(member.detectedAt)),
                  h('td', {}, String(member.distance)),
                  h('td', {}, member.surface),
                )
              : h('tr', {}, h('th', { scope: 'row' }, h('code', {}, member.reportId)), h('td', { colspan: 4 }, 'not on record')),
          ),
        ),
      ),
    ),
  );
}

/** The review's own record: state, urgency and QA in words, the standing decision when there is one. */
export function reviewRecord(view: ReviewerView, leaseShown: Child): Child {
  const { review } = view;
  return record(
    ['State', stateOf(view)],
    ['Urgency', urgencyOf(review.urgent)],
    ...(leaseShown === null ? [] : [['Lease', leaseShown] as const]),
    ...(review.decidedAt === null ? [] : [['Decided', timeOf(review.decidedAt)] as const]),
    ...(review.comment === null ? [] : [['Comment', review.comment] as const]),
    ['QA', QA_WORDS[review.qa]],
  );
}

/** Everything a reviewer weighs, in reading order: the comparison first, then the report, the order and the bundle. */
export function reportSections(view: ReviewerView): Child[] {
  return [comparison(view), reportRecord(view), orderRecord(view), bundleTable(view)];
}
