import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CodedError } from '../shared/errors.ts';
import { runTarget, TARGETS } from './index.ts';
import { mutatedMsgpack } from './mutate.ts';
import { defineTarget } from './target.ts';
import { packMsgpack, unpackMsgpack } from '../shared/crypto/msgpack.ts';

// A few hundred runs per target here; `npm run fuzz` runs ten thousand. A seed from FUZZ_SEED replays a failure.
const RUNS = 200;
const SEED = process.env.FUZZ_SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED);
// Not a speed check: a bound past which a run counts as hung (npm run fuzz holds runs to 100 ms).
const HANG_MS = 5000;

class SampleError extends CodedError<'SAMPLE_MALFORMED'> {}

describe('fuzz targets', () => {
  it('have distinct names', () => {
    expect(new Set(TARGETS.map((target) => target.name)).size).toBe(TARGETS.length);
  });

  describe(`when each decoder meets ${RUNS} hostile inputs (seed ${SEED})`, () => {
    it.each(TARGETS.map((target) => [target.name, target] as const))('%s returns a value or refuses with its documented code, and round-trips', async (_name, target) => {
      const result = await runTarget(target, { runs: RUNS, seed: SEED, slowMs: HANG_MS, hangMs: HANG_MS, maxRssGrowthMb: 1024 });
      expect(result.counterexample, `replay: FUZZ_SEED=${SEED}`).toBeUndefined();
      expect(result.failures).toBe(0);
      expect(result.runs).toBe(RUNS);
    });
  });
});

describe('runTarget', () => {
  const bytes = fc.uint8Array({ maxLength: 8 });
  const options = { runs: 100, seed: 1, slowMs: HANG_MS, hangMs: HANG_MS, maxRssGrowthMb: 1024 };

  describe('when a decoder throws an exception it does not document', () => {
    it('counts a failure and shrinks the input that causes it', async () => {
      const target = defineTarget({
        name: 'breaks',
        decoder: 'a decoder that reads past its input',
        input: bytes,
        decode: (input: Uint8Array) => new DataView(input.buffer, input.byteOffset, input.byteLength).getUint8(2),
        refusals: [SampleError],
      });
      const result = await runTarget(target, options);
      expect(result.failures).toBeGreaterThan(0);
      expect(result.counterexample?.reason).toMatch(/^threw RangeError/);
      expect(result.counterexample?.input).toMatch(/^Uint8Array\.from\(\[(\d+,)?\d*\]\)$/);
    });
  });

  describe('when a decoder refuses with its documented class', () => {
    it('counts refusals, not failures', async () => {
      const target = defineTarget({
        name: 'refuses',
        decoder: 'a decoder that takes one byte',
        input: bytes,
        decode: (input: Uint8Array) => {
          if (input.length !== 1) throw new SampleError('SAMPLE_MALFORMED', 'one byte');
          return input[0];
        },
        refusals: [SampleError],
      });
      const result = await runTarget(target, options);
      expect(result).toMatchObject({ failures: 0, runs: 100 });
      expect(result.refused).toBeGreaterThan(0);
      expect(result.accepted).toBeGreaterThan(0);
    });
  });

  describe('when decode(encode(x)) is not x', () => {
    it('counts a failure', async () => {
      const target = defineTarget({
        name: 'lossy',
        decoder: 'a decoder that drops the last byte',
        input: fc.uint8Array({ minLength: 1, maxLength: 8 }),
        decode: (input: Uint8Array) => input.subarray(0, -1),
        encode: (value: Uint8Array) => value,
        refusals: [],
      });
      const result = await runTarget(target, options);
      expect(result.counterexample?.reason).toBe('decode(encode(x)) differs from x');
    });
  });
});

describe('mutatedMsgpack', () => {
  describe('when it edits a real encoding', () => {
    it('gives msgpack that decodes, and differs from the original most of the time', () => {
      const base = packMsgpack({ feed: 'eu-centre', version: 3, ids: [1, 2, 3], digest: new Uint8Array(32) });
      const samples = fc.sample(mutatedMsgpack(fc.constant(base)), { seed: 1, numRuns: 200 });
      for (const sample of samples) expect(() => unpackMsgpack(sample)).not.toThrow();
      expect(samples.filter((sample) => Buffer.compare(sample, base) !== 0).length).toBeGreaterThan(150);
    });
  });
});
