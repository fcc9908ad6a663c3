import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMsgpack } from './codec.ts';
import {
  decodeOrderList,
  detectionOrderFields,
  encodeOrderList,
  MAX_ORDER_DURATION_MS,
  orderTargets,
  parseDetectionOrder,
  type DetectionOrder,
  type OrderList,
} from './order.ts';
import { formatSubjectRef, parseSubjectRef } from './subject.ts';
import { codeOf } from '../testing/code-of.ts';
import { sampleOrder } from '../testing/sample-order.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

const order = (overrides: Partial<DetectionOrder> = {}): DetectionOrder =>
  sampleOrder(T0, { surfaces: ['public-posts', 'forum'], targets: { users: ['u-1001', 'u:with:colons'], groups: [], channels: ['c-7'] }, notAfter: T0 + 90 * DAY, ...overrides });

const thrown = (fn: () => unknown): { code: string; message: string } | undefined => {
  try {
    fn();
  } catch (err) {
    return { code: typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'UNCODED', message: err instanceof Error ? err.message : '' };
  }
  return undefined;
};


describe('subject reference', () => {
  describe('when well formed', () => {
    it.each([
      ['user:42', { kind: 'user', id: '42' }],
      ['group:g-1', { kind: 'group', id: 'g-1' }],
      ['channel:a:b', { kind: 'channel', id: 'a:b' }],
      [`user:${'x'.repeat(128)}`, { kind: 'user', id: 'x'.repeat(128) }],
    ])('parses %s', (text, ref) => {
      expect(parseSubjectRef(text, 'subject')).toEqual(ref);
      expect(formatSubjectRef(parseSubjectRef(text, 'subject'))).toBe(text);
    });
  });

  describe('when malformed', () => {
    it.each([
      ['no kind', '42'],
      ['an unknown kind', 'account:42'],
      ['an empty id', 'user:'],
      ['white space', 'user:a b'],
      ['a newline', 'user:a\n'],
      ['non-ASCII', 'user:zoë'],
      ['an id over 128 characters', `user:${'x'.repeat(129)}`],
      ['a number', 42],
    ])('refuses %s without echoing it', (_name, value) => {
      const err = thrown(() => parseSubjectRef(value, 'subject'));
      expect(err?.code).toBe('WIRE_BAD_FIELD');
      if (typeof value === 'string' && value !== 'user:') expect(err?.message).not.toContain(value);
    });
  });
});

describe('detection order', () => {
  describe('when valid', () => {
    it('round-trips through its plain form', () => {
      expect(parseDetectionOrder(detectionOrderFields(order()))).toEqual(order());
    });

    it('parses from JSON as the Centre receives it', () => {
      expect(parseDetectionOrder(JSON.parse(JSON.stringify(detectionOrderFields(order()))))).toEqual(order());
    });
  });

  describe('when it targets a subject', () => {
    it.each([
      ['user:u-1001', true],
      ['user:u:with:colons', true],
      ['channel:c-7', true],
      ['group:c-7', false],
      ['user:c-7', false],
      ['user:u-100', false],
    ])('%s is targeted: %s', (subject, expected) => {
      expect(orderTargets(order(), parseSubjectRef(subject, 'subject'))).toBe(expected);
    });
  });

  describe('when invalid', () => {
    const base = (): Record<string, unknown> => detectionOrderFields(order());
    it.each([
      ['an unknown field', { ...base(), court: 'x' }, 'WIRE_UNKNOWN_FIELD'],
      ['a missing field', (() => { const b = base(); delete b.legalReference; return b; })(), 'WIRE_MISSING_FIELD'],
      ['no surfaces', { ...base(), surfaces: [] }, 'WIRE_BAD_FIELD'],
      ['a repeated surface', { ...base(), surfaces: ['a', 'a'] }, 'WIRE_BAD_FIELD'],
      ['a surface with a slash', { ...base(), surfaces: ['a/b'] }, 'WIRE_BAD_FIELD'],
      ['no targets at all', { ...base(), targets: { users: [], groups: [], channels: [] } }, 'WIRE_BAD_FIELD'],
      ['a target list missing', { ...base(), targets: { users: ['u'], groups: [] } }, 'WIRE_MISSING_FIELD'],
      ['an unknown target kind', { ...base(), targets: { users: ['u'], groups: [], channels: [], devices: ['d'] } }, 'WIRE_UNKNOWN_FIELD'],
      ['a target with white space', { ...base(), targets: { users: ['a b'], groups: [], channels: [] } }, 'WIRE_BAD_FIELD'],
      ['a repeated target', { ...base(), targets: { users: ['u', 'u'], groups: [], channels: [] } }, 'WIRE_BAD_FIELD'],
      ['too many targets', { ...base(), targets: { users: Array.from({ length: 6000 }, (_, i) => `u${i}`), groups: Array.from({ length: 6000 }, (_, i) => `g${i}`), channels: [] } }, 'WIRE_BAD_FIELD'],
      ['notAfter equal to notBefore', { ...base(), notAfter: T0 }, 'WIRE_BAD_FIELD'],
      ['notAfter before notBefore', { ...base(), notAfter: T0 - 1 }, 'WIRE_BAD_FIELD'],
      ['a window over 24 months', { ...base(), notAfter: T0 + MAX_ORDER_DURATION_MS + 1 }, 'WIRE_BAD_FIELD'],
      ['a time in seconds as a float', { ...base(), notBefore: 1.5 }, 'WIRE_BAD_FIELD'],
      ['a time as a string', { ...base(), notBefore: '2026-11-01' }, 'WIRE_BAD_FIELD'],
      ['an order id with a slash', { ...base(), orderId: 'a/b' }, 'WIRE_BAD_FIELD'],
      ['a legal reference with a control character', { ...base(), legalReference: 'Az.\u0007 1' }, 'WIRE_BAD_FIELD'],
      ['an authority with outer white space', { ...base(), issuingAuthority: ' Court ' }, 'WIRE_BAD_FIELD'],
      ['a bad provider name', { ...base(), provider: '-x' }, 'WIRE_BAD_FIELD'],
      ['an array instead of a map', [base()], 'WIRE_BAD_FIELD'],
    ])('refuses %s', (_name, value, code) => {
      expect(codeOf(() => parseDetectionOrder(value))).toBe(code);
    });
  });
});

describe('order list', () => {
  const list = (orders: DetectionOrder[] = [order(), order({ orderId: 'DE-2026-0002', surfaces: ['dm-plain'] })]): OrderList => ({ provider: 'example-host', issuedAt: T0 + 5, orders });

  describe('when encoded and decoded', () => {
    it('gives back the same list', () => {
      expect(decodeOrderList(encodeOrderList(list()))).toEqual(list());
    });

    it('allows an empty list (no live orders)', () => {
      expect(decodeOrderList(encodeOrderList(list([]))).orders).toEqual([]);
    });
  });

  describe('when the bytes are hostile', () => {
    it('refuses an order for another provider', () => {
      const bytes = encodeOrderList({ ...list(), orders: [order({ provider: 'other-host' })] });
      expect(codeOf(() => decodeOrderList(bytes))).toBe('WIRE_BAD_FIELD');
    });

    it('refuses two orders with one id', () => {
      expect(codeOf(() => decodeOrderList(encodeOrderList(list([order(), order()]))))).toBe('WIRE_BAD_FIELD');
    });

    it('refuses an unknown field', () => {
      expect(codeOf(() => decodeOrderList(encodeMsgpack({ provider: 'example-host', issuedAt: T0, orders: [], all: true })))).toBe('WIRE_UNKNOWN_FIELD');
    });

    it('refuses a payload over the cap before decoding it', () => {
      expect(codeOf(() => decodeOrderList(encodeOrderList(list()), 32))).toBe('WIRE_TOO_LARGE');
    });

    it('never throws anything but a coded error on random bytes', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          expect(codeOf(() => decodeOrderList(bytes))).toMatch(/^WIRE_/);
        }),
      );
    });

    it('never accepts a random value in place of an order', () => {
      fc.assert(
        fc.property(fc.anything(), (value) => {
          expect(codeOf(() => parseDetectionOrder(value))).toMatch(/^WIRE_/);
        }),
      );
    });
  });
});
