import { describe, expect, it } from 'vitest';
import { SessionStore } from './session-store.ts';

const person = (accountId: number) => ({ accountId, name: `person-${accountId}`, role: 'reviewer' as const, tokenId: accountId });
const LIMITS = { idleMs: 1_000, absoluteMs: 10_000, maxSessions: 5, maxPerAccount: 2 };

describe('SessionStore', () => {
  describe('when a session is looked up', () => {
    it('finds it by its secret only, with a fresh secret and CSRF token per sign-in', () => {
      const store = new SessionStore(LIMITS);
      const a = store.create(person(1), 0);
      const b = store.create(person(1), 0);
      expect(a.secret).not.toBe(b.secret);
      expect(a.session.csrf).not.toBe(b.session.csrf);
      expect(store.touch(a.secret, 10)?.name).toBe('person-1');
      expect(store.touch(`${a.secret}x`, 10)).toBeUndefined();
    });

    it.each([
      ['idle past its limit', [999, 1_998, 2_997], 2_997 + 1_000],
      ['past its absolute limit however active', [900, 1_800, 2_700, 3_600, 4_500, 5_400, 6_300, 7_200, 8_100, 9_000, 9_900], 10_000],
    ])('ends it when %s', (_what, touches, endsAt) => {
      const store = new SessionStore(LIMITS);
      const { secret } = store.create(person(1), 0);
      for (const at of touches) expect(store.touch(secret, at), `at ${at}`).toBeDefined();
      expect(store.touch(secret, endsAt)).toBeUndefined();
      expect(store.size).toBe(0);
    });

    it('serves a background poll without restarting the idle time', () => {
      const store = new SessionStore(LIMITS);
      const { secret } = store.create(person(1), 0);
      expect(store.touch(secret, 600, { activity: false })).toBeDefined();
      expect(store.touch(secret, 999, { activity: false })).toBeDefined();
      expect(store.touch(secret, 1_000)).toBeUndefined();
    });

    it('ends it when the clock goes back before its sign-in', () => {
      const store = new SessionStore(LIMITS);
      const { secret } = store.create(person(1), 5_000);
      expect(store.touch(secret, 4_000)).toBeUndefined();
    });
  });

  describe('when sessions pile up', () => {
    it('keeps at most maxPerAccount per account, ending that account\u2019s least recently used', () => {
      const store = new SessionStore(LIMITS);
      const first = store.create(person(1), 0);
      const second = store.create(person(1), 1);
      const other = store.create(person(2), 2);
      store.touch(first.secret, 3);
      const third = store.create(person(1), 4);
      expect(store.touch(second.secret, 5)).toBeUndefined();
      expect(store.touch(first.secret, 5)).toBeDefined();
      expect(store.touch(third.secret, 5)).toBeDefined();
      expect(store.touch(other.secret, 5)).toBeDefined();
    });

    it('keeps at most maxSessions in all, ending the least recently used', () => {
      const store = new SessionStore(LIMITS);
      const secrets = [1, 2, 3, 4, 5].map((id) => store.create(person(id), id).secret);
      store.create(person(6), 6);
      expect(store.size).toBe(5);
      expect(store.touch(secrets[0] ?? '', 7)).toBeUndefined();
      expect(store.touch(secrets[1] ?? '', 7)).toBeDefined();
    });
  });
});
