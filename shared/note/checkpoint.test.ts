import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NoteError } from './errors.ts';
import { feedOrigin, formatCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.ts';
import { thrown } from '../testing/code-of.ts';

const root = new Uint8Array(32).fill(7);
const rootB64 = Buffer.from(root).toString('base64');

describe('checkpoints', () => {
  describe('formatCheckpoint', () => {
    it('writes origin, size and base64 root hash, one per line, each ending in a newline', () => {
      expect(formatCheckpoint({ origin: 'hashfeed/eu-known', size: 5, rootHash: root, extensions: [] })).toBe(`hashfeed/eu-known\n5\n${rootB64}\n`);
      expect(formatCheckpoint({ origin: 'o', size: 0, rootHash: root, extensions: ['ext one'] })).toBe(`o\n0\n${rootB64}\next one\n`);
    });

    it('round-trips through parseCheckpoint', () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\n')),
          fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.array(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\n')), { maxLength: 3 }),
          (origin, size, rootHash, extensions) => {
            const checkpoint: Checkpoint = { origin, size, rootHash, extensions };
            const parsed = parseCheckpoint(formatCheckpoint(checkpoint));
            expect(parsed).toEqual({ origin, size, rootHash: new Uint8Array(rootHash), extensions });
          },
        ),
      );
    });
  });

  describe('parseCheckpoint', () => {
    it('reads the tlog-checkpoint specification example', () => {
      const parsed = parseCheckpoint('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n');
      expect(parsed.origin).toBe('example.com/behind-the-sofa');
      expect(parsed.size).toBe(20852163);
      expect(parsed.rootHash).toHaveLength(32);
      expect(parsed.extensions).toEqual([]);
    });

    it.each([
      ['two lines', `o\n5\n`],
      ['no final newline', `o\n5\n${rootB64}`],
      ['an empty origin', `\n5\n${rootB64}\n`],
      ['a leading zero', `o\n05\n${rootB64}\n`],
      ['a sign', `o\n+5\n${rootB64}\n`],
      ['a negative size', `o\n-1\n${rootB64}\n`],
      ['an exponent', `o\n1e3\n${rootB64}\n`],
      ['a size beyond 2^53 - 1', `o\n9007199254740992\n${rootB64}\n`],
      ['a 31-byte root', `o\n5\n${Buffer.alloc(31).toString('base64')}\n`],
      ['unpadded base64', `o\n5\n${rootB64.replace(/=+$/, '')}\n`],
      ['url-safe base64', `o\n5\n${rootB64.replace(/\//g, '_').replace(/^./, '_')}\n`],
      ['an empty extension line', `o\n5\n${rootB64}\n\n`],
    ])('rejects %s with CHECKPOINT_MALFORMED', (_, text) => {
      const error = thrown(() => parseCheckpoint(text));
      expect(error).toBeInstanceOf(NoteError);
      expect(error).toHaveProperty('code', 'CHECKPOINT_MALFORMED');
    });
  });

  describe('feedOrigin', () => {
    it('prefixes hashfeed/', () => {
      expect(feedOrigin('eu-known-csam')).toBe('hashfeed/eu-known-csam');
    });
    it.each(['', 'a b', 'a+b', 'a\nb'])('refuses the feed name %j', (name) => {
      expect(thrown(() => feedOrigin(name))).toHaveProperty('code', 'CHECKPOINT_MALFORMED');
    });
  });
});
