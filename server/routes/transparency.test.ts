import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

type Statistics = { versions: { version: number }[]; log: { size: number } | null };

describe('GET /v1/transparency', () => {
  let t: TestCentre;
  beforeEach(() => {
    t = createTestCentre();
  });
  afterEach(() => t.close());

  const read = async (): Promise<Statistics> => {
    const res = await t.request('GET', '/v1/transparency');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return (await res.json()) as Statistics;
  };

  describe('when it is read again and again (it is public, and grows with every version)', () => {
    it('renders the statistics once per published state, not once per read', async () => {
      await publishIndicators(t, 2);
      const versions = vi.spyOn(t.centre.publisher, 'versions');
      const first = await read();
      for (let i = 0; i < 5; i++) expect(await read()).toEqual(first);
      expect(versions).toHaveBeenCalledTimes(1);

      t.clock.now += 1000;
      await publishIndicators(t, 1);
      const after = await read();
      expect(after.versions.map((v) => v.version)).toEqual([1, 2]);
      expect(after.log?.size).toBeGreaterThan(first.log?.size ?? 0);
      expect(versions).toHaveBeenCalledTimes(2);
    });
  });
});
