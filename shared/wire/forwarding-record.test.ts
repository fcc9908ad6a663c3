import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../crypto/index.ts';
import { codeOf } from '../testing/code-of.ts';
import { encodeMsgpack } from './codec.ts';
import { decodeForwardingRecord, encodeForwardingRecord, parseForwardingRecord, type ForwardingRecord } from './forwarding-record.ts';

const RECORD: ForwardingRecord = {
  reportId: '6f1c2b8e-0d6a-4c3e-9b7a-2f1e0d9c8b7a',
  decision: 'forwarded',
  recipients: [
    { account: 'DE-BKA', role: 'authority', memberState: 'DE' },
    { account: 'europol', role: 'europol', memberState: null },
  ],
  decidedAt: Date.UTC(2026, 10, 1),
  provider: 'example-host',
  providerKey: generateSigningKey('hashfeed/provider/example-host').verifier.text,
  reportSha256: new Uint8Array(32).fill(7),
};

describe('forwarding record', () => {
  describe('when it is well formed', () => {
    it('round-trips through its encoding', () => {
      expect(decodeForwardingRecord(encodeForwardingRecord(RECORD))).toEqual(RECORD);
    });

    it('round-trips any recipients list', () => {
      const recipient = fc.oneof(
        fc.record({ account: fc.stringMatching(/^[A-Z]{2}-[A-Z]{1,8}$/), role: fc.constant('authority' as const), memberState: fc.stringMatching(/^[A-Z]{2}$/) }),
        fc.constant({ account: 'europol', role: 'europol' as const, memberState: null }),
      );
      fc.assert(
        fc.property(fc.uniqueArray(recipient, { minLength: 1, maxLength: 8, selector: (r) => r.account }), fc.constantFrom('forwarded' as const, 'unfounded' as const), (recipients, decision) => {
          const record = { ...RECORD, decision, recipients };
          expect(decodeForwardingRecord(encodeForwardingRecord(record))).toEqual(record);
        }),
      );
    });
  });

  describe('when a field is wrong', () => {
    it.each([
      ['an unknown field', { ...RECORD, extra: 1 }, 'WIRE_UNKNOWN_FIELD'],
      ['a missing field', { reportId: RECORD.reportId, decision: 'forwarded', recipients: RECORD.recipients }, 'WIRE_MISSING_FIELD'],
      ['another decision', { ...RECORD, decision: 'maybe' }, 'WIRE_BAD_FIELD'],
      ['no recipient', { ...RECORD, recipients: [] }, 'WIRE_BAD_FIELD'],
      ['a repeated recipient', { ...RECORD, recipients: [RECORD.recipients[1], RECORD.recipients[1]] }, 'WIRE_BAD_FIELD'],
      ['Europol with a Member State', { ...RECORD, recipients: [{ account: 'europol', role: 'europol', memberState: 'NL' }] }, 'WIRE_BAD_FIELD'],
      ['an authority without one', { ...RECORD, recipients: [{ account: 'DE-BKA', role: 'authority', memberState: null }] }, 'WIRE_BAD_FIELD'],
      ['an unknown role', { ...RECORD, recipients: [{ account: 'x', role: 'press', memberState: null }] }, 'WIRE_BAD_FIELD'],
      ['a recipient field too many', { ...RECORD, recipients: [{ ...RECORD.recipients[0], note: 1 }] }, 'WIRE_UNKNOWN_FIELD'],
      ['a bad report id', { ...RECORD, reportId: 'not-a-uuid' }, 'WIRE_BAD_FIELD'],
      ['no report binding', { reportId: RECORD.reportId, decision: 'forwarded', recipients: RECORD.recipients, decidedAt: RECORD.decidedAt }, 'WIRE_MISSING_FIELD'],
      ['a short report hash', { ...RECORD, reportSha256: new Uint8Array(31) }, 'WIRE_BAD_FIELD'],
      ['a report hash as text', { ...RECORD, reportSha256: '07'.repeat(32) }, 'WIRE_BAD_FIELD'],
      ['a provider key that is no verifier key', { ...RECORD, providerKey: 'hashfeed/provider/x+00000000+AAAA' }, 'WIRE_BAD_FIELD'],
      ['a bad provider name', { ...RECORD, provider: '../x' }, 'WIRE_BAD_FIELD'],
    ])('refuses %s', (_name, value, code) => {
      expect(codeOf(() => parseForwardingRecord(value))).toBe(code);
    });

    it('refuses a payload over its cap before decoding', () => {
      const big = encodeMsgpack({ ...RECORD, pad: 'x'.repeat(9000) });
      expect(codeOf(() => decodeForwardingRecord(big))).toBe('WIRE_TOO_LARGE');
    });
  });
});
