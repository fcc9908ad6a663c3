import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from '../testing/vectors.ts';
import { CryptoError } from './errors.ts';
import { SIGNATURE_TYPE_COSIGNATURE_V1 } from './key-id.ts';
import { generateSigningKey, parseSignerKey, SigningKey } from './signing-key.ts';
import { parseVerifierKey } from './verifier-key.ts';
import { thrown } from '../testing/code-of.ts';

const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

interface Rfc8032Case {
  name: string;
  secretKeyHex: string;
  publicKeyHex: string;
  messageHex: string;
  signatureHex: string;
}

function rfc8032Cases(): Rfc8032Case[] {
  const dir = vectorsDir('ed25519');
  if (dir === null) return [];
  const parsed: unknown = JSON.parse(readFileSync(join(dir, 'ed25519_rfc8032_7.1.json'), 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || !('cases' in parsed) || !Array.isArray(parsed.cases)) throw new Error('unexpected vector file');
  return parsed.cases.map((c: unknown): Rfc8032Case => {
    if (typeof c !== 'object' || c === null) throw new Error('unexpected vector');
    const field = (name: string): string => {
      const value: unknown = Object.getOwnPropertyDescriptor(c, name)?.value;
      if (typeof value !== 'string') throw new Error(`vector lacks ${name}`);
      return value;
    };
    return { name: field('name'), secretKeyHex: field('secretKeyHex'), publicKeyHex: field('publicKeyHex'), messageHex: field('messageHex'), signatureHex: field('signatureHex') };
  });
}

const cases = rfc8032Cases();

describe('SigningKey', () => {
  describe.skipIf(cases.length === 0)('with the RFC 8032 section 7.1 vectors', () => {
    it('has three vectors to check', () => {
      expect(cases).toHaveLength(3);
    });
    it.each(cases)('$name: derives the public key, signs and verifies', (vector) => {
      const key = SigningKey.fromSeed('rfc8032.example/test', hex(vector.secretKeyHex));
      expect(Buffer.from(key.verifier.publicKey).toString('hex')).toBe(vector.publicKeyHex);
      const signature = key.sign(hex(vector.messageHex));
      expect(Buffer.from(signature).toString('hex')).toBe(vector.signatureHex);
      expect(key.verifier.verify(hex(vector.messageHex), hex(vector.signatureHex))).toBe(true);
    });
    it.each(cases)('$name: rejects the signature over another message or with a flipped bit', (vector) => {
      const key = SigningKey.fromSeed('rfc8032.example/test', hex(vector.secretKeyHex));
      const signature = hex(vector.signatureHex);
      expect(key.verifier.verify(hex(`${vector.messageHex}00`), signature)).toBe(false);
      for (const bit of [0, 100, 511]) {
        const bad = Uint8Array.from(signature);
        bad[bit >> 3] = (bad[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(key.verifier.verify(hex(vector.messageHex), bad)).toBe(false);
      }
      expect(key.verifier.verify(hex(vector.messageHex), signature.subarray(0, 63))).toBe(false);
    });
  });

  describe('when encoded as a C2SP signer key string', () => {
    it('round-trips through parseSignerKey to the same key', () => {
      const key = generateSigningKey('hashfeed.example/feed-1');
      const text = key.exportSignerKey();
      expect(text).toMatch(/^PRIVATE\+KEY\+hashfeed\.example\/feed-1\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
      const parsed = parseSignerKey(text);
      expect(parsed.verifier.text).toBe(key.verifier.text);
      const message = new TextEncoder().encode('hello');
      expect(key.verifier.verify(message, parsed.sign(message))).toBe(true);
    });

    it('keeps the cosignature type byte', () => {
      const key = generateSigningKey('witness.example/w1', { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 });
      const parsed = parseSignerKey(key.exportSignerKey());
      expect(parsed.signatureType).toBe(SIGNATURE_TYPE_COSIGNATURE_V1);
      expect(parseVerifierKey(key.verifier.text, { signatureTypes: [SIGNATURE_TYPE_COSIGNATURE_V1] }).equals(key.verifier)).toBe(true);
    });

    it('lays out name, key ID, type byte 0x01 and the seed', () => {
      const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
      const key = SigningKey.fromSeed('test', seed);
      const [, , name, id, b64] = key.exportSignerKey().split('+', 5);
      expect(name).toBe('test');
      expect(id).toBe(key.keyIdHex);
      expect(Buffer.from(b64 ?? '', 'base64').subarray(1).equals(Buffer.from(seed))).toBe(true);
      expect(Buffer.from(b64 ?? '', 'base64')[0]).toBe(0x01);
    });
  });

  describe('when parsing a malformed signer key', () => {
    const good = generateSigningKey('example.com/k');
    const text = good.exportSignerKey();
    const [, , name = '', id = '', b64 = ''] = text.split('+');
    const seedB64 = text.slice(`PRIVATE+KEY+${name}+${id}+`.length);
    const shortSeed = Buffer.concat([Buffer.from([1]), Buffer.alloc(31)]).toString('base64');
    const wrongType = Buffer.concat([Buffer.from([2]), Buffer.from(seedB64, 'base64').subarray(1)]).toString('base64');
    const otherId = id === '00000000' ? '00000001' : '00000000';
    it.each([
      ['not a string', 42],
      ['no prefix', `${name}+${id}+${seedB64}`],
      ['lower-case prefix', `private+key+${name}+${id}+${seedB64}`],
      ['missing key', `PRIVATE+KEY+${name}+${id}`],
      ['empty name', `PRIVATE+KEY++${id}+${seedB64}`],
      ['name with a space', `PRIVATE+KEY+a b+${id}+${seedB64}`],
      ['short key id', `PRIVATE+KEY+${name}+${id.slice(1)}+${seedB64}`],
      ['wrong key id', `PRIVATE+KEY+${name}+${otherId}+${seedB64}`],
      ['base64 with stray padding', `PRIVATE+KEY+${name}+${id}+${seedB64}==`],
      ['url-safe base64', `PRIVATE+KEY+${name}+${id}+_${seedB64.slice(1)}`],
      ['31-byte seed', `PRIVATE+KEY+${name}+${id}+${shortSeed}`],
      ['unknown type byte', `PRIVATE+KEY+${name}+${id}+${wrongType}`],
      ['trailing newline', `${text}\n`],
      ['huge', `PRIVATE+KEY+${'a'.repeat(2000)}+${id}+${seedB64}`],
    ])('rejects %s with KEY_MALFORMED and does not echo the input', (_, input) => {
      expect(b64.length).toBeGreaterThan(0);
      const error = thrown(() => parseSignerKey(input));
      expect(error).toBeInstanceOf(CryptoError);
      expect(error).toHaveProperty('code', 'KEY_MALFORMED');
      const message = error instanceof Error ? `${error.message} ${String(error.cause)}` : '';
      expect(message).not.toContain(seedB64.slice(0, 20));
    });
  });

  describe('when printed, logged or serialised', () => {
    it('shows only the public half', () => {
      const key = generateSigningKey('example.com/secret');
      const secret = key.exportSignerKey().split('+').slice(4).join('+');
      const seedB64 = Buffer.from(secret, 'base64').subarray(1).toString('base64');
      for (const shown of [inspect(key, { showHidden: true, depth: 5 }), JSON.stringify(key), String(key), JSON.stringify({ nested: [key] })]) {
        expect(shown).not.toContain(secret.slice(0, 16));
        expect(shown).not.toContain(seedB64.slice(0, 16));
        expect(shown).toContain(key.verifier.text);
      }
    });
  });

  describe('when created with a bad name', () => {
    it.each(['', 'a+b', 'a b', 'tab\there', 'nl\nhere', '\u00a0nbsp', 'x'.repeat(256)])('rejects %j with KEY_NAME_INVALID', (name) => {
      expect(thrown(() => generateSigningKey(name))).toHaveProperty('code', 'KEY_NAME_INVALID');
    });
    it('accepts a non-ASCII name without spaces', () => {
      expect(generateSigningKey('sénat.example/clé').name).toBe('sénat.example/clé');
    });
  });
});
