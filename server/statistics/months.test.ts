import { describe, expect, it } from 'vitest';
import { monthOf, monthsBetween, monthsOfYear } from './months.ts';

describe('months', () => {
  describe('when a range crosses a year', () => {
    it('lists every UTC month once, both ends included', () => {
      expect(monthsBetween(Date.UTC(2026, 10, 30, 23, 59), Date.UTC(2027, 1, 1)).map((m) => m.key)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    });
  });

  describe('when an instant is the last millisecond of a month', () => {
    it('belongs to that month, and the next millisecond to the next', () => {
      const december = monthOf(Date.UTC(2026, 11, 31, 23, 59, 59, 999));
      expect(december).toEqual({ key: '2026-12', start: Date.UTC(2026, 11, 1), end: Date.UTC(2027, 0, 1) });
      expect(monthOf(december.end).key).toBe('2027-01');
    });
  });

  describe('when a year is asked for', () => {
    it('gives its twelve months, February of a leap year with 29 days', () => {
      const months = monthsOfYear(2028);
      expect(months.map((m) => m.key.slice(5))).toEqual(['01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12']);
      expect((months[1]?.end ?? 0) - (months[1]?.start ?? 0)).toBe(29 * 86_400_000);
    });
  });
});
