import { Hono, type Context } from 'hono';
import { LEGAL_TEXT_PATTERN } from '../../shared/wire/order.ts';
import { REPORT_ID_PATTERN } from '../../shared/wire/report.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/auth.ts';
import { objectBody, readJson } from '../http/body.ts';
import { ReviewError, UNFOUNDED_REASONS, type UnfoundedReason } from '../review/report-lifecycle.ts';
import { Forwarder } from '../review/forwarding.ts';
import { IndicatorQuality } from '../review/indicator-quality.ts';
import { ProviderDecisions } from '../review/provider-decisions.ts';
import { ReviewDesk, type BundleView, type DecisionInput } from '../review/review-desk.ts';
import { ReviewView } from '../review/review-view.ts';
import type { RouteDeps } from './deps.ts';

/** A reviewer's sentence: printable text, no control characters, at most this long. */
const MAX_COMMENT_LENGTH = 1000;

/**
 * Human review of reports (docs/API.md, "Review"; mounted at /v1/review):
 * claim the next report, read it, decide it; reopen another reviewer's
 * decision; claim and make QA checks. Every step goes through the review
 * desk, which applies report-lifecycle.ts one transaction at a time.
 */
export function reviewRoutes({ centre, clock, guard, random }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const reviewer = guard('reviewer');
  const forwarder = new Forwarder(centre);
  const quality = new IndicatorQuality(centre);
  const providerDecisions = new ProviderDecisions(centre);
  // A decision and what follows from it (signed records, inbox items, the provider's decisions feed, an indicator's suspension) commit together or not at all.
  const desk = new ReviewDesk({
    centre,
    random,
    onDecided: (view, now) => {
      forwarder.forward(view, now);
      quality.reassess(view, now);
      providerDecisions.decided(view, now);
    },
    onWithdrawn: (view, now) => quality.reassess(view, now),
  });
  const views = new ReviewView(centre);
  const me = (c: Context<AppEnv>): string => c.get('principal').account.name;
  const answer = (c: Context<AppEnv>, reportId: string, view: BundleView) => c.json(views.of(reportId, view, clock()));

  app.get('/next', reviewer, (c) => {
    const claimed = desk.next(me(c), clock());
    const first = claimed?.reportIds[0];
    if (claimed === undefined || first === undefined) return c.body(null, 204);
    return answer(c, first, claimed);
  });

  app.get('/qa/next', reviewer, (c) => {
    const claimed = desk.qaNext(me(c), clock());
    const first = claimed?.reportIds[0];
    if (claimed === undefined || first === undefined) return c.body(null, 204);
    return answer(c, first, claimed);
  });

  app.get('/reports/:id', reviewer, (c) => {
    const reportId = reportIdParam(c.req.param('id'));
    const view = desk.bundleOf(reportId);
    if (view === undefined) throw new ApiError(404, 'NOT_FOUND', 'no such report');
    return answer(c, reportId, view);
  });

  app.post('/reports/:id/decision', reviewer, async (c) => {
    const reportId = reportIdParam(c.req.param('id'));
    const input = parseDecision(await readJson(c));
    return answer(c, reportId, desk.decide(reportId, me(c), input, clock()));
  });

  app.post('/reports/:id/reopen', reviewer, async (c) => {
    const reportId = reportIdParam(c.req.param('id'));
    const body = objectBody(await readJson(c), ['comment']);
    const comment = sentence(body.comment, 'comment');
    if (comment === null) throw new ReviewError('REVIEW_REASON_REQUIRED', 'a reopen needs a comment saying why');
    return answer(c, reportId, desk.reopen(reportId, me(c), comment, clock()));
  });

  app.post('/reports/:id/qa', reviewer, async (c) => {
    const reportId = reportIdParam(c.req.param('id'));
    const body = objectBody(await readJson(c), ['verdict', 'comment']);
    if (body.verdict !== 'agree' && body.verdict !== 'disagree') throw new ApiError(400, 'BAD_REQUEST', "verdict must be 'agree' or 'disagree'");
    const comment = sentence(body.comment, 'comment');
    if (body.verdict === 'disagree' && comment === null) throw new ReviewError('REVIEW_REASON_REQUIRED', 'a disagreement needs a comment saying why');
    return answer(c, reportId, desk.qaCheck(reportId, me(c), body.verdict, comment, clock()));
  });

  return app;
}

function reportIdParam(raw: string): string {
  if (!REPORT_ID_PATTERN.test(raw)) throw new ApiError(404, 'NOT_FOUND', 'no such report');
  return raw;
}

/**
 * `{decision, reason?, comment?}`: unfounded needs a reason code and a
 * sentence (REVIEW_REASON_REQUIRED without them); forwarded takes no reason
 * and an optional comment.
 */
export function parseDecision(value: unknown): DecisionInput {
  const body = objectBody(value, ['decision', 'reason', 'comment']);
  const comment = sentence(body.comment, 'comment');
  if (body.decision === 'forwarded') {
    if (body.reason !== undefined) throw new ApiError(400, 'BAD_REQUEST', 'a forwarded decision takes no reason');
    return { decision: 'forwarded', reason: null, comment };
  }
  if (body.decision !== 'unfounded') throw new ApiError(400, 'BAD_REQUEST', "decision must be 'forwarded' or 'unfounded'");
  if (body.reason === undefined || comment === null) {
    throw new ReviewError('REVIEW_REASON_REQUIRED', `an unfounded decision needs a reason (${UNFOUNDED_REASONS.join(', ')}) and a comment sentence`);
  }
  if (!isReason(body.reason)) throw new ApiError(400, 'BAD_REQUEST', `reason must be one of ${UNFOUNDED_REASONS.join(', ')}`);
  return { decision: 'unfounded', reason: body.reason, comment };
}

const isReason = (value: unknown): value is UnfoundedReason => typeof value === 'string' && (UNFOUNDED_REASONS as readonly string[]).includes(value);

function sentence(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length > MAX_COMMENT_LENGTH || !LEGAL_TEXT_PATTERN.test(value)) {
    throw new ApiError(400, 'BAD_REQUEST', `${name} must be 1 to ${MAX_COMMENT_LENGTH} printable characters`);
  }
  return value;
}
