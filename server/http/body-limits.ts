import type { Context } from 'hono';
import type { CentreConfig } from '../config.ts';
import { MAX_REPORT_ENVELOPE_BYTES } from '../routes/reports.ts';

/**
 * The one table of request body caps: an NDJSON or CSV indicator upload may
 * be large (it is parsed as a stream), a report is one small envelope, and
 * every other body, the JSON form of an indicator upload included, is a
 * JSON document parsed whole, so it gets the small JSON cap.
 */
export function bodyLimitFor(config: CentreConfig): (c: Context) => number {
  return (c) => {
    if (c.req.method === 'POST' && c.req.path === '/v1/indicators' && !isJson(c.req.header('content-type'))) return config.maxIndicatorBodyBytes;
    if (c.req.method === 'POST' && c.req.path === '/v1/reports') return MAX_REPORT_ENVELOPE_BYTES;
    return config.maxJsonBodyBytes;
  };
}

const isJson = (contentType: string | undefined): boolean => (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
