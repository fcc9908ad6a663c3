import { Hono } from 'hono';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/auth.ts';
import { intParam } from '../http/body.ts';
import type { RouteDeps } from './deps.ts';

/** Operators approve a whole submitted batch at once (mounted at /v1/batches). */
export function batchRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/:id/approve', guard('operator'), (c) => {
    const batchId = intParam(c.req.param('id'), 'id', { min: 1 });
    const operator = c.get('principal').account;
    const approved = centre.write(() => {
      if (centre.indicators.batch(batchId) === undefined) throw new ApiError(404, 'NOT_FOUND', `batch ${batchId} does not exist`);
      const n = centre.indicators.approveBatch(batchId, operator.id, clock());
      centre.audit.record(clock(), operator.name, 'batch.approve', `batch:${batchId}`, { approved: n });
      return n;
    });
    return c.json({ batchId, approved });
  });

  return app;
}
