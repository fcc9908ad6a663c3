import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { PublicStatistics, SETTLE_MS, STATISTICS_DEFINITION } from './public-statistics.ts';

describe('PublicStatistics', () => {
  let t: TestCentre;
  beforeEach(() => {
    t = createTestCentre();
  });
  afterEach(() => t.close());

  const stored = (): { month: string; definition: number }[] =>
    t.centre.db.prepare<[], { month: string; definition: number }>('SELECT month, definition FROM statistics_months ORDER BY month').all();

  describe('when a month has just ended', () => {
    it('stores it only once it has settled, and serves every month either way', () => {
      const statistics = new PublicStatistics(t.centre.db);
      const december = Date.UTC(2026, 11, 1);
      expect(statistics.monthsJson(december + SETTLE_MS - 1).map((m) => JSON.parse(m).month)).toEqual(['2026-11', '2026-12']);
      expect(stored()).toEqual([]);
      expect(statistics.monthsJson(december + SETTLE_MS).map((m) => JSON.parse(m).month)).toEqual(['2026-11', '2026-12']);
      expect(stored()).toEqual([{ month: '2026-11', definition: STATISTICS_DEFINITION }]);
    });
  });

  describe('when a stored month was counted under another definition', () => {
    it('counts it again and replaces it', () => {
      const later = Date.UTC(2027, 0, 15);
      t.centre.db.prepare('INSERT INTO statistics_months (month, definition, figures, computed_at) VALUES (?, ?, ?, ?)').run('2026-11', STATISTICS_DEFINITION - 1, '{"stale":true}', later);
      const months = new PublicStatistics(t.centre.db).monthsJson(later);
      expect(months.join()).not.toContain('stale');
      expect(stored()).toEqual([
        { month: '2026-11', definition: STATISTICS_DEFINITION },
        { month: '2026-12', definition: STATISTICS_DEFINITION },
      ]);
    });
  });
});
