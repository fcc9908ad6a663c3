import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../testing/code-of.ts';
import { encodeMsgpack } from './codec.ts';
import { decodeDecisionList, encodeDecisionList, MAX_DECISIONS_PER_LIST, parseDecisionEntry, parseDecisionList, type DecisionList } from './decision-list.ts';

const REPORT_A = '6f1c2b8e-0d6a-4c3e-9b7a-2f1e0d9c8b7a';
const REPORT_B = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const LIST: DecisionList = {
  provider: 'acme',
  issuedAt: Date.UTC(2026, 10, 1),
  since: 4,
  entries: [
    { seq: 5, reportId: REPORT_A, decision: 'forwarded', hold: { until: Date.UTC(2027, 0, 1) } },
    { seq: 9, reportId: REPORT_B, decision: 'unfounded', reason: 'preview_mismatch' },
  ],
  more: false,
};

describe('decision list', () => {
  describe('when it is well formed', () => {
    it('round-trips through its encoding', () => {
      expect(decodeDecisionList(encodeDecisionList(LIST))).toEqual(LIST);
    });

    it('takes a report named twice, a decision then a hold (the later entry wins)', () => {
      const list = { ...LIST, entries: [{ seq: 5, reportId: REPORT_A, decision: 'forwarded' as const }, { seq: 6, reportId: REPORT_A, decision: 'forwarded' as const, hold: { until: 1 } }] };
      expect(parseDecisionList(list)).toEqual(list);
    });

    it('round-trips any ascending entries', () => {
      const entry = fc.oneof(
        fc.record({ reportId: fc.uuid({ version: 4 }), decision: fc.constant('forwarded' as const) }, { requiredKeys: ['reportId', 'decision'] }),
        fc.record({ reportId: fc.uuid({ version: 4 }), decision: fc.constant('unfounded' as const), reason: fc.constantFrom('duplicate' as const, 'other' as const) }),
      );
      fc.assert(
        fc.property(fc.uniqueArray(entry, { maxLength: 20, selector: (e) => e.reportId }), fc.boolean(), (entries, held) => {
          const list: DecisionList = {
            ...LIST,
            entries: entries.map((e, i) => ({ ...e, seq: LIST.since + 1 + i * 3, ...(held ? { hold: { until: 1e12 + i } } : {}) })),
          };
          expect(decodeDecisionList(encodeDecisionList(list))).toEqual(list);
        }),
      );
    });
  });

  describe('when a field is wrong', () => {
    const entry = LIST.entries[0];
    it.each([
      ['an unknown list field', { ...LIST, extra: 1 }, 'WIRE_UNKNOWN_FIELD'],
      ['a missing list field', { provider: 'acme', issuedAt: 1, since: 0, entries: [] }, 'WIRE_MISSING_FIELD'],
      ['a bad provider', { ...LIST, provider: '../x' }, 'WIRE_BAD_FIELD'],
      ['a negative since', { ...LIST, since: -1 }, 'WIRE_BAD_FIELD'],
      ['more as a number', { ...LIST, more: 1 }, 'WIRE_BAD_FIELD'],
      ['an entry at the since', { ...LIST, entries: [{ ...entry, seq: 4 }] }, 'WIRE_BAD_FIELD'],
      ['entries out of order', { ...LIST, entries: [LIST.entries[1], LIST.entries[0]] }, 'WIRE_BAD_FIELD'],
      ['too many entries', { ...LIST, entries: Array.from({ length: MAX_DECISIONS_PER_LIST + 1 }, (_, i) => ({ ...entry, seq: 5 + i })) }, 'WIRE_BAD_FIELD'],
      ['an unknown entry field', { ...LIST, entries: [{ ...entry, comment: 'x' }] }, 'WIRE_UNKNOWN_FIELD'],
      ['an entry without seq', { ...LIST, entries: [{ reportId: REPORT_A, decision: 'forwarded' }] }, 'WIRE_MISSING_FIELD'],
      ['another decision', { ...LIST, entries: [{ ...entry, decision: 'reopened' }] }, 'WIRE_BAD_FIELD'],
      ['a reason on a forward', { ...LIST, entries: [{ ...entry, reason: 'other' }] }, 'WIRE_BAD_FIELD'],
      ['an unfounded without reason', { ...LIST, entries: [{ seq: 5, reportId: REPORT_A, decision: 'unfounded' }] }, 'WIRE_BAD_FIELD'],
      ['an unknown reason', { ...LIST, entries: [{ seq: 5, reportId: REPORT_A, decision: 'unfounded', reason: 'meh' }] }, 'WIRE_BAD_FIELD'],
      ['a hold without until', { ...LIST, entries: [{ ...entry, hold: {} }] }, 'WIRE_MISSING_FIELD'],
      ['a hold with more', { ...LIST, entries: [{ ...entry, hold: { until: 1, by: 'DE-BKA' } }] }, 'WIRE_UNKNOWN_FIELD'],
      ['a bad report id', { ...LIST, entries: [{ ...entry, reportId: 'x' }] }, 'WIRE_BAD_FIELD'],
    ])('refuses %s', (_name, value, code) => {
      expect(codeOf(() => parseDecisionList(value))).toBe(code);
    });

    it('refuses a seq of 0 in a lone entry', () => {
      expect(codeOf(() => parseDecisionEntry({ seq: 0, reportId: REPORT_A, decision: 'forwarded' }))).toBe('WIRE_BAD_FIELD');
    });

    it('refuses a payload over its cap before decoding', () => {
      const big = encodeMsgpack({ ...LIST, pad: 'x'.repeat(600 * 1024) });
      expect(codeOf(() => decodeDecisionList(big))).toBe('WIRE_TOO_LARGE');
    });
  });
});
