/**
 * The independent audit (docs/AUDIT.md): replays the Centre's whole
 * published history with an auditor's token. Imports only shared/ (and the
 * sidecar's bounded HTTP reader): it talks to the Centre over HTTP, as any
 * outside auditor would.
 */
export { runAudit } from './audit.ts';
export type { AuditOptions, AuditResult } from './audit.ts';
export { formatAuditReport } from './report.ts';
export { AuditFailure } from './errors.ts';
export type { AuditFailureCode } from './errors.ts';
export { VIOLATION_CODES } from './violations.ts';
export type { Violation, ViolationCode } from './violations.ts';
