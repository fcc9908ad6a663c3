import { describe, expect, it } from 'vitest';
import { thrown } from '../testing/code-of.ts';
import { encodeMsgpack } from './codec.ts';
import { decodeEnvelope } from '../crypto/index.ts';
import { exactRecord } from './guards.ts';

const LONG = 'k'.repeat(200_000);

describe('exactRecord', () => {
  describe('when a decoded map has a long unknown field name', () => {
    it('refuses it with a message that quotes only its start', () => {
      const err = thrown(() => exactRecord({ [LONG]: 1 }, 'report', []));
      expect(err).toMatchObject({ code: 'WIRE_UNKNOWN_FIELD' });
      expect(err instanceof Error ? err.message.length : Infinity).toBeLessThan(300);
    });
  });
});

describe('decodeEnvelope', () => {
  describe('when an envelope has a long unknown field name', () => {
    it('refuses it with a message that quotes only its start', () => {
      const bytes = encodeMsgpack({ payloadType: 't', payload: new Uint8Array(1), signatures: [], [LONG]: 1 });
      const err = thrown(() => decodeEnvelope(bytes, 1 << 20));
      expect(err).toMatchObject({ code: 'ENVELOPE_MALFORMED' });
      expect(err instanceof Error ? err.message.length : Infinity).toBeLessThan(300);
    });
  });
});
