import { describe, expect, it } from 'vitest';
import { nestsDeeperThan } from './json-depth.ts';

describe('nestsDeeperThan', () => {
  describe('when brackets sit in strings, escaped quotes included', () => {
    it.each([
      ['[]', 1, false],
      ['[[]]', 1, true],
      ['[{"a":"b"},{"c":"[[[[{{{{"}]', 2, false],
      ['[{"a":"\\"[[["}]', 2, false],
      ['[{"a":"\\\\"},[[1]]]', 2, true],
      ['{"targets":{"users":["u-1"]}}', 3, false],
      ['"[[[["', 0, false],
    ])('%s at limit %i is %s', (text, limit, expected) => {
      expect(nestsDeeperThan(text, limit)).toBe(expected);
    });
  });

  describe('when 1 MiB of brackets arrives', () => {
    it('stops at the first level past the limit', () => {
      expect(nestsDeeperThan('['.repeat(1 << 20), 8)).toBe(true);
    });
  });
});
