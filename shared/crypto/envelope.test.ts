import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodedError } from '../errors.ts';
import { decodeEnvelope, encodeEnvelope, preAuthEncoding, signEnvelope, verifyEnvelope, verifyEnvelopeSigners, type Envelope } from './envelope.ts';
import { EnvelopeError } from './errors.ts';
import { SIGNATURE_TYPE_COSIGNATURE_V1 } from './key-id.ts';
import { packMsgpack } from './msgpack.ts';
import { generateSigningKey } from './signing-key.ts';
import { thrown } from '../testing/code-of.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const TYPE = 'hashfeed/test/v1';
const alice = generateSigningKey('hashfeed.example/alice');
const bob = generateSigningKey('hashfeed.example/bob');
const mallory = generateSigningKey('evil.example/mallory');

describe('preAuthEncoding', () => {
  it('is "hashfeed-envelope-v1 <len type> <type> <len payload> <payload>" byte for byte', () => {
    expect(Buffer.from(preAuthEncoding('hashfeed/x', text('hi'))).toString('latin1')).toBe('hashfeed-envelope-v1 10 hashfeed/x 2 hi');
    expect(Buffer.from(preAuthEncoding('t', new Uint8Array(0))).toString('latin1')).toBe('hashfeed-envelope-v1 1 t 0 ');
    const binary = new Uint8Array([0, 255, 32, 10]);
    expect(preAuthEncoding('t', binary)).toEqual(new Uint8Array([...text('hashfeed-envelope-v1 1 t 4 '), ...binary]));
  });

  it('separates type from payload unambiguously', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 8 }), fc.uint8Array({ maxLength: 16 }), fc.string({ minLength: 1, maxLength: 8 }), fc.uint8Array({ maxLength: 16 }), (t1, p1, t2, p2) => {
        fc.pre(t1 !== t2 || Buffer.compare(p1, p2) !== 0);
        expect(Buffer.compare(preAuthEncoding(t1, p1), preAuthEncoding(t2, p2))).not.toBe(0);
      }),
    );
  });
});

describe('signEnvelope and verifyEnvelope', () => {
  describe('when the envelope is intact and signed by a trusted key', () => {
    it('returns the exact payload bytes, from the encoded or the decoded form', () => {
      const payload = new Uint8Array([0x81, 0xa1, 0x61, 0x01]);
      const envelope = signEnvelope(TYPE, payload, [alice]);
      expect(envelope.signatures).toEqual([{ keyId: alice.keyIdHex, sig: expect.any(Uint8Array) }]);
      expect(verifyEnvelope(encodeEnvelope(envelope), TYPE, [alice.verifier])).toEqual(payload);
      expect(verifyEnvelope(envelope, TYPE, [alice.verifier])).toEqual(payload);
    });

    it('ignores signatures by unknown keys', () => {
      const encoded = encodeEnvelope(signEnvelope(TYPE, text('x'), [mallory, alice]));
      expect(verifyEnvelopeSigners(encoded, TYPE, [alice.verifier]).signedBy.map((k) => k.name)).toEqual(['hashfeed.example/alice']);
    });

    it('meets a threshold of distinct trusted keys', () => {
      const encoded = encodeEnvelope(signEnvelope(TYPE, text('x'), [alice, bob]));
      expect(verifyEnvelope(encoded, TYPE, [alice.verifier, bob.verifier], { threshold: 2 })).toEqual(text('x'));
      const one = encodeEnvelope(signEnvelope(TYPE, text('x'), [alice]));
      expect(thrown(() => verifyEnvelope(one, TYPE, [alice.verifier, bob.verifier], { threshold: 2 }))).toHaveProperty('code', 'ENVELOPE_THRESHOLD_NOT_MET');
    });

    it('counts a key listed twice among the signatures once', () => {
      const envelope = signEnvelope(TYPE, text('x'), [alice]);
      const doubled: Envelope = { ...envelope, signatures: [...envelope.signatures, ...envelope.signatures] };
      expect(thrown(() => verifyEnvelope(doubled, TYPE, [alice.verifier, bob.verifier], { threshold: 2 }))).toHaveProperty('code', 'ENVELOPE_THRESHOLD_NOT_MET');
    });
  });

  describe('when verification must fail', () => {
    const envelope = signEnvelope(TYPE, text('payload'), [alice]);
    const firstSig = envelope.signatures[0];
    if (firstSig === undefined) throw new Error('no signature');
    const flipped = Uint8Array.from(firstSig.sig);
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    const cases: [string, Envelope, string, string][] = [
      ['the payload type differs from the expected one', envelope, 'hashfeed/other/v1', 'ENVELOPE_WRONG_TYPE'],
      ['the payload was altered', { ...envelope, payload: text('payloaD') }, TYPE, 'ENVELOPE_BAD_SIGNATURE'],
      ['the payload type was altered after signing', { ...envelope, payloadType: 'hashfeed/test/v2' }, 'hashfeed/test/v2', 'ENVELOPE_BAD_SIGNATURE'],
      ['the signature has a flipped bit', { ...envelope, signatures: [{ keyId: firstSig.keyId, sig: flipped }] }, TYPE, 'ENVELOPE_BAD_SIGNATURE'],
      ['another key signed under the trusted key ID', { ...envelope, signatures: [{ keyId: alice.keyIdHex, sig: mallory.sign(preAuthEncoding(TYPE, text('payload'))) }] }, TYPE, 'ENVELOPE_BAD_SIGNATURE'],
      ['a trusted signature sits beside a bad one by the same key', { ...envelope, signatures: [firstSig, { keyId: firstSig.keyId, sig: flipped }] }, TYPE, 'ENVELOPE_BAD_SIGNATURE'],
      ['only an untrusted key signed', signEnvelope(TYPE, text('payload'), [mallory]), TYPE, 'ENVELOPE_UNTRUSTED_KEY'],
      ['the signature is the raw payload signature, not over the PAE', { ...envelope, signatures: [{ keyId: alice.keyIdHex, sig: alice.sign(text('payload')) }] }, TYPE, 'ENVELOPE_BAD_SIGNATURE'],
    ];
    it.each(cases)('rejects it when %s', (_, bad, expectedType, code) => {
      for (const input of [bad, encodeEnvelope(bad)]) {
        const error = thrown(() => verifyEnvelope(input, expectedType, [alice.verifier, bob.verifier]));
        expect(error).toBeInstanceOf(EnvelopeError);
        expect(error).toHaveProperty('code', code);
      }
    });

    it('refuses a cosignature key as a trusted key (KEY_WRONG_TYPE)', () => {
      const witness = generateSigningKey('w.example', { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 });
      expect(thrown(() => verifyEnvelope(envelope, TYPE, [witness.verifier]))).toHaveProperty('code', 'KEY_WRONG_TYPE');
      expect(thrown(() => signEnvelope(TYPE, text('x'), [witness]))).toHaveProperty('code', 'KEY_WRONG_TYPE');
    });
  });
});

describe('decodeEnvelope', () => {
  const good = signEnvelope(TYPE, text('payload'), [alice]);
  const sig = good.signatures[0]?.sig ?? new Uint8Array(64);
  const goodFields = { payloadType: TYPE, payload: text('payload'), signatures: [{ keyId: alice.keyIdHex, sig }] };
  const encoded = encodeEnvelope(good);
  const malformedCases: [string, Uint8Array][] = [
    ['empty input', new Uint8Array(0)],
    ['truncated input', encoded.subarray(0, encoded.length - 1)],
    ['trailing bytes', new Uint8Array([...encoded, 0xc0])],
    ['an array instead of a map', packMsgpack([TYPE, text('p'), []])],
    ['an unknown field', packMsgpack({ ...goodFields, extra: 1 })],
    ['a missing payload', packMsgpack({ payloadType: TYPE, signatures: goodFields.signatures })],
    ['a string payload', packMsgpack({ ...goodFields, payload: 'payload' })],
    ['a payload type with a space', packMsgpack({ ...goodFields, payloadType: 'a b' })],
    ['an empty payload type', packMsgpack({ ...goodFields, payloadType: '' })],
    ['no signatures', packMsgpack({ ...goodFields, signatures: [] })],
    ['17 signatures', packMsgpack({ ...goodFields, signatures: Array.from({ length: 17 }, () => goodFields.signatures[0]) })],
    // A leading 'A': a random key ID may hold only digits, which upper-casing leaves valid.
    ['an upper-case key ID', packMsgpack({ ...goodFields, signatures: [{ keyId: `A${alice.keyIdHex.slice(1).toUpperCase()}`, sig }] })],
    ['a key ID as bytes', packMsgpack({ ...goodFields, signatures: [{ keyId: Buffer.from(alice.keyIdHex, 'hex'), sig }] })],
    ['a 63-byte signature', packMsgpack({ ...goodFields, signatures: [{ keyId: alice.keyIdHex, sig: sig.subarray(1) }] })],
    ['an unknown signature field', packMsgpack({ ...goodFields, signatures: [{ keyId: alice.keyIdHex, sig, at: 1 }] })],
    ['a nested map for the payload', packMsgpack({ ...goodFields, payload: { a: 1 } })],
  ];
  it.each(malformedCases)('rejects %s with ENVELOPE_MALFORMED', (_, bytes) => {
    const error = thrown(() => decodeEnvelope(bytes));
    expect(error).toBeInstanceOf(EnvelopeError);
    expect(error).toHaveProperty('code', 'ENVELOPE_MALFORMED');
  });

  it('rejects input over the size cap with ENVELOPE_TOO_LARGE before decoding', () => {
    expect(thrown(() => decodeEnvelope(encoded, encoded.byteLength - 1))).toHaveProperty('code', 'ENVELOPE_TOO_LARGE');
    expect(decodeEnvelope(encoded, encoded.byteLength).payloadType).toBe(TYPE);
  });

  it('throws only EnvelopeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        try {
          decodeEnvelope(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(EnvelopeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never verifies a different payload after a bit flip anywhere in the encoding', () => {
    const payload = text('the list of hashes');
    const bytes = encodeEnvelope(signEnvelope(TYPE, payload, [alice]));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.byteLength * 8 - 1 }), (bit) => {
        const mutated = Uint8Array.from(bytes);
        mutated[bit >> 3] = (mutated[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        let verified: Uint8Array;
        try {
          verified = verifyEnvelope(mutated, TYPE, [alice.verifier]);
        } catch (error) {
          expect(error).toBeInstanceOf(CodedError);
          return;
        }
        expect(verified).toEqual(payload);
      }),
      { numRuns: 1000 },
    );
  });
});
