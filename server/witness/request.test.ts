import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../shared/crypto/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { WitnessError } from './errors.ts';
import { formatAddCheckpoint, MAX_PROOF_LINES, parseAddCheckpoint } from './request.ts';
import { WitnessState } from './state.ts';
import { TestLog } from './testing/test-log.ts';
import { Witness } from './witness.ts';
import { join } from 'node:path';

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

/** The outcome of `fn`: 'ok', or the WitnessError's code; anything else is a crash and fails the property. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof WitnessError) return err.code;
    throw err;
  }
}

describe('add-checkpoint request bodies', () => {
  describe('when well formed', () => {
    it('round-trips through format and parse', () => {
      const log = new TestLog().append(11);
      const request = { oldSize: 4, proof: log.proof(4), checkpoint: log.checkpoint() };
      expect(parseAddCheckpoint(Buffer.from(formatAddCheckpoint(request)))).toEqual(request);
      expect(request.proof.length).toBeLessThanOrEqual(MAX_PROOF_LINES);
    });
  });

  describe('when arbitrary', () => {
    it('parses or refuses with a code, never crashes', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => void outcome(() => parseAddCheckpoint(bytes))), { numRuns: 500 });
    });

    it('leaves the witness answering with codes, and its state where it was', () => {
      const log = new TestLog().append(6);
      const state = new WitnessState(join(dirs.make('witness-fuzz-'), 'witness.db'));
      try {
        const witness = new Witness({ key: generateSigningKey('witness.example/fuzz', { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 }), logs: new Map([[log.origin, [log.key.verifier]]]), state, clock: Date.now });
        expect(outcome(() => witness.addCheckpoint(Buffer.from(log.request(0))))).toBe('ok');
        const valid = log.append(3).request(6);
        // Mutations of a valid body: a character replaced, removed or duplicated somewhere.
        const mutated = fc.tuple(fc.nat({ max: valid.length - 1 }), fc.constantFrom('replace', 'remove', 'duplicate'), fc.string({ minLength: 1, maxLength: 1 })).map(([at, how, by]) =>
          how === 'remove' ? valid.slice(0, at) + valid.slice(at + 1) : how === 'duplicate' ? valid.slice(0, at) + valid.slice(at) + valid.slice(at) : valid.slice(0, at) + by + valid.slice(at + 1),
        );
        fc.assert(
          fc.property(mutated, (body) => {
            if (body === valid) return;
            const before = state.latest(log.origin)?.size;
            const code = outcome(() => witness.addCheckpoint(Buffer.from(body)));
            // A mutation that still verifies (in a place the checks ignore) may be cosigned, but only as the log's own size 9.
            expect(state.latest(log.origin)?.size).toBe(code === 'ok' ? 9 : before);
          }),
          { numRuns: 300 },
        );
      } finally {
        state.close();
      }
    });
  });
});
