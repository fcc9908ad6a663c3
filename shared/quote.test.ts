import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_QUOTED_CHARS, quote } from './quote.ts';

describe('quote', () => {
  describe('when the input is short', () => {
    it.each([
      ['a plain word', 'note', '"note"'],
      ['a quote and a newline', 'a"b\nc', '"a\\"b\\nc"'],
      ['an empty string', '', '""'],
      ['a number', 42, '"42"'],
    ])('quotes %s as JSON', (_name, input, expected) => {
      expect(quote(input)).toBe(expected);
    });
  });

  describe('when the input is long', () => {
    it('keeps the first characters and says how many were left out', () => {
      expect(quote('x'.repeat(200_000))).toBe(`"${'x'.repeat(MAX_QUOTED_CHARS)}"… (${200_000 - MAX_QUOTED_CHARS} more characters)`);
    });

    it('never cuts a surrogate pair in half', () => {
      const quoted = quote('😀'.repeat(100), 3);
      expect(quoted.startsWith('"😀😀😀"…')).toBe(true);
    });

    it('stays bounded whatever the input', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 5000, unit: 'binary' }), (input) => {
          expect(quote(input).length).toBeLessThanOrEqual(MAX_QUOTED_CHARS * 6 + 40);
        }),
      );
    });
  });
});
