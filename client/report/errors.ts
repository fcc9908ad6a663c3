import { CodedError } from '../../shared/errors.ts';

/**
 * Failures of the reporting side of the sidecar. Codes are public (logs,
 * /metrics) and never renamed. Delivery outcomes are not errors: the
 * deliverer records them per report (see ReportQueue).
 */
export type ReportingCode =
  | 'PREVIEW_UNDECODABLE'
  | 'REPORT_INVALID'
  | 'REPORT_QUEUE_CONFLICT'
  | 'KEY_REGISTRATION_FAILED'
  | 'SIDECAR_VERSION_UNREADABLE';

export class ReportingError extends CodedError<ReportingCode> {}
