import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../testing/code-of.ts';
import { sampleOrder } from '../testing/sample-order.ts';
import { encodeOrderLeaf, endTermsBytes, orderCommitment, registrationTermsBytes } from './order-commitment.ts';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const order = sampleOrder(1_790_000_000_000, {
  surfaces: ['public-posts', 'direct-messages'],
  targets: { users: ['u-2', 'u-10'], groups: [], channels: ['c:1'] },
});

describe('order commitments (PROTOCOL 10.4)', () => {
  describe('when a registration is encoded', () => {
    it('writes every term as a length-prefixed field, lists sorted by byte and counted', () => {
      expect(text(registrationTermsBytes({ order, memberState: 'DE' }))).toBe(
        [
          '8 register',
          '12 DE-2026-0001',
          '12 example-host',
          // 'München' is 8 bytes in UTF-8: lengths count bytes, not characters.
          '20 Amtsgericht München',
          '16 Az. 12 Gs 345/26',
          '2 DE',
          '2',
          '15 direct-messages',
          '12 public-posts',
          '2',
          '4 u-10',
          '3 u-2',
          '0',
          '1',
          '3 c:1',
          '13 1790000000000',
          '13 1790086400000',
          '',
        ].join('\n'),
      );
    });

    it('gives the same bytes whatever order the lists were given in, and an empty field for no Member State', () => {
      const shuffled = { ...order, surfaces: [...order.surfaces].reverse(), targets: { ...order.targets, users: [...order.targets.users].reverse() } };
      expect(registrationTermsBytes({ order: shuffled, memberState: 'DE' })).toEqual(registrationTermsBytes({ order, memberState: 'DE' }));
      expect(text(registrationTermsBytes({ order, memberState: null }))).toContain('\n16 Az. 12 Gs 345/26\n0 \n2\n');
    });
  });

  describe('when an end is encoded', () => {
    it('writes the order id, the end time and the reason (empty without one)', () => {
      expect(text(endTermsBytes({ orderId: 'DE-2026-0001', endedAt: 5, reason: 'revoked' }))).toBe('3 end\n12 DE-2026-0001\n1 5\n7 revoked\n');
      expect(text(endTermsBytes({ orderId: 'DE-2026-0001', endedAt: 5, reason: null }))).toBe('3 end\n12 DE-2026-0001\n1 5\n0 \n');
    });
  });

  describe('when the commitment and the leaf are computed', () => {
    const salt = new Uint8Array(32).fill(7);
    const terms = endTermsBytes({ orderId: 'X', endedAt: 1, reason: null });

    it('hashes the domain, LF, the salt and the terms', () => {
      const expected = createHash('sha256').update(Buffer.concat([Buffer.from('hashfeed-order-commit-v1\n'), salt, terms])).digest();
      expect(Buffer.from(orderCommitment(salt, terms))).toEqual(expected);
    });

    it('changes with the salt, so the terms cannot be guessed from the log', () => {
      expect(orderCommitment(new Uint8Array(32).fill(8), terms)).not.toEqual(orderCommitment(salt, terms));
    });

    it('writes the leaf as its domain, kind, order number and time, then the 32 commitment bytes', () => {
      const commitment = orderCommitment(salt, terms);
      const leaf = encodeOrderLeaf({ kind: 'order-end', orderNumber: 3, committedAt: 1_790_000_000_000, commitment });
      expect(Buffer.from(leaf)).toEqual(Buffer.concat([Buffer.from('hashfeed-order-leaf-v1\norder-end\n3\n1790000000000\n'), commitment]));
    });

    it.each([
      ['a salt of 31 bytes', () => orderCommitment(new Uint8Array(31), terms)],
      ['a commitment of 31 bytes', () => encodeOrderLeaf({ kind: 'order', orderNumber: 1, committedAt: 1, commitment: new Uint8Array(31) })],
      ['a negative order number', () => encodeOrderLeaf({ kind: 'order', orderNumber: -1, committedAt: 1, commitment: new Uint8Array(32) })],
      ['a fractional end time', () => endTermsBytes({ orderId: 'X', endedAt: 1.5, reason: null })],
    ])('refuses %s', (_, encode) => {
      expect(codeOf(encode)).toBe('WIRE_BAD_FIELD');
    });
  });
});
