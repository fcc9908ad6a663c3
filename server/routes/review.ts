import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { REPORT_ID_PATTERN } from '../../shared/wire/report.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { badRequest, fieldOf, type SchemaFailure } from '../http/schema-failure.ts';
import { epochMs, looseObject } from '../http/schemas.ts';
import { REVIEW_STATES, ReviewError, UNFOUNDED_REASONS } from '../review/report-lifecycle.ts';
import { createReviewDesk } from '../review/create-review-desk.ts';
import { COMMENT_MESSAGE, COMMENT_PATTERN, MAX_COMMENT_LENGTH } from '../review/review-comment.ts';
import type { BundleView, DecisionInput } from '../review/review-desk.ts';
import { ReviewView } from '../review/review-view.ts';
import type { RouteDeps } from './deps.ts';

const sentence = z
  .string({ error: COMMENT_MESSAGE })
  .max(MAX_COMMENT_LENGTH, { error: COMMENT_MESSAGE })
  .regex(COMMENT_PATTERN, { error: COMMENT_MESSAGE })
  .openapi({ description: `A sentence: 1 to ${MAX_COMMENT_LENGTH} printable characters`, pattern: COMMENT_PATTERN.source });
const optionalSentence = sentence.nullable().optional();

const ReportPath = z.object({ id: z.string().regex(REPORT_ID_PATTERN).openapi({ description: 'A report id (UUID)' }) });

const absent = (value: unknown): boolean => value === undefined || value === null;

/**
 * A review body that fails its schema: a reason or comment left out where
 * the step needs one is REVIEW_REASON_REQUIRED, as it was before schemas
 * checked bodies; an unknown field, a malformed comment or anything else is
 * BAD_REQUEST; a malformed report id is 404, like an unknown one.
 */
function reviewRefusal(required: (failure: SchemaFailure) => readonly string[]) {
  return (failure: SchemaFailure): Error => {
    if (failure.part === 'params') return new ApiError(404, 'NOT_FOUND', 'no such report');
    // No object at all (no body, an array) is a malformed request, not a missing reason.
    if (failure.issues.some((issue) => issue.path.length === 0 && issue.code !== 'unrecognized_keys')) return badRequest(failure);
    const unknownField = failure.issues.some((issue) => issue.code === 'unrecognized_keys');
    const malformedComment = !absent(fieldOf(failure, 'comment')) && failure.issues.some((issue) => issue.path[0] === 'comment');
    const missing = required(failure).filter((name) => absent(fieldOf(failure, name)));
    if (!unknownField && !malformedComment && missing.length > 0) {
      return new ReviewError('REVIEW_REASON_REQUIRED', `this step needs ${missing.join(' and ')} (reasons: ${UNFOUNDED_REASONS.join(', ')})`);
    }
    return badRequest(failure);
  };
}

/** `{decision, reason?, comment?}`: unfounded needs a reason code and a sentence; forwarded takes no reason and an optional comment. */
const DecisionBody = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('forwarded'), comment: optionalSentence }),
  z.strictObject({ decision: z.literal('unfounded'), reason: z.enum(UNFOUNDED_REASONS), comment: sentence }),
]);

const QaBody = z.discriminatedUnion('verdict', [
  z.strictObject({ verdict: z.literal('agree'), comment: optionalSentence }),
  z.strictObject({ verdict: z.literal('disagree'), comment: sentence.openapi({ description: 'Why: a disagreement reopens the decision' }) }),
]);

const ReviewAnswer = z
  .object({
    report: looseObject("The report's fields, its preview (blurhash) among them, and purgedAt (subject null once retention purged it); never the content"),
    review: z.object({
      state: z.enum(REVIEW_STATES),
      bundleId: z.number().int(),
      urgent: z.boolean(),
      claimedBy: z.string().nullable(),
      leaseUntil: epochMs.nullable(),
      decidedBy: z.string().nullable(),
      decidedAt: epochMs.nullable(),
      reason: z.enum(UNFOUNDED_REASONS).nullable(),
      comment: z.string().nullable(),
      qa: z.string(),
    }),
    indicators: z.array(looseObject("Each cited indicator's record: submitting authorities, category, preview, preview similarity, reports and unfounded counts")),
    order: looseObject("The cited order's window, issuing authority, Member State and legal reference; never its targets").nullable(),
    bundle: z.array(looseObject('Every report of the bundle, decided together')),
  })
  .openapi('ReviewView');

const viewAnswer = (description: string) => ({ description, content: { 'application/json': { schema: ReviewAnswer } } });
const conflicts = ['REVIEW_NOT_CLAIMED', 'REVIEW_LEASE_EXPIRED', 'REVIEW_ALREADY_CLAIMED', 'REVIEW_ALREADY_DECIDED', 'REVIEW_NOT_DECIDED', 'REVIEW_NO_QA_PENDING', 'REVIEW_LEASE_LIVE'];
const reviewer = ['reviewer'] as const;

const NEXT = defineRoute({
  method: 'get',
  path: '/next',
  summary: 'Claim the next report (urgent first, then oldest) under a lease',
  access: reviewer,
  responses: { 200: viewAnswer('The claimed report and its bundle'), 204: { description: 'Nothing to review' } },
});

const QA_NEXT = defineRoute({
  method: 'get',
  path: '/qa/next',
  summary: "Claim the next decision queued for a second reviewer's check",
  access: reviewer,
  responses: { 200: viewAnswer('The decided report to check'), 204: { description: 'Nothing to check' } },
});

const READ = defineRoute({
  method: 'get',
  path: '/reports/:id',
  summary: 'Read a report as the reviewer sees it',
  access: reviewer,
  params: ReportPath,
  refuse: reviewRefusal(() => []),
  responses: { 200: viewAnswer('The report') },
  errors: { 404: ['NOT_FOUND'] },
});

const DECIDE = defineRoute({
  method: 'post',
  path: '/reports/:id/decision',
  summary: 'Decide a claimed report: forwarded (to its recipients) or unfounded (with a reason)',
  description: "In the same transaction: the signed forwarding records and inbox items, the provider's decisions feed entry, and the cited indicators' quality count (which may suspend one).",
  access: reviewer,
  params: ReportPath,
  body: DecisionBody,
  refuse: reviewRefusal((failure) => (fieldOf(failure, 'decision') === 'unfounded' ? ['reason', 'comment'] : [])),
  responses: { 200: viewAnswer('Decided') },
  errors: { 400: ['REVIEW_REASON_REQUIRED'], 404: ['NOT_FOUND'], 409: [...conflicts, 'ROUTING_NO_RECIPIENT', 'ROUTING_TOO_MANY_RECIPIENTS'] },
});

const REOPEN = defineRoute({
  method: 'post',
  path: '/reports/:id/reopen',
  summary: "Reopen another reviewer's decision (audited)",
  access: reviewer,
  params: ReportPath,
  body: z.strictObject({ comment: sentence.openapi({ description: 'Why it is reopened' }) }),
  refuse: reviewRefusal(() => ['comment']),
  responses: { 200: viewAnswer('Reopened') },
  errors: { 400: ['REVIEW_REASON_REQUIRED'], 403: ['REVIEW_SAME_REVIEWER'], 404: ['NOT_FOUND'], 409: [...conflicts, 'REVIEW_PURGED'] },
});

const QA = defineRoute({
  method: 'post',
  path: '/reports/:id/qa',
  summary: 'Record the QA check of a claimed decision; disagreement reopens it',
  access: reviewer,
  params: ReportPath,
  body: QaBody,
  refuse: reviewRefusal((failure) => (fieldOf(failure, 'verdict') === 'disagree' ? ['comment'] : [])),
  responses: { 200: viewAnswer('Checked') },
  errors: { 400: ['REVIEW_REASON_REQUIRED'], 403: ['REVIEW_SAME_REVIEWER'], 404: ['NOT_FOUND'], 409: conflicts },
});

/**
 * Human review of reports (docs/API.md, "Review"; mounted at /v1/review):
 * claim the next report, read it, decide it; reopen another reviewer's
 * decision; claim and make QA checks. Every step goes through the review
 * desk, which applies report-lifecycle.ts one transaction at a time.
 */
export function reviewRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock, random } = deps;
  const api = new ApiRouter(deps, 'review');
  // A decision and what follows from it commit together (server/review/create-review-desk.ts), as in the console.
  const desk = createReviewDesk({ centre, random });
  const views = new ReviewView(centre);
  const me = (c: Context<AppEnv>): string => c.get('principal').account.name;
  const answer = (c: Context<AppEnv>, reportId: string, view: BundleView) => c.json(views.of(reportId, view, clock()));

  api.handle(NEXT, (c) => {
    const claimed = desk.next(me(c), clock());
    const first = claimed?.reportIds[0];
    if (claimed === undefined || first === undefined) return c.body(null, 204);
    return answer(c, first, claimed);
  });

  api.handle(QA_NEXT, (c) => {
    const claimed = desk.qaNext(me(c), clock());
    const first = claimed?.reportIds[0];
    if (claimed === undefined || first === undefined) return c.body(null, 204);
    return answer(c, first, claimed);
  });

  api.handle(READ, (c, { params }) => {
    const view = desk.bundleOf(params.id);
    if (view === undefined) throw new ApiError(404, 'NOT_FOUND', 'no such report');
    return answer(c, params.id, view);
  });

  api.handle(DECIDE, (c, { params, body }) => {
    const input: DecisionInput =
      body.decision === 'forwarded'
        ? { decision: 'forwarded', reason: null, comment: body.comment ?? null }
        : { decision: 'unfounded', reason: body.reason, comment: body.comment };
    return answer(c, params.id, desk.decide(params.id, me(c), input, clock()));
  });

  api.handle(REOPEN, (c, { params, body }) => answer(c, params.id, desk.reopen(params.id, me(c), body.comment, clock())));

  api.handle(QA, (c, { params, body }) => answer(c, params.id, desk.qaCheck(params.id, me(c), body.verdict, body.comment ?? null, clock())));

  return api.app;
}
