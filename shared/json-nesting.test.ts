import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonNestingGuard, nestsDeeperThan } from './json-nesting.ts';

/** Pushes `text` as UTF-8 in pieces of `size` bytes, then ends; the SyntaxError's message, or 'ok'. */
function check(text: string, maxDepth = 4, size = 3): string {
  const guard = new JsonNestingGuard(maxDepth);
  const bytes = new TextEncoder().encode(text);
  try {
    for (let at = 0; at < bytes.length; at += size) guard.push(bytes.subarray(at, at + size));
    guard.end();
    return 'ok';
  } catch (err) {
    if (err instanceof SyntaxError) return err.message;
    throw err;
  }
}

describe('JSON nesting guard', () => {
  describe('when the nesting is within the limit', () => {
    it.each([
      ['a batch', '{"items":[{"surface":"s","subject":"user:a","image":"QUJD"}]}'],
      ['brackets inside strings', '{"a":"[[[[{{{{]]]]"}'],
      ['escaped quotes and backslashes', '{"a":"\\"[[[[[\\\\","b":["\\\\"]}'],
      ['multi-byte characters split between chunks', '{"ä€😀":["😀😀"]}'],
      ['a scalar', '42'],
    ])('lets %s through', (_name, text) => {
      expect(check(text)).toBe('ok');
    });
  });

  describe('on any JSON text, split anywhere', () => {
    it('accepts it exactly when it nests no deeper than the limit', () => {
      const depthOf = (value: unknown): number =>
        typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 17 }), (value, size) => {
          const text = JSON.stringify(value);
          expect(check(text, 3, size)).toBe(depthOf(value) <= 3 ? 'ok' : 'JSON nested deeper than 3');
        }),
      );
    });
  });

  describe('when it is not', () => {
    it.each([
      ['nesting past the limit', '[[[[[1]]]]]', 'JSON nested deeper than 4'],
      ['a closing bracket with nothing open', '{}]', 'JSON closes a bracket it never opened'],
      ['a text ending with a container open', '{"items":[', 'JSON ends inside a string or an open object or array'],
      ['a text ending inside a string', '{"a":"abc', 'JSON ends inside a string or an open object or array'],
    ])('refuses %s', (_name, text, message) => {
      expect(check(text)).toBe(message);
    });

    it('refuses 16 MiB of opening brackets at the first one past the limit', () => {
      const guard = new JsonNestingGuard(8);
      expect(() => guard.push(new Uint8Array(16 * 1024 * 1024).fill(0x5b))).toThrow('JSON nested deeper than 8');
    });
  });
});

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
