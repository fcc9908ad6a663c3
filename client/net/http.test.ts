import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './http.ts';

const NOW = Date.parse('2026-12-04T23:00:00Z');

describe('retryAfterMs', () => {
  describe('when the header is delta-seconds', () => {
    it('reads whole seconds, and huge ones as Infinity for the back-off cap to bound', () => {
      expect(retryAfterMs(' 120 ', NOW)).toBe(120_000);
      expect(retryAfterMs('9'.repeat(400), NOW)).toBe(Infinity);
    });
  });

  describe('when the header is an HTTP date (RFC 9110 5.6.7)', () => {
    it.each([
      ['IMF-fixdate', 'Fri, 04 Dec 2026 23:02:00 GMT'],
      ['obsolete RFC 850', 'Friday, 04-Dec-26 23:02:00 GMT'],
      ['obsolete asctime', 'Fri Dec  4 23:02:00 2026'],
    ])('reads the %s form as the time until it', (_name, value) => {
      expect(retryAfterMs(value, NOW)).toBe(120_000);
    });

    it('reads a date in the past as no wait', () => {
      expect(retryAfterMs('Thu, 01 Jan 1970 00:00:00 GMT', NOW)).toBe(0);
    });
  });

  describe('when the header is neither', () => {
    it.each(['garbage', 'later, in 2099', 'soon 2099', '2099-01-01', '-5', '1.5', '+10', '1e3', '0x10', 'Infinity', '5 6', ''])(
      'treats %j as absent, not as whatever date a lenient parser makes of it',
      (value) => {
        expect(retryAfterMs(value, NOW)).toBeUndefined();
      },
    );
  });
});
