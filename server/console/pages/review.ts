import { Hono, type Context } from 'hono';
import { CodedError } from '../../../shared/errors.ts';
import { REPORT_ID_PATTERN } from '../../../shared/wire/report.ts';
import { createReviewDesk } from '../../review/create-review-desk.ts';
import { QueueCountReader } from '../../review/queue-counts.ts';
import { UNFOUNDED_REASON_WORDS } from '../../review/review-comment.ts';
import type { BundleView } from '../../review/review-desk.ts';
import { ReviewView } from '../../review/review-view.ts';
import type { StoredBundle } from '../../store/review-bundles.ts';
import type { ConsoleDeps, ConsoleEnv } from '../deps.ts';
import { ConsoleError } from '../errors.ts';
import { formOf } from '../forms.ts';
import { checkDecision, checkQa, decisionValuesOf, EMPTY_DECISION, EMPTY_QA, qaValuesOf } from './review/decision-form.ts';
import { queuePage, type NothingToClaim } from './review/queue-page.ts';
import { refusalPage, reportPage, type ReportTask } from './review/report-page.ts';

/** What `reviewer` may do with a bundle: decide it (their claim), check it (their QA claim), or neither; with that lease's end. */
function holdingOf(bundle: StoredBundle, reviewer: string): { kind: 'decide' | 'qa' | 'read'; until: number | null } {
  if (bundle.state === 'in_review' && bundle.claimedBy === reviewer) return { kind: 'decide', until: bundle.leaseUntil };
  if (bundle.qa === 'pending' && bundle.qaClaimedBy === reviewer) return { kind: 'qa', until: bundle.qaLeaseUntil };
  return { kind: 'read', until: null };
}

const reportPath = (reportId: string): string => `/console/review/reports/${reportId}`;
const plural = (n: number): string => `${n} ${n === 1 ? 'report' : 'reports'}`;

/**
 * /console/review (reviewer; docs/CONSOLE.md, "Review queue"): claim the
 * next report or QA check, weigh the report beside its indicators, decide
 * it in two keystrokes. Every step goes through the same review desk as
 * /v1/review (server/review/create-review-desk.ts), so a decision here has
 * exactly the API's effects and refusals.
 */
export function reviewRoutes(deps: ConsoleDeps): Hono<ConsoleEnv> {
  const { centre, clock, random } = deps;
  const desk = createReviewDesk({ centre, random });
  const views = new ReviewView(centre);
  const counts = new QueueCountReader(centre);
  const app = new Hono<ConsoleEnv>();
  const me = (c: Context<ConsoleEnv>): string => c.get('session').name;

  /** The report id of the path, checked by pattern before anything reads it; an unknown one is not found. */
  const bundleOfPath = (c: Context<ConsoleEnv>): { reportId: string; view: BundleView } => {
    const reportId = c.req.param('id') ?? '';
    const view = REPORT_ID_PATTERN.test(reportId) ? desk.bundleOf(reportId) : undefined;
    if (view === undefined) throw new ConsoleError('CONSOLE_NOT_FOUND', 'there is no such report');
    return { reportId, view };
  };

  const showReport = (c: Context<ConsoleEnv>, reportId: string, bundle: BundleView, task: ReportTask | undefined, status?: 422) => {
    const now = clock();
    const holding = holdingOf(bundle.bundle, me(c));
    const live = holding.until !== null && holding.until > now;
    const shown: ReportTask =
      task ?? (live && holding.kind === 'decide' ? { kind: 'decide', values: EMPTY_DECISION, errors: {} } : live && holding.kind === 'qa' ? { kind: 'qa', values: EMPTY_QA, errors: {} } : { kind: 'read' });
    return reportPage(c, { view: views.of(reportId, bundle, now), task: shown, lease: holding.until, now, ...(status === undefined ? {} : { status }) });
  };

  /** A desk step, or the page saying why the Centre refused it (nothing changed: each step is one transaction). */
  const attempt = async (c: Context<ConsoleEnv>, step: () => Response | Promise<Response>): Promise<Response> => {
    try {
      return await step();
    } catch (err) {
      if (err instanceof CodedError && err.code !== 'INTERNAL' && !(err instanceof ConsoleError)) return refusalPage(c, err.code, err.message);
      throw err;
    }
  };

  app.get('/', (c) => {
    const now = clock();
    const asked = c.req.query('nothing');
    const nothing: NothingToClaim | undefined = asked === 'report' || asked === 'qa' ? asked : undefined;
    return queuePage(c, { counts: counts.of(me(c), now), held: desk.held(me(c), now), nothing, now });
  });

  // The script's live figures ([data-live-counts]): the same three numbers as the page.
  app.get('/counts', (c) => c.json(counts.of(me(c), clock())));

  app.post('/claim', (c) =>
    attempt(c, () => {
      const claimed = desk.next(me(c), clock());
      const first = claimed?.reportIds[0];
      return first === undefined ? c.redirect('/console/review?nothing=report', 303) : c.redirect(reportPath(first), 303);
    }),
  );

  app.post('/qa/claim', (c) =>
    attempt(c, () => {
      const claimed = desk.qaNext(me(c), clock());
      const first = claimed?.reportIds[0];
      return first === undefined ? c.redirect('/console/review?nothing=qa', 303) : c.redirect(reportPath(first), 303);
    }),
  );

  app.get('/reports/:id', (c) => {
    const { reportId, view } = bundleOfPath(c);
    return showReport(c, reportId, view, undefined);
  });

  app.post('/reports/:id/decision', async (c) => {
    const { reportId, view } = bundleOfPath(c);
    const values = decisionValuesOf(await formOf(c));
    const checked = checkDecision(values);
    if (!checked.ok) return showReport(c, reportId, view, { kind: 'decide', values, errors: checked.errors }, 422);
    const { input } = checked;
    return attempt(c, () => {
      const decided = desk.decide(reportId, me(c), input, clock());
      const what =
        input.decision === 'forwarded'
          ? `Forwarded ${plural(decided.reportIds.length)} of bundle ${decided.bundle.id} to its recipients.`
          : `Judged ${plural(decided.reportIds.length)} of bundle ${decided.bundle.id} unfounded (${input.reason === null ? 'no reason' : UNFOUNDED_REASON_WORDS[input.reason].label}).`;
      const next = values.claimNext ? desk.next(me(c), clock())?.reportIds[0] : undefined;
      const session = c.get('session');
      if (next !== undefined) {
        session.flash = { kind: 'done', text: `${what} You now hold the next report.` };
        return c.redirect(reportPath(next), 303);
      }
      session.flash = { kind: 'done', text: values.claimNext ? `${what} Nothing else is waiting.` : what };
      return c.redirect('/console/review', 303);
    });
  });

  app.post('/reports/:id/qa', async (c) => {
    const { reportId, view } = bundleOfPath(c);
    const values = qaValuesOf(await formOf(c));
    const checked = checkQa(values);
    if (!checked.ok) return showReport(c, reportId, view, { kind: 'qa', values, errors: checked.errors }, 422);
    return attempt(c, () => {
      const checkedView = desk.qaCheck(reportId, me(c), checked.verdict, checked.comment, clock());
      c.get('session').flash = {
        kind: 'done',
        text:
          checked.verdict === 'agree'
            ? `You agreed with ${view.bundle.decidedBy ?? 'the'} decision on bundle ${checkedView.bundle.id}: it stands.`
            : `You disagreed: bundle ${checkedView.bundle.id} is back in the queue for another review.`,
      };
      return c.redirect('/console/review', 303);
    });
  });

  return app;
}
