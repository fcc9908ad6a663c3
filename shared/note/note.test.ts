import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, parseVerifierKey } from '../crypto/index.ts';
import { vectorsDir } from '../testing/vectors.ts';
import { NoteError } from './errors.ts';
import { formatNote, parseNote } from './note.ts';
import { signNote } from './sign.ts';
import { verifyNote } from './verify.ts';
import { thrown } from '../testing/code-of.ts';

function signedNoteVector(): { vkey: string; note: string; noteText: string } | null {
  const dir = vectorsDir('signed-note');
  if (dir === null) return null;
  const parsed: unknown = JSON.parse(readFileSync(join(dir, 'signed-note-example.json'), 'utf8'));
  const get = (name: string): string => {
    const value: unknown = typeof parsed === 'object' && parsed !== null ? Object.getOwnPropertyDescriptor(parsed, name)?.value : undefined;
    if (typeof value !== 'string') throw new Error(`signed-note vector lacks ${name}`);
    return value;
  };
  return { vkey: get('vkey'), noteText: get('noteText'), note: readFileSync(join(dir, 'example-note.txt'), 'utf8') };
}

const vector = signedNoteVector();

describe('signed notes', () => {
  describe.skipIf(vector === null)('with the C2SP signed-note example', () => {
    const v = vector ?? { vkey: '', note: '', noteText: '' };

    it('parses the note into its text and one signature by example.com/foo', () => {
      const note = parseNote(v.note);
      expect(note.text).toBe(v.noteText);
      expect(note.signatures).toHaveLength(1);
      expect(note.signatures[0]?.name).toBe('example.com/foo');
      expect(Buffer.from(note.signatures[0]?.keyId ?? []).toString('hex')).toBe('530d903a');
    });

    it('verifies it under the example verifier key', () => {
      const key = parseVerifierKey(v.vkey);
      const verified = verifyNote(v.note, [key]);
      expect(verified.text).toBe('This is an example message.\n');
      expect(verified.verified.map((s) => s.key.text)).toEqual([v.vkey]);
    });

    it('formats it back to the same bytes', () => {
      expect(formatNote(parseNote(v.note))).toBe(v.note);
    });

    it('rejects it when the text is altered (NOTE_BAD_SIGNATURE)', () => {
      const altered = v.note.replace('example message', 'exemplary message');
      expect(thrown(() => verifyNote(altered, [parseVerifierKey(v.vkey)]))).toHaveProperty('code', 'NOTE_BAD_SIGNATURE');
    });

    it('ignores it under a key sharing only the name or only the key ID (NOTE_UNVERIFIED)', () => {
      const sameName = generateSigningKey('example.com/foo').verifier;
      expect(thrown(() => verifyNote(v.note, [sameName]))).toHaveProperty('code', 'NOTE_UNVERIFIED');
      const example = parseVerifierKey(v.vkey);
      const renamed = v.note.replace('— example.com/foo ', '— example.com/bar ');
      expect(thrown(() => verifyNote(renamed, [example]))).toHaveProperty('code', 'NOTE_UNVERIFIED');
    });
  });

  describe('when signed here', () => {
    const log = generateSigningKey('hashfeed.example/log');
    const other = generateSigningKey('other.example/log');
    const text = 'first line\n\nafter an empty line\n';

    it('verifies, keeps empty lines in the text, and ignores unknown signers', () => {
      const note = signNote(text, [other, log]);
      const verified = verifyNote(note, [log.verifier]);
      expect(verified.text).toBe(text);
      expect(verified.signatures).toHaveLength(2);
      expect(verified.verified.map((s) => s.key.name)).toEqual(['hashfeed.example/log']);
    });

    it('rejects the whole note when any known key signature fails, even beside a good one', () => {
      const good = parseNote(signNote(text, [log]));
      const first = good.signatures[0];
      if (first === undefined) throw new Error('no signature');
      const bad = { ...first, signature: Uint8Array.from(first.signature, (b, i) => (i === 0 ? b ^ 1 : b)) };
      const note = formatNote({ text, signatures: [first, bad] });
      expect(thrown(() => verifyNote(note, [log.verifier]))).toHaveProperty('code', 'NOTE_BAD_SIGNATURE');
    });

    it('round-trips arbitrary printable text', () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (body) => {
          const clean = `${body.replace(/[\x00-\x1f]/g, ' ')}\n`;
          const note = signNote(clean, [log]);
          expect(verifyNote(note, [log.verifier]).text).toBe(clean);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('when parsing malformed notes', () => {
    const log = generateSigningKey('hashfeed.example/log');
    const good = signNote('hello\n', [log]);
    const line = good.slice('hello\n\n'.length);
    const b64 = line.slice(line.lastIndexOf(' ') + 1, -1);
    const cases: [string, string | Uint8Array, string][] = [
      ['no blank line', `hello\n${line}`, 'NOTE_MALFORMED'],
      ['no signatures', 'hello\n\n', 'NOTE_MALFORMED'],
      ['no final newline', good.slice(0, -1), 'NOTE_MALFORMED'],
      ['a hyphen instead of an em dash', good.replace('\u2014', '-'), 'NOTE_MALFORMED'],
      ['an en dash instead of an em dash', good.replace('\u2014', '\u2013'), 'NOTE_MALFORMED'],
      ['two spaces after the dash', good.replace('\u2014 ', '\u2014  '), 'NOTE_MALFORMED'],
      ['a third field', good.replace(/\n$/, ' extra\n'), 'NOTE_MALFORMED'],
      ['a carriage return', good.replace('hello\n', 'hello\r\n'), 'NOTE_MALFORMED'],
      ['a tab in the text', good.replace('hello', 'hel\tlo'), 'NOTE_MALFORMED'],
      ['a NUL byte', good.replace('hello', 'hel\0lo'), 'NOTE_MALFORMED'],
      ['invalid UTF-8', new Uint8Array([...Buffer.from('hel'), 0xff, ...Buffer.from(good.slice(3))]), 'NOTE_MALFORMED'],
      ['non-canonical base64', good.replace(b64, b64.replace(/=*$/, '')), 'NOTE_MALFORMED'],
      ['a 4-byte signature', good.replace(b64, Buffer.from(b64, 'base64').subarray(0, 4).toString('base64')), 'NOTE_MALFORMED'],
      ['too many signatures', `hello\n\n${line.repeat(65)}`, 'NOTE_TOO_LARGE'],
      ['too many bytes', `${'x'.repeat(70_000)}\n\n${line}`, 'NOTE_TOO_LARGE'],
    ];
    it.each(cases)('rejects %s with %s', (_, input, code) => {
      const error = thrown(() => parseNote(input));
      expect(error).toBeInstanceOf(NoteError);
      expect(error).toHaveProperty('code', code);
    });

    it('splits at the last blank line, so signature-like lines above it are text', () => {
      const note = parseNote(`${good}\n${line}`);
      expect(note.text).toBe(`hello\n\n${line}`);
      expect(note.signatures).toHaveLength(1);
      expect(thrown(() => verifyNote(`${good}\n${line}`, [log.verifier]))).toHaveProperty('code', 'NOTE_BAD_SIGNATURE');
    });

    it('accepts 16 signatures, the minimum the spec requires', () => {
      const keys = Array.from({ length: 16 }, (_, i) => generateSigningKey(`k${i}.example`));
      expect(verifyNote(signNote('x\n', keys), keys.map((k) => k.verifier)).verified).toHaveLength(16);
    });

    it('throws only NoteError on arbitrary input', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }).map((b) => b)), (input) => {
          try {
            parseNote(input);
          } catch (error) {
            expect(error).toBeInstanceOf(NoteError);
          }
        }),
        { numRuns: 2000 },
      );
    });

    it('throws only NoteError on mutations of a valid note', () => {
      const bytes = Buffer.from(good, 'utf8');
      fc.assert(
        fc.property(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
          const mutated = Uint8Array.from(bytes);
          mutated[at] = value;
          try {
            const verified = verifyNote(mutated, [log.verifier]);
            expect(verified.text).toBe('hello\n');
          } catch (error) {
            expect(error).toBeInstanceOf(NoteError);
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});
