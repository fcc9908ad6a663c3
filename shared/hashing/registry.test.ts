import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HashFormatError } from './algorithm.ts';
import type { HashFormatCode } from './algorithm.ts';
import { md5Digest, sha256Digest } from './exact.ts';
import { ALGORITHMS, VIDEO_ALGORITHMS, getAlgorithm, isAlgorithmName, isVideoAlgorithmName, md5, pdq, sha256, vpdq, vpdqVideo } from './registry.ts';

function codeOf(fn: () => unknown): HashFormatCode | 'no error' {
  try {
    fn();
    return 'no error';
  } catch (error) {
    if (error instanceof HashFormatError) return error.code;
    throw error;
  }
}

describe('the hash algorithm registry', () => {
  it('names the algorithms with their stable names and sizes (vpdq: one frame of a video)', () => {
    expect(ALGORITHMS.map((a) => [a.name, a.bits, a.kind])).toEqual([
      ['pdq', 256, 'perceptual'],
      ['phash64', 64, 'perceptual'],
      ['dhash64', 64, 'perceptual'],
      ['md5', 128, 'exact'],
      ['sha256', 256, 'exact'],
      ['vpdq', 256, 'perceptual'],
    ]);
  });

  it("uses Meta's PDQ operating point: match at distance <= 31, discard quality < 50", () => {
    expect(pdq.defaultThreshold).toBe(31);
    expect(pdq.qualityFloor).toBe(50);
  });

  describe('getAlgorithm', () => {
    it('finds every algorithm by name', () => {
      for (const a of ALGORITHMS) {
        expect(getAlgorithm(a.name)).toBe(a);
        expect(isAlgorithmName(a.name)).toBe(true);
      }
    });

    it.each([['PDQ'], ['sha1'], [''], [42], [null], [undefined]])('refuses %j with HASH_UNKNOWN_ALGORITHM', (name) => {
      expect(codeOf(() => getAlgorithm(name))).toBe('HASH_UNKNOWN_ALGORITHM');
      expect(isAlgorithmName(name)).toBe(false);
    });
  });

  describe.each(ALGORITHMS.map((a) => [a.name, a] as const))('%s', (_name, algorithm) => {
    const bytes = fc.uint8Array({ minLength: algorithm.bits / 8, maxLength: algorithm.bits / 8 });

    it('parses and formats its examples unchanged', () => {
      expect(algorithm.examples.length).toBeGreaterThan(0);
      for (const hex of algorithm.examples) {
        expect(algorithm.format(algorithm.parse(hex))).toBe(hex);
        expect(algorithm.parse(hex.toUpperCase())).toEqual(algorithm.parse(hex));
      }
    });

    it('round-trips any value through hex, lower-case, bits/4 digits', () => {
      fc.assert(
        fc.property(bytes, (value) => {
          const hex = algorithm.format(value);
          expect(hex).toMatch(new RegExp(`^[0-9a-f]{${algorithm.bits / 4}}$`));
          expect(algorithm.parse(hex)).toEqual(value);
          expect(algorithm.parse(hex.toUpperCase())).toEqual(value);
        }),
      );
    });

    it('reads hex as a big-endian number: the first digit is the top nibble of the first byte', () => {
      const hex = `8${'0'.repeat(algorithm.bits / 4 - 1)}`;
      const value = algorithm.parse(hex);
      expect(value[0]).toBe(0x80);
      expect(value.slice(1).every((b) => b === 0)).toBe(true);
    });

    it('has a distance that is a metric', () => {
      fc.assert(
        fc.property(bytes, bytes, bytes, (a, b, c) => {
          const d = algorithm.distance;
          expect(d(a, a)).toBe(0);
          expect(d(a, b)).toBe(d(b, a));
          expect(d(a, b) === 0).toBe(algorithm.format(a) === algorithm.format(b));
          expect(d(a, c)).toBeLessThanOrEqual(d(a, b) + d(b, c));
          expect(d(a, b)).toBeGreaterThanOrEqual(0);
          expect(d(a, b)).toBeLessThanOrEqual(algorithm.bits);
        }),
      );
    });

    if (algorithm.kind === 'perceptual') {
      it('counts differing bits', () => {
        fc.assert(
          fc.property(bytes, fc.uniqueArray(fc.nat(algorithm.bits - 1), { maxLength: 40 }), (a, flips) => {
            const b = Uint8Array.from(a);
            for (const bit of flips) b[bit >> 3]! ^= 1 << (bit & 7);
            expect(algorithm.distance(a, b)).toBe(flips.length);
          }),
        );
      });
    } else {
      it('compares exactly: 0 when equal, otherwise all its bits', () => {
        const a = algorithm.parse(algorithm.examples[0]);
        const b = Uint8Array.from(a);
        b[0]! ^= 1;
        expect(algorithm.distance(a, b)).toBe(algorithm.bits);
        expect(algorithm.defaultThreshold).toBe(0);
      });
    }

    describe('when given a malformed value', () => {
      const digits = algorithm.bits / 4;
      it.each([
        ['a number', 12345, 'HASH_NOT_STRING'],
        ['null', null, 'HASH_NOT_STRING'],
        ['bytes', new Uint8Array(algorithm.bits / 8), 'HASH_NOT_STRING'],
        ['an empty string', '', 'HASH_BAD_LENGTH'],
        ['one digit short', '0'.repeat(digits - 1), 'HASH_BAD_LENGTH'],
        ['one digit long', '0'.repeat(digits + 1), 'HASH_BAD_LENGTH'],
        ['a 0x prefix', `0x${'0'.repeat(digits - 2)}`, 'HASH_BAD_HEX'],
        ['a non-hex letter', `${'0'.repeat(digits - 1)}g`, 'HASH_BAD_HEX'],
        ['a space', ` ${'0'.repeat(digits - 1)}`, 'HASH_BAD_HEX'],
        ['a non-ASCII digit', `${'0'.repeat(digits - 1)}٣`, 'HASH_BAD_HEX'],
      ] as const)('refuses %s with %s', (_what, value, code) => {
        expect(codeOf(() => algorithm.parse(value))).toBe(code);
      });

      it('refuses any string of the wrong length or with a non-hex character', () => {
        fc.assert(
          fc.property(fc.string({ maxLength: digits + 8 }), (value) => {
            const valid = value.length === digits && /^[0-9a-fA-F]*$/.test(value);
            const code = codeOf(() => algorithm.parse(value));
            if (valid) expect(code).toBe('no error');
            else expect(code).toBe(value.length === digits ? 'HASH_BAD_HEX' : 'HASH_BAD_LENGTH');
          }),
        );
      });

      it('refuses to format or compare bytes of the wrong length', () => {
        const short = new Uint8Array(algorithm.bits / 8 - 1);
        expect(codeOf(() => algorithm.format(short))).toBe('HASH_BAD_LENGTH');
        expect(codeOf(() => algorithm.distance(short, short))).toBe('HASH_BAD_LENGTH');
      });
    });
  });

  describe('exact hash examples', () => {
    it('are the digests of "" and "abc"', () => {
      const inputs = [new Uint8Array(0), new TextEncoder().encode('abc')];
      expect(inputs.map((b) => md5.format(md5Digest(b)))).toEqual(md5.examples);
      expect(inputs.map((b) => sha256.format(sha256Digest(b)))).toEqual(sha256.examples);
    });
  });

  describe('video algorithms', () => {
    it('names vpdq, a list of vpdq frame hashes (PDQ) at the reference operating point', () => {
      expect(VIDEO_ALGORITHMS.map((a) => [a.name, a.kind, a.frame.name])).toEqual([['vpdq', 'video', 'vpdq']]);
      expect([vpdqVideo.defaultFrameThreshold, vpdqVideo.qualityFloor, vpdqVideo.defaultCandidateShare, vpdqVideo.defaultQueryShare, vpdqVideo.defaultSecondsPerHash]).toEqual([31, 50, 0.8, 0, 1]);
    });

    it('describes one frame under the fixed-size name vpdq: PDQ\'s size, threshold and floor', () => {
      expect(isVideoAlgorithmName('vpdq')).toBe(true);
      expect(isVideoAlgorithmName('pdq')).toBe(false);
      expect([vpdq.bits, vpdq.defaultThreshold, vpdq.qualityFloor]).toEqual([pdq.bits, pdq.defaultThreshold, pdq.qualityFloor]);
      expect(getAlgorithm('vpdq')).toBe(vpdq);
    });
  });
});
