import { decodeMsgpack, encodeMsgpack } from './codec.ts';
import { WireError } from './errors.ts';
import { parseVerifierKey } from '../crypto/index.ts';
import { array, bytes, exactRecord, str, timestampMs } from './guards.ts';
import { PROVIDER_NAME_PATTERN } from './order.ts';
import { REPORT_ID_PATTERN } from './report.ts';

export const FORWARDING_RECORD_PAYLOAD_TYPE = 'hashfeed/forwarding-record/v1';

/** Recipients of one record: a Member State's authorities and Europol, never more than a few. */
export const MAX_FORWARDING_RECIPIENTS = 64;
/** A record is small; anything larger is refused before decoding. */
export const MAX_FORWARDING_RECORD_BYTES = 8 * 1024;
const MEMBER_STATE_PATTERN = /^[A-Z]{2}$/;

/** Who receives a report: an authority of a Member State, or Europol (docs/PROTOCOL.md, "Forwarding records"). */
export interface ForwardingRecipient {
  /** The Centre account name (`DE-BKA`, `europol`). */
  readonly account: string;
  readonly role: 'authority' | 'europol';
  /** The authority's Member State (ISO 3166-1 alpha-2); null for Europol. */
  readonly memberState: string | null;
}

/**
 * The Centre's signed decision on a report: with the provider's signed
 * report, the recipient's chain of custody. `forwarded` lists who received
 * it; `unfounded` is sent to those who had received it before, when a
 * reopened report is later judged unfounded. It binds the exact report:
 * `reportSha256` is the SHA-256 of the provider's report envelope as
 * stored and served, and `providerKey` the verifier key (C2SP text) the
 * Centre verified it under, a key its operator approved for `provider`;
 * so `hashfeed verify-report` checks both signatures offline from the
 * Centre's root alone (docs/PROTOCOL.md 11.4).
 */
export interface ForwardingRecord {
  readonly reportId: string;
  readonly decision: 'forwarded' | 'unfounded';
  readonly recipients: readonly ForwardingRecipient[];
  readonly decidedAt: number;
  readonly provider: string;
  readonly providerKey: string;
  readonly reportSha256: Uint8Array;
}

const FIELDS = ['reportId', 'decision', 'recipients', 'decidedAt', 'provider', 'providerKey', 'reportSha256'];
const RECIPIENT_FIELDS = ['account', 'role', 'memberState'];

export function encodeForwardingRecord(record: ForwardingRecord): Uint8Array {
  return encodeMsgpack({
    reportId: record.reportId,
    decision: record.decision,
    recipients: record.recipients.map((r) => ({ account: r.account, role: r.role, memberState: r.memberState })),
    decidedAt: record.decidedAt,
    provider: record.provider,
    providerKey: record.providerKey,
    reportSha256: record.reportSha256,
  });
}

/** Decodes a forwarding-record payload whose envelope has already been verified. */
export function decodeForwardingRecord(payload: Uint8Array, maxBytes = MAX_FORWARDING_RECORD_BYTES): ForwardingRecord {
  return parseForwardingRecord(decodeMsgpack(payload, maxBytes));
}

export function parseForwardingRecord(value: unknown): ForwardingRecord {
  const f = exactRecord(value, 'forwarding record', FIELDS);
  if (f.decision !== 'forwarded' && f.decision !== 'unfounded') throw new WireError('WIRE_BAD_FIELD', "record.decision must be 'forwarded' or 'unfounded'");
  const recipients = array(f.recipients, 'record.recipients', MAX_FORWARDING_RECIPIENTS).map((r, i) => parseRecipient(r, `record.recipients[${i}]`));
  if (recipients.length === 0) throw new WireError('WIRE_BAD_FIELD', 'record.recipients must name at least one recipient');
  if (new Set(recipients.map((r) => r.account)).size !== recipients.length) throw new WireError('WIRE_BAD_FIELD', 'record.recipients has repeated accounts');
  return {
    reportId: str(f.reportId, 'record.reportId', 36, REPORT_ID_PATTERN),
    decision: f.decision,
    recipients,
    decidedAt: timestampMs(f.decidedAt, 'record.decidedAt'),
    provider: str(f.provider, 'record.provider', 64, PROVIDER_NAME_PATTERN),
    providerKey: providerKeyText(f.providerKey),
    reportSha256: Uint8Array.from(bytes(f.reportSha256, 'record.reportSha256', 32)),
  };
}

function parseRecipient(value: unknown, what: string): ForwardingRecipient {
  const f = exactRecord(value, what, RECIPIENT_FIELDS);
  const account = str(f.account, `${what}.account`, 64, PROVIDER_NAME_PATTERN);
  if (f.role === 'europol') {
    if (f.memberState !== null) throw new WireError('WIRE_BAD_FIELD', `${what}.memberState must be null for Europol`);
    return { account, role: 'europol', memberState: null };
  }
  if (f.role !== 'authority') throw new WireError('WIRE_BAD_FIELD', `${what}.role must be 'authority' or 'europol'`);
  return { account, role: 'authority', memberState: str(f.memberState, `${what}.memberState`, 2, MEMBER_STATE_PATTERN) };
}

function providerKeyText(value: unknown): string {
  const text = str(value, 'record.providerKey', 512);
  try {
    return parseVerifierKey(text).text;
  } catch (cause) {
    throw new WireError('WIRE_BAD_FIELD', 'record.providerKey must be a verifier key (name+keyid+base64)', { cause });
  }
}
