import type { Context } from 'hono';
import { MAX_ENCRYPTION_KEY_REGISTRATION_BYTES } from '../../shared/seal/index.ts';
import type { CentreConfig } from '../config.ts';
import { MAX_CONSOLE_FORM_BYTES } from '../console/forms.ts';
import { MAX_REPORT_ENVELOPE_BYTES } from '../routes/reports.ts';

/**
 * The one table of request body caps: an NDJSON or CSV indicator upload may
 * be large (it is parsed as a stream), a report is one small envelope, and
 * every other body, the JSON form of an indicator upload included, is a
 * JSON document parsed whole, so it gets the small JSON cap. An encryption
 * key registration is one envelope of at most 4 KiB (docs/PROTOCOL.md 13.5);
 * a console form is at most 64 KiB (docs/CONSOLE.md).
 */
export function bodyLimitFor(config: CentreConfig): (c: Context) => number {
  return (c) => {
    if (c.req.method === 'POST' && c.req.path === '/v1/indicators' && !isJson(c.req.header('content-type'))) return config.maxIndicatorBodyBytes;
    if (c.req.method === 'POST' && c.req.path === '/v1/reports') return MAX_REPORT_ENVELOPE_BYTES;
    if (c.req.method === 'POST' && c.req.path === '/v1/provider/encryption-keys') return MAX_ENCRYPTION_KEY_REGISTRATION_BYTES;
    if (c.req.path.startsWith('/console/')) return MAX_CONSOLE_FORM_BYTES;
    return config.maxJsonBodyBytes;
  };
}

const isJson = (contentType: string | undefined): boolean => (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
