import { readFileSync } from 'node:fs';
import { isPlainRecord } from '../../shared/crypto/msgpack.ts';
import { SIDECAR_VERSION_PATTERN } from '../../shared/wire/report.ts';
import { ReportingError } from './errors.ts';

let cached: string | undefined;

/** The `version` of package.json, read once; every report carries it. */
export function sidecarVersion(): string {
  if (cached !== undefined) return cached;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  } catch (cause) {
    throw new ReportingError('SIDECAR_VERSION_UNREADABLE', 'cannot read package.json', { cause });
  }
  const version = isPlainRecord(value) ? value.version : undefined;
  if (typeof version !== 'string' || !SIDECAR_VERSION_PATTERN.test(version)) {
    throw new ReportingError('SIDECAR_VERSION_UNREADABLE', `package.json has no version matching ${SIDECAR_VERSION_PATTERN}`);
  }
  cached = version;
  return version;
}
