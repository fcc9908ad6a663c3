import { describe, expect, it } from 'vitest';
import { UNFOUNDED_REASONS } from './report-lifecycle.ts';
import { COMMENT_PATTERN, MAX_COMMENT_LENGTH, UNFOUNDED_REASON_WORDS } from './review-comment.ts';

describe('unfounded reasons in words', () => {
  describe.each(UNFOUNDED_REASONS)('when the reason is %s', (reason) => {
    it('has a label and a standard sentence the API would take as a comment', () => {
      const { label, sentence } = UNFOUNDED_REASON_WORDS[reason];
      expect(label.length).toBeGreaterThan(0);
      expect(sentence).toMatch(COMMENT_PATTERN);
      expect(sentence.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    });
  });
});
