import type { Context } from 'hono';
import { statusOfCode } from '../../../http/error-response.ts';
import type { ReviewerView } from '../../../review/review-view.ts';
import type { ConsoleEnv } from '../../deps.ts';
import { h, timeOf, type Child } from '../../html.ts';
import { renderPage, type PageOptions } from '../../layout.ts';
import { decisionForm, qaForm, type DecisionValues, type FieldErrors, type QaValues } from './decision-form.ts';
import { countdown, reportSections, reviewRecord } from './report-view.ts';

const backToQueue = (): Child => h('p', {}, h('a', { href: '/console/review' }, 'Back to the review queue'));

/** What the person may do with the report now: decide it, check it, or only read it (and why). */
export type ReportTask =
  | { readonly kind: 'decide'; readonly values: DecisionValues; readonly errors: FieldErrors }
  | { readonly kind: 'qa'; readonly values: QaValues; readonly errors: FieldErrors }
  | { readonly kind: 'read' };

function leaseShown(until: number | null, now: number): Child {
  if (until === null) return null;
  if (until <= now) return h('span', {}, 'ran out at ', timeOf(until), ' (REVIEW_LEASE_EXPIRED): claim it again from the queue');
  return h('span', {}, 'yours until ', timeOf(until), ': ', countdown(until, now));
}

/** GET /console/review/reports/:id: the report as the reviewer weighs it, with the form for what they hold. */
export function reportPage(
  c: Context<ConsoleEnv>,
  page: { view: ReviewerView; task: ReportTask; lease: number | null; now: number; status?: PageOptions['status'] },
): Response | Promise<Response> {
  const session = c.get('session');
  const { view, task, lease, now } = page;
  const reportId = view.report.reportId;
  const form =
    task.kind === 'decide'
      ? decisionForm(session, reportId, task.values, task.errors)
      : task.kind === 'qa'
        ? qaForm(session, reportId, task.values, task.errors)
        : h(
            'p',
            { class: 'notice' },
            lease !== null && lease <= now ? 'Your lease on this report ran out: claim it again from the queue to decide it.' : 'You do not hold this report: it is shown to read only.',
          );
  return renderPage(c, {
    title: task.kind === 'qa' ? 'QA check' : 'Review report',
    session,
    current: '/review',
    ...(page.status === undefined ? {} : { status: page.status }),
    body: h(
      'div',
      { class: 'review-report' },
      reviewRecord(view, leaseShown(lease, now)),
      h('div', { class: 'review-work' }, h('div', { class: 'review-evidence' }, ...reportSections(view)), h('div', { class: 'review-decision' }, form, backToQueue())),
    ),
  });
}

/**
 * A step the Centre refused (REVIEW_LEASE_EXPIRED, REVIEW_NOT_CLAIMED,
 * REVIEW_ALREADY_DECIDED, ROUTING_NO_RECIPIENT, ...): its code and sentence,
 * with the way back to the queue. Nothing changed.
 */
export function refusalPage(c: Context<ConsoleEnv>, code: string, message: string): Response | Promise<Response> {
  const status = statusOfCode(code);
  return renderPage(c, {
    title: 'Refused',
    session: c.get('session'),
    current: '/review',
    status: status === 400 || status === 403 || status === 404 ? status : 409,
    body: h(
      'div',
      {},
      h('div', { class: 'flash refused', role: 'alert' }, h('p', {}, message), h('p', {}, 'Code: ', h('code', {}, code)), h('p', {}, 'Nothing was changed.')),
      backToQueue(),
    ),
  });
}
