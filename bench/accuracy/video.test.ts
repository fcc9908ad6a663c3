import { describe, expect, it } from 'vitest';
import { requireFfmpeg } from '../../shared/video/testing/synthetic-video.ts';
import { runVideoAccuracy, videoReport } from './video.ts';

// The quick version of bench:accuracy's video section (the whole one: npm run bench:accuracy).
describe.runIf(requireFfmpeg())('the video section of bench:accuracy', () => {
  describe('when two synthetic videos are letterboxed and turned grey', () => {
    it('matches every copy to its original and no video to another', async () => {
      const options = { videos: 2, seed: 7, cases: ['letterbox (10% bars)', 'greyscale'] };
      const result = await runVideoAccuracy(options);
      expect(result.cases.map((c) => [c.transform, c.matched, c.videos])).toEqual([
        ['letterbox (10% bars)', 2, 2],
        ['greyscale', 2, 2],
      ]);
      expect(result.cases.every((c) => c.meanShare >= 0.8)).toBe(true);
      // Each original and copy against the other original: 2 x (1 + 2) pairs.
      expect(result.falseMatches).toMatchObject({ pairs: 6, matches: 0 });
      expect(videoReport(result, options)).toContain('| greyscale | 2/2 |');
    }, 180_000);
  });
});
