import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from '../testing/vectors.ts';
import { computeKeyId, SIGNATURE_TYPE_COSIGNATURE_V1, SIGNATURE_TYPE_ED25519 } from './key-id.ts';
import { CryptoError } from './errors.ts';
import { generateSigningKey } from './signing-key.ts';
import { parseVerifierKey, VerifierKey } from './verifier-key.ts';
import { thrown } from '../testing/code-of.ts';

function signedNoteExample(): { vkey: string } | null {
  const dir = vectorsDir('signed-note');
  if (dir === null) return null;
  const parsed: unknown = JSON.parse(readFileSync(join(dir, 'signed-note-example.json'), 'utf8'));
  const vkey: unknown = typeof parsed === 'object' && parsed !== null ? Object.getOwnPropertyDescriptor(parsed, 'vkey')?.value : undefined;
  if (typeof vkey !== 'string') throw new Error('signed-note vector lacks vkey');
  return { vkey };
}

const example = signedNoteExample();

describe('parseVerifierKey', () => {
  describe.skipIf(example === null)('with the C2SP signed-note example key', () => {
    it('parses it, recomputing key ID 530d903a from the name and key', () => {
      const key = parseVerifierKey(example?.vkey);
      expect(key.name).toBe('example.com/foo');
      expect(key.keyIdHex).toBe('530d903a');
      expect(key.text).toBe(example?.vkey);
      expect(Buffer.from(computeKeyId('example.com/foo', SIGNATURE_TYPE_ED25519, key.publicKey)).toString('hex')).toBe('530d903a');
    });
  });

  describe('when given a key it produced', () => {
    it('round-trips name, type, public key and text', () => {
      const key = generateSigningKey('hashfeed.example/root').verifier;
      const parsed = parseVerifierKey(key.text);
      expect(parsed.equals(key)).toBe(true);
      expect(parsed.publicKey).toEqual(key.publicKey);
    });
    it('accepts an upper-case key ID and normalises it', () => {
      const key = generateSigningKey('hashfeed.example/root').verifier;
      const upper = `${key.name}+${key.keyIdHex.toUpperCase()}+${key.text.split('+').slice(2).join('+')}`;
      expect(parseVerifierKey(upper).text).toBe(key.text);
    });
  });

  describe('when the key is malformed', () => {
    const key = generateSigningKey('example.com/k').verifier;
    const b64 = key.text.slice(`${key.name}+${key.keyIdHex}+`.length);
    const raw = Buffer.from(b64, 'base64');
    const withType = (type: number): string => Buffer.concat([Buffer.from([type]), raw.subarray(1)]).toString('base64');
    it.each([
      ['not a string', null],
      ['empty', ''],
      ['only a name', 'example.com/k'],
      ['two parts', `example.com/k+${key.keyIdHex}`],
      ['empty name', `+${key.keyIdHex}+${b64}`],
      ['name with a space', `example .com/k+${key.keyIdHex}+${b64}`],
      ['name with NEL', `example\u0085.com/k+${key.keyIdHex}+${b64}`],
      ['7-digit key ID', `example.com/k+${key.keyIdHex.slice(1)}+${b64}`],
      ['non-hex key ID', `example.com/k+zzzzzzzz+${b64}`],
      ['key ID of another key', `example.com/k+${key.keyIdHex === 'ffffffff' ? '00000000' : 'ffffffff'}+${b64}`],
      ['key ID for another name', `example.com/other+${key.keyIdHex}+${b64}`],
      ['bad base64', `example.com/k+${key.keyIdHex}+${b64.slice(0, -1)}!`],
      ['32 bytes (no type byte)', `example.com/k+${key.keyIdHex}+${raw.subarray(1).toString('base64')}`],
      ['34 bytes', `example.com/k+${key.keyIdHex}+${Buffer.concat([raw, Buffer.from([0])]).toString('base64')}`],
      ['unassigned type byte 0x02', `example.com/k+${key.keyIdHex}+${withType(0x02)}`],
      ['overlong', `${'a'.repeat(1100)}+${key.keyIdHex}+${b64}`],
    ])('rejects %s with KEY_MALFORMED', (_, input) => {
      const error = thrown(() => parseVerifierKey(input));
      expect(error).toBeInstanceOf(CryptoError);
      expect(error).toHaveProperty('code', 'KEY_MALFORMED');
    });

    it('rejects a cosignature key (0x04) unless asked for, with KEY_WRONG_TYPE', () => {
      const witness = generateSigningKey('witness.example', { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 }).verifier;
      expect(thrown(() => parseVerifierKey(witness.text))).toHaveProperty('code', 'KEY_WRONG_TYPE');
      expect(parseVerifierKey(witness.text, { signatureTypes: [SIGNATURE_TYPE_COSIGNATURE_V1] }).signatureType).toBe(SIGNATURE_TYPE_COSIGNATURE_V1);
    });
  });
});

describe('VerifierKey', () => {
  describe('when the same public key carries another name or type', () => {
    it('has another key ID', () => {
      const publicKey = generateSigningKey('a.example').verifier.publicKey;
      const ids = new Set([
        new VerifierKey('a.example', publicKey).keyIdHex,
        new VerifierKey('b.example', publicKey).keyIdHex,
        new VerifierKey('a.example', publicKey, SIGNATURE_TYPE_COSIGNATURE_V1).keyIdHex,
      ]);
      expect(ids.size).toBe(3);
    });
  });
});
