import { describe, expect, it } from 'vitest';
import { parseSurfaces } from './surfaces.ts';
import { codeOf } from '../../shared/testing/code-of.ts';


describe('surface config', () => {
  describe('when valid', () => {
    it('gives each surface by id', () => {
      const surfaces = parseSurfaces([
        { id: 'public-posts', description: 'Public timeline posts', e2ee: false },
        { id: 'dm', description: 'Direct messages (Signal protocol)', e2ee: true },
      ]);
      expect(surfaces.get('dm')).toEqual({ id: 'dm', description: 'Direct messages (Signal protocol)', e2ee: true });
      expect(surfaces.get('nope')).toBeUndefined();
      expect(surfaces.list().map((s) => s.id)).toEqual(['public-posts', 'dm']);
    });
  });

  describe('when invalid', () => {
    it.each([
      ['e2ee left out (there is no default)', [{ id: 'a', description: 'A' }]],
      ['e2ee as a string', [{ id: 'a', description: 'A', e2ee: 'false' }]],
      ['a repeated id', [{ id: 'a', description: 'A', e2ee: false }, { id: 'a', description: 'B', e2ee: true }]],
      ['an unknown field', [{ id: 'a', description: 'A', e2ee: false, scan: 'always' }]],
      ['an id with a space', [{ id: 'a b', description: 'A', e2ee: false }]],
      ['an empty description', [{ id: 'a', description: '', e2ee: false }]],
      ['a map instead of a list', { a: { description: 'A', e2ee: false } }],
    ])('refuses %s with POLICY_CONFIG_INVALID', (_name, value) => {
      expect(codeOf(() => parseSurfaces(value))).toBe('POLICY_CONFIG_INVALID');
    });
  });
});
