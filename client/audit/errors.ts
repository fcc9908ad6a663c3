import { CodedError } from '../../shared/errors.ts';

/** Why an audit could not be done at all (exit 2): not a finding about the Centre, a reason there are none. */
export type AuditFailureCode = 'AUDIT_UNREACHABLE' | 'AUDIT_BAD_TOKEN' | 'AUDIT_BAD_PIN' | 'AUDIT_BAD_STATE' | 'AUDIT_MALFORMED_ANSWER';

export class AuditFailure extends CodedError<AuditFailureCode> {}
