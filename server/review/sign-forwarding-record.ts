import { encodeEnvelope, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import { encodeForwardingRecord, FORWARDING_RECORD_PAYLOAD_TYPE, type ForwardingRecord } from '../../shared/wire/forwarding-record.ts';

/**
 * Signs a forwarding record as an envelope of type
 * `hashfeed/forwarding-record/v1` (docs/PROTOCOL.md, "Forwarding records").
 * The key is a parameter: its one caller (forwarding.ts) chooses which of
 * the Centre's keys signs decisions.
 */
export function signForwardingRecord(record: ForwardingRecord, signingKey: SigningKey): Uint8Array {
  return encodeEnvelope(signEnvelope(FORWARDING_RECORD_PAYLOAD_TYPE, encodeForwardingRecord(record), [signingKey]));
}
