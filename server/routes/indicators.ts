import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { formatIndicatorHash } from '../../shared/video-match/index.ts';
import type { AppEnv } from '../http/auth.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import { bodyStream } from '../http/body.ts';
import { afterId, epochMs, integerText, nextCursor, pageLimit } from '../http/schemas.ts';
import type { CentreConfig } from '../config.ts';
import { importSubmissions } from '../ingest/import.ts';
import { IndicatorApprovals } from '../publish/approvals.ts';
import { formatFromContentType, parseSubmissions } from '../ingest/parse-body.ts';
import { MAX_VARIANTS } from '../ingest/submission-rows.ts';
import { COUNTING_REASONS, IndicatorQualityStore, type IndicatorQualityCounts } from '../store/indicator-quality.ts';
import { INDICATOR_STATUSES, type Indicator } from '../store/indicators.ts';
import type { Principal } from '../store/accounts.ts';
import type { RouteDeps } from './deps.ts';

const STATUSES = INDICATOR_STATUSES;
const IdPath = z.object({ id: integerText('id', 1) });

const Confirmation = z.object({
  authority: z.string(),
  reference: z.string(),
  category: z.string(),
  confirmedAt: epochMs,
  withdrawnAt: epochMs.nullable(),
  withdrawnReason: z.string().nullable(),
  reconfirmedAt: epochMs.nullable().openapi({ description: 'When this authority last re-confirmed it (a suspended indicator)' }),
});

const Quality = z
  .object({
    unfounded: z.number().int().openapi({ description: 'Standing unfounded decisions that count against it' }),
    providers: z.number().int().openapi({ description: 'Distinct providers among them' }),
    byReason: z.object(Object.fromEntries(COUNTING_REASONS.map((reason) => [reason, z.number().int()]))),
    since: epochMs.nullable().openapi({ description: 'Decisions count from its last re-confirmation (null: from the start)' }),
  })
  .openapi({ description: 'The indicator quality loop (docs/API.md)' });

const IndicatorView = z
  .object({
    id: z.number().int(),
    algorithm: z.string(),
    hash: z.string().openapi({ description: "The algorithm's own text form (hex for most)" }),
    category: z.string(),
    status: z.enum(STATUSES),
    approved: z.boolean(),
    submittedAt: epochMs,
    versionAdded: z.number().int().nullable(),
    removalPending: z.string().nullable().openapi({ description: 'The reason of a removal queued for the next publication' }),
    versionRevoked: z.number().int().nullable(),
    revokedReason: z.string().nullable(),
    suspendedAt: epochMs.nullable().openapi({ description: 'Set from the suspension until it is re-confirmed or revoked' }),
    variantOf: z.number().int().nullable().openapi({ description: 'The record this hash is a linked variant of (a crop), or null for a record' }),
    quality: Quality,
    confirmations: z.array(Confirmation).openapi({ description: "An authority sees its own confirmations only" }),
  })
  .openapi('Indicator');

const indicatorAnswer = (description: string, extra: z.ZodRawShape = {}) => ({
  description,
  content: { 'application/json': { schema: z.object({ indicator: IndicatorView, ...extra }) } },
});

/** The routes of the module: the accepted categories and reason codes come from the Centre's config. */
function indicatorRouteDefinitions(config: CentreConfig) {
  const row = z.object({
    algorithm: z.string().openapi({ description: 'A registered hash algorithm (pdq, phash64, dhash64, md5, sha256)' }),
    hash: z.string().openapi({ description: "The hash in the algorithm's text form" }),
    category: z.enum(config.categories),
    reference: z.string().regex(/^[\x20-\x7e]{1,128}$/).openapi({ description: "The authority's own case reference" }),
    preview: z.string().optional().openapi({ description: 'A blurhash preview of the content (JSON and NDJSON rows only)' }),
    variants: z
      .array(z.string())
      .max(MAX_VARIANTS)
      .optional()
      .openapi({ description: 'Variant hashes of the same material (crops), linked to this row\'s record (JSON and NDJSON rows only; perceptual algorithms)' }),
  });
  return {
    submit: defineRoute({
      method: 'post',
      path: '/',
      summary: 'Submit indicators as one batch',
      description: 'JSON (one row or an array, up to the JSON body cap) or NDJSON and CSV streamed (up to the upload cap). Each row is checked; one bad row refuses the batch, naming up to 100.',
      access: ['authority'],
      media: {
        'application/json': { description: 'One row or an array of rows', schema: z.union([row, z.array(row)]) },
        'application/x-ndjson': { description: 'One row object per line (also application/jsonl, application/ndjson)' },
        'text/csv': { description: 'A header line algorithm,hash,category,reference, then one row per line' },
      },
      responses: {
        201: {
          description: 'The batch',
          content: {
            'application/json': {
              schema: z.object({
                batchId: z.number().int(),
                rows: z.number().int(),
                created: z.number().int(),
                confirmed: z.number().int(),
                unchanged: z.number().int(),
                variants: z.number().int().openapi({ description: 'Variant hashes linked to the rows\' records' }),
              }),
            },
          },
        },
      },
      errors: { 400: ['INGEST_MALFORMED', 'INGEST_EMPTY'], 413: ['INGEST_TOO_MANY_ROWS'], 415: ['INGEST_UNSUPPORTED_TYPE'], 422: ['INGEST_INVALID_ROWS'] },
    }),
    revoke: defineRoute({
      method: 'post',
      path: '/:id/revoke',
      summary: "Withdraw the caller's confirmation of an indicator",
      access: ['authority'],
      params: IdPath,
      body: z.strictObject({ reason: z.enum(config.reasonCodes, { error: `reason must be one of ${config.reasonCodes.join(', ')}` }) }),
      responses: { 200: indicatorAnswer('Withdrawn', { removal: z.enum(['none', 'dropped', 'queued']) }) },
      errors: { 404: ['STORE_NOT_FOUND'] },
    }),
    reconfirm: defineRoute({
      method: 'post',
      path: '/:id/reconfirm',
      summary: 'Re-confirm a suspended indicator the caller confirms',
      description: 'Once minConfirmations authorities with live confirmations re-confirmed it since its suspension, it is pending again with its approval kept.',
      access: ['authority'],
      params: IdPath,
      responses: {
        200: indicatorAnswer('Re-confirmed', {
          reconfirmations: z.number().int().openapi({ description: 'Live confirmations re-confirmed since the suspension' }),
          needed: z.number().int().openapi({ description: 'minConfirmations' }),
          reinstated: z.boolean(),
        }),
      },
      errors: { 404: ['STORE_NOT_FOUND'], 409: ['INDICATOR_NOT_SUSPENDED'] },
    }),
    approve: defineRoute({
      method: 'post',
      path: '/:id/approve',
      summary: 'Approve a pending indicator for the next publication',
      access: ['operator'],
      params: IdPath,
      responses: { 200: indicatorAnswer('Approved') },
      errors: { 404: ['NOT_FOUND'], 409: ['CONFLICT'] },
    }),
    list: defineRoute({
      method: 'get',
      path: '/',
      summary: 'Search indicators (an authority sees only what it confirmed)',
      access: ['operator', 'authority'],
      query: z.object({
        status: z.enum(STATUSES, { error: `status must be one of ${STATUSES.join(', ')}` }).optional(),
        approved: z.enum(['true', 'false'], { error: 'approved must be true or false' }).optional(),
        limit: pageLimit(1000, 100),
        algorithm: z.string().optional(),
        category: z.string().optional(),
        batch: integerText('batch').optional(),
        after: afterId,
      }),
      responses: {
        200: { description: 'A page of indicators', content: { 'application/json': { schema: z.object({ indicators: z.array(IndicatorView), next: nextCursor }) } } },
      },
    }),
    get: defineRoute({
      method: 'get',
      path: '/:id',
      summary: 'One indicator',
      access: ['operator', 'authority'],
      params: IdPath,
      responses: { 200: indicatorAnswer('The indicator') },
      errors: { 404: ['NOT_FOUND'] },
    }),
  };
}

/**
 * Authorities submit, revoke and re-confirm suspended indicators (their
 * re-assessment queue is `?status=suspended`); operators approve and search
 * (mounted at /v1/indicators).
 */
export function indicatorRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const { config } = centre;
  const api = new ApiRouter(deps, 'indicators');
  const routes = indicatorRouteDefinitions(config);
  const quality = new IndicatorQualityStore(centre.db);
  const approvals = new IndicatorApprovals(centre);
  const view = (i: Indicator, principal: Principal) => indicatorView(i, principal, quality.of(i.id));

  // The body is the ingest parser's (streamed, bounded): the schema above only describes it.
  api.handle(routes.submit, async (c) => {
    const format = formatFromContentType(c.req.header('content-type'));
    const rows = await parseSubmissions(format, bodyStream(c), { categories: config.categories, maxRows: config.maxIndicatorRows });
    return c.json(await importSubmissions(centre, c.get('principal').account, rows, clock()), 201);
  });

  api.handle(routes.revoke, (c, { params, body }) => {
    const { id } = params;
    const { reason } = body;
    const authority = c.get('principal').account;
    const result = centre.write(() => {
      const revoked = centre.indicators.revoke(id, authority.id, reason, clock(), config.minConfirmations);
      centre.audit.record(clock(), authority.name, 'indicator.revoke', `indicator:${id}`, { reason, removal: revoked.removal });
      return revoked;
    });
    return c.json({ indicator: view(result.indicator, c.get('principal')), removal: result.removal });
  });

  // Re-assessment of a suspended indicator; revoking it is POST /:id/revoke (docs/API.md).
  api.handle(routes.reconfirm, (c, { params }) => {
    const { id } = params;
    const authority = c.get('principal').account;
    const now = clock();
    const result = centre.write(() => {
      const reconfirmed = centre.indicators.reconfirm(id, authority.id, now, config.minConfirmations);
      centre.audit.record(now, authority.name, 'indicator.reconfirm', `indicator:${id}`, {
        reconfirmations: reconfirmed.reconfirmations,
        needed: config.minConfirmations,
        reinstated: reconfirmed.reinstated,
      });
      return reconfirmed;
    });
    return c.json({
      indicator: view(result.indicator, c.get('principal')),
      reconfirmations: result.reconfirmations,
      needed: config.minConfirmations,
      reinstated: result.reinstated,
    });
  });

  api.handle(routes.approve, (c, { params }) => {
    const indicator = approvals.approve(params.id, c.get('principal').account, clock());
    return c.json({ indicator: view(indicator, c.get('principal')) });
  });

  api.handle(routes.list, (c, { query }) => {
    const principal = c.get('principal');
    const { limit } = query;
    const items = centre.indicators.query({
      status: query.status,
      algorithm: query.algorithm,
      category: query.category,
      batchId: query.batch,
      approved: query.approved === undefined ? undefined : query.approved === 'true',
      // An authority sees only what it confirmed.
      authorityId: principal.account.role === 'authority' ? principal.account.id : undefined,
      afterId: query.after,
      limit,
    });
    return c.json({ indicators: items.map((i) => view(i, principal)), next: items.length === limit ? items[items.length - 1]?.id : null });
  });

  api.handle(routes.get, (c, { params }) => {
    const { id } = params;
    const principal = c.get('principal');
    const indicator = centre.indicators.get(id);
    const visible = indicator !== undefined && (principal.account.role === 'operator' || indicator.confirmations.some((x) => x.authority === principal.account.name));
    if (!visible) throw new ApiError(404, 'NOT_FOUND', `indicator ${id} does not exist`);
    return c.json({ indicator: view(indicator, principal) });
  });

  return api.app;
}

/** The JSON form; an authority sees its own confirmations only. */
function indicatorView(i: Indicator, principal: Principal, counts: IndicatorQualityCounts) {
  const own = principal.account.role === 'authority';
  return {
    id: i.id,
    algorithm: i.algorithm,
    hash: formatIndicatorHash(i.algorithm, i.hash),
    category: i.category,
    status: i.status,
    approved: i.approvedAt !== null,
    submittedAt: i.submittedAt,
    versionAdded: i.versionAdded,
    removalPending: i.removalReason,
    versionRevoked: i.versionRevoked,
    revokedReason: i.revokedReason,
    suspendedAt: i.suspendedAt,
    variantOf: i.variantOf,
    // What counts against it in the quality loop (unfounded for preview_mismatch or indicator_error).
    quality: { unfounded: counts.reports, providers: counts.providers, byReason: counts.byReason, since: counts.since },
    confirmations: own ? i.confirmations.filter((x) => x.authority === principal.account.name) : i.confirmations,
  };
}
