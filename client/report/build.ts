import { randomUUID } from 'node:crypto';
import { encodeEnvelope, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { encodeReport, parseReport, REPORT_PAYLOAD_TYPE, type Report } from '../../shared/wire/report.ts';
import { ReportingError } from './errors.ts';
import { sidecarVersion } from './version.ts';

/** What the matcher found: the indicators within the threshold and the closest distance. */
export interface MatchFacts {
  readonly indicatorIds: readonly number[];
  readonly algorithm: string;
  readonly distance: number;
}

export interface ReportInput {
  readonly provider: string;
  /** The order the policy allowed the scan under (ScanDecision.order.orderId). */
  readonly orderId: string;
  readonly match: MatchFacts;
  readonly surface: string;
  /** The subject reference, `user:<id>`, `group:<id>` or `channel:<id>`. */
  readonly subject: string;
  readonly detectedAt: number;
  readonly preview: string | null;
  readonly replicaVersion: number;
  readonly stale: boolean;
  /** Given only to rebuild a report; a new one gets a fresh random id. */
  readonly reportId?: string;
}

/**
 * Builds a report and checks it with the same guard the Centre applies, so
 * a report that the Centre would refuse for its shape fails here
 * (REPORT_INVALID) instead of sitting in the queue. Indicator ids are sorted
 * and de-duplicated; the sidecar version comes from package.json.
 */
export function buildReport(input: ReportInput): Report {
  const report = {
    reportId: input.reportId ?? randomUUID(),
    provider: input.provider,
    orderId: input.orderId,
    indicatorIds: [...new Set(input.match.indicatorIds)].sort((a, b) => a - b),
    algorithm: input.match.algorithm,
    distance: input.match.distance,
    surface: input.surface,
    subject: input.subject,
    detectedAt: input.detectedAt,
    preview: input.preview,
    sidecarVersion: sidecarVersion(),
    replicaVersion: input.replicaVersion,
    stale: input.stale,
  };
  try {
    return parseReport(report);
  } catch (cause) {
    if (cause instanceof WireError) throw new ReportingError('REPORT_INVALID', `the report would be refused: ${cause.message}`, { cause });
    throw cause;
  }
}

/** The report as the Centre receives it: its msgpack payload in an envelope signed by the provider's key. */
export function signReport(report: Report, key: SigningKey): Uint8Array {
  return encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, encodeReport(report), [key]));
}
