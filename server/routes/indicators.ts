import { Hono } from 'hono';
import { getAlgorithm } from '../../shared/hashing/registry.ts';
import type { AppEnv } from '../http/auth.ts';
import { ApiError } from '../http/api-error.ts';
import { bodyStream, intParam, objectBody, readJson } from '../http/body.ts';
import { importSubmissions } from '../ingest/import.ts';
import { formatFromContentType, parseSubmissions } from '../ingest/parse-body.ts';
import { IndicatorQualityStore, type IndicatorQualityCounts } from '../store/indicator-quality.ts';
import { INDICATOR_STATUSES, type Indicator } from '../store/indicators.ts';
import type { Principal } from '../store/accounts.ts';
import type { RouteDeps } from './deps.ts';

const STATUSES = INDICATOR_STATUSES;

/**
 * Authorities submit, revoke and re-confirm suspended indicators (their
 * re-assessment queue is `?status=suspended`); operators approve and search
 * (mounted at /v1/indicators).
 */
export function indicatorRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { config } = centre;
  const quality = new IndicatorQualityStore(centre.db);
  const view = (i: Indicator, principal: Principal) => indicatorView(i, principal, quality.of(i.id));

  app.post('/', guard('authority'), async (c) => {
    const format = formatFromContentType(c.req.header('content-type'));
    const rows = await parseSubmissions(format, bodyStream(c), { categories: config.categories, maxRows: config.maxIndicatorRows });
    return c.json(await importSubmissions(centre, c.get('principal').account, rows, clock()), 201);
  });

  app.post('/:id/revoke', guard('authority'), async (c) => {
    const id = intParam(c.req.param('id'), 'id', { min: 1 });
    const { reason } = objectBody(await readJson(c), ['reason']);
    if (typeof reason !== 'string' || !config.reasonCodes.includes(reason)) {
      throw new ApiError(400, 'BAD_REQUEST', `reason must be one of ${config.reasonCodes.join(', ')}`);
    }
    const authority = c.get('principal').account;
    const result = centre.write(() => {
      const revoked = centre.indicators.revoke(id, authority.id, reason, clock(), config.minConfirmations);
      centre.audit.record(clock(), authority.name, 'indicator.revoke', `indicator:${id}`, { reason, removal: revoked.removal });
      return revoked;
    });
    return c.json({ indicator: view(result.indicator, c.get('principal')), removal: result.removal });
  });

  // Re-assessment of a suspended indicator; revoking it is POST /:id/revoke (docs/API.md).
  app.post('/:id/reconfirm', guard('authority'), (c) => {
    const id = intParam(c.req.param('id'), 'id', { min: 1 });
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

  app.post('/:id/approve', guard('operator'), (c) => {
    const id = intParam(c.req.param('id'), 'id', { min: 1 });
    const operator = c.get('principal').account;
    const indicator = centre.write(() => {
      if (!centre.indicators.approve(id, operator.id, clock())) {
        const current = centre.indicators.get(id);
        if (current === undefined) throw new ApiError(404, 'NOT_FOUND', `indicator ${id} does not exist`);
        throw new ApiError(409, 'CONFLICT', `indicator ${id} is ${current.status}${current.approvedAt !== null ? ' and already approved' : ''}`);
      }
      centre.audit.record(clock(), operator.name, 'indicator.approve', `indicator:${id}`);
      return centre.indicators.get(id);
    });
    return c.json({ indicator: indicator === undefined ? null : view(indicator, c.get('principal')) });
  });

  app.get('/', guard('operator', 'authority'), (c) => {
    const principal = c.get('principal');
    const status = c.req.query('status');
    if (status !== undefined && !STATUSES.some((s) => s === status)) throw new ApiError(400, 'BAD_REQUEST', `status must be one of ${STATUSES.join(', ')}`);
    const approved = c.req.query('approved');
    if (approved !== undefined && approved !== 'true' && approved !== 'false') throw new ApiError(400, 'BAD_REQUEST', 'approved must be true or false');
    const batch = c.req.query('batch');
    const limit = Math.min(1000, intParam(c.req.query('limit'), 'limit', { min: 1, fallback: 100 }));
    const items = centre.indicators.query({
      status: STATUSES.find((s) => s === status),
      algorithm: c.req.query('algorithm'),
      category: c.req.query('category'),
      batchId: batch === undefined ? undefined : intParam(batch, 'batch'),
      approved: approved === undefined ? undefined : approved === 'true',
      // An authority sees only what it confirmed.
      authorityId: principal.account.role === 'authority' ? principal.account.id : undefined,
      afterId: intParam(c.req.query('after'), 'after', { fallback: 0 }),
      limit,
    });
    return c.json({ indicators: items.map((i) => view(i, principal)), next: items.length === limit ? items[items.length - 1]?.id : null });
  });

  app.get('/:id', guard('operator', 'authority'), (c) => {
    const id = intParam(c.req.param('id'), 'id', { min: 1 });
    const principal = c.get('principal');
    const indicator = centre.indicators.get(id);
    const visible = indicator !== undefined && (principal.account.role === 'operator' || indicator.confirmations.some((x) => x.authority === principal.account.name));
    if (!visible) throw new ApiError(404, 'NOT_FOUND', `indicator ${id} does not exist`);
    return c.json({ indicator: view(indicator, principal) });
  });

  return app;
}

/** The JSON form; an authority sees its own confirmations only. */
function indicatorView(i: Indicator, principal: Principal, counts: IndicatorQualityCounts) {
  const own = principal.account.role === 'authority';
  return {
    id: i.id,
    algorithm: i.algorithm,
    hash: getAlgorithm(i.algorithm).format(i.hash),
    category: i.category,
    status: i.status,
    approved: i.approvedAt !== null,
    submittedAt: i.submittedAt,
    versionAdded: i.versionAdded,
    removalPending: i.removalReason,
    versionRevoked: i.versionRevoked,
    revokedReason: i.revokedReason,
    suspendedAt: i.suspendedAt,
    // What counts against it in the quality loop (unfounded for preview_mismatch or indicator_error).
    quality: { unfounded: counts.reports, providers: counts.providers, byReason: counts.byReason, since: counts.since },
    confirmations: own ? i.confirmations.filter((x) => x.authority === principal.account.name) : i.confirmations,
  };
}
