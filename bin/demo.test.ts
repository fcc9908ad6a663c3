import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { run } from './commands/demo.ts';

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

describe('hashfeed demo (npm start)', () => {
  describe('when the command line does not fit', () => {
    it('prints its usage for --help and exits 0', async () => {
      let text = '';
      expect(await run(['--help'], { write: (t: string) => (text += t) })).toBe(0);
      expect(text).toMatch(/^usage: hashfeed demo \[--data DIR\]/);
    });

    it('refuses an option of another command with exit 2, running nothing', async () => {
      let text = '';
      expect(await run(['--port', '1'], { write: (t: string) => (text += t) })).toBe(2);
      expect(text).toBe('');
    });
  });

  it('runs the whole flow, and again on the same data', async () => {
    const data = dirs.make('hf-demo-');
    for (const round of [1, 2]) {
      let text = '';
      const code = await run(['--data', data], { write: (t: string) => (text += t) });
      expect(code, text).toBe(0);
      expect(text).toContain(round === 1 ? 'Created a Centre' : 'Reusing the Centre');
      expect(text).toMatch(/01-resized-half\.jpg\s+MATCH/);
      expect(text).toMatch(/03-rotated-90\.jpg\s+MATCH .* rotate/);
      expect(text).toMatch(/05-unrelated\.jpg\s+no match/);
      expect(text).toMatch(/07-in-an-e2ee-chat\.jpg\s+refused SURFACE_E2EE/);
      expect(text).toMatch(/08-not-a-target\.jpg\s+refused NO_ACTIVE_ORDER/);
      expect(text).toMatch(/4 uploads matched, 2 scans were refused .* 4 signed reports/);
      expect(text).toMatch(round === 1 ? /report key [0-9a-f]{8}; the operator approved it/ : /report key [0-9a-f]{8} is approved/);
      // A witness beside the Centre (reused on the second run) cosigns the checkpoint; the sidecar requires it.
      expect(text).toContain(round === 1 ? 'Created witness demo-witness.example/w1' : 'Reusing witness demo-witness.example/w1');
      expect(text).toMatch(/5\. Witness demo-witness\.example\/w1 cosigned the checkpoint at log size \d+; the sidecar requires its cosignature \(witnessQuorum 1\)/);
      // Step 5: the sidecar reads ciphertext from an unauthenticated static mirror, entitled by the demo's order.
      expect(text).toMatch(/\d+ files, none of which holds any of the 12 hashes, in bytes or hex/);
      expect(text).toMatch(/Its encryption key is active; the Centre's signed access list entitles it by order DEMO-ORDER-\d+/);
      expect(text).toMatch(/It verified, decrypted and applied the feed from the mirror: replica at version 1 .* health ok/);
      expect(text).toMatch(/A reviewer forwarded report [0-9a-f]{8} and judged [0-9a-f]{8} unfounded/);
      expect(text).toContain("It reached DE-BKA's inbox (1 item) and Europol's (1 item)");
      expect(text).toMatch(/report [0-9a-f]{8} unfounded \(preview_mismatch\): the platform may restore/);
      expect(text).toMatch(/report [0-9a-f]{8} forwarded, hold until \d{4}-\d{2}-\d{2}: preserve it and stay silent/);
      // The first run's month holds its 4 reports, one forward to DE and Europol, one preview_mismatch (a later run may fall in a new month).
      if (round === 1) {
        expect(text).toMatch(/10\. Public statistics for \d{4}-\d{2} .*: 4 reports received/);
        expect(text).toContain('unfounded: preview_mismatch 1; forwarded to Member States: DE 1, to Europol: 1;');
      } else expect(text).toMatch(/10\. Public statistics for \d{4}-\d{2} .*: \d+ reports received/);
    }
  }, 120_000);
});
