import { describe, expect, it } from 'vitest';
import { JsonDuplicateKeyError, JsonDuplicateKeyGuard } from './json-keys.ts';

/** Feeds `text` to a guard in chunks of `size` bytes; the duplicate name found, or undefined. */
function duplicateIn(text: string, size = 1 << 20): string | undefined {
  const guard = new JsonDuplicateKeyGuard();
  const bytes = new TextEncoder().encode(text);
  try {
    for (let at = 0; at < bytes.length; at += size) guard.push(bytes.subarray(at, at + size));
  } catch (err) {
    if (err instanceof JsonDuplicateKeyError) return err.key;
    throw err;
  }
  return undefined;
}

describe('JsonDuplicateKeyGuard', () => {
  describe('when an object names a member twice', () => {
    it.each([
      ['at the top', '{"surface":"dm","subject":"user:a","surface":"uploads"}', 'surface'],
      ['in a batch item', '{"items":[{"surface":"a"},{"surface":"dm","surface":"uploads"}]}', 'surface'],
      ['spelled with an escape', '{"surface":"dm","\\u0073urface":"uploads"}', 'surface'],
      ['after an escaped quote in a value', '{"subject":"a\\"b","subject":"c"}', 'subject'],
      ['with spaces around the colon', '{ "subject" : "a" , "subject" : "b" }', 'subject'],
    ])('refuses it %s', (_where, text, key) => {
      expect(duplicateIn(text)).toBe(key);
      // Cut at every byte: state carries across chunk boundaries.
      expect(duplicateIn(text, 1)).toBe(key);
    });
  });

  describe('when names repeat only across objects or inside values', () => {
    it.each([
      ['sibling items', '{"items":[{"surface":"a","subject":"b"},{"surface":"a","subject":"b"}]}'],
      ['nested objects', '{"surface":{"surface":1}}'],
      ['a value that looks like a member', '{"image":"\\"surface\\":1,\\"surface\\":2","surface":"x"}'],
      ['arrays of strings', '{"hashes":["surface","surface"]}'],
      ['a long name', `{"${'k'.repeat(1000)}":1,"k":2}`],
    ])('lets %s through', (_what, text) => {
      expect(duplicateIn(text)).toBeUndefined();
      expect(duplicateIn(text, 1)).toBeUndefined();
    });
  });
});
