import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../app.ts';
import { MonthlyStatistics } from '../statistics/index.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { seedStatistics, type SeededSecrets } from '../testing/statistics-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { MONTHS_REFRESH_MS } from './transparency.ts';
import { TransparencyStatistics } from './transparency-schema.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

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

type Figures = {
  month: string;
  reports: {
    received: number;
    unfounded: { total: number; byReason: Record<string, number> };
    forwarded: { total: number; memberStates: Record<string, number>; europol: number };
    decisionTime: { decided: number; p50Ms: number | null; p90Ms: number | null };
  };
  indicators: Record<string, { submitted: number; approved: number; revoked: number; suspended: number }>;
  activeOrders: Record<string, number>;
  listSize: number;
  access: Record<string, number>;
};

describe('GET /v1/transparency, monthly statistics', () => {
  let t: TestCentre;
  let secrets: SeededSecrets;
  let body: string;
  let months: Figures[];
  beforeAll(async () => {
    t = createTestCentre();
    secrets = await seedStatistics(t);
    const res = await t.request('GET', '/v1/transparency');
    expect(res.status).toBe(200);
    body = await res.text();
    months = (JSON.parse(body) as { months: Figures[] }).months;
  });
  afterAll(() => t?.close());
  const month = (key: string): Figures => {
    const found = months.find((m) => m.month === key);
    if (found === undefined) throw new Error(`no ${key}`);
    return found;
  };
  const NO_REASONS = { preview_mismatch: 0, indicator_error: 0, duplicate: 0, not_csam: 0, other: 0 };

  describe('when the Centre has run for four months', () => {
    it('lists every month from the first to the current one, the empty one too', () => {
      expect(months.map((m) => m.month)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
      expect(month('2026-12')).toEqual({
        month: '2026-12',
        reports: {
          received: 0,
          unfounded: { total: 0, byReason: NO_REASONS },
          forwarded: { total: 0, memberStates: {}, europol: 0 },
          decisionTime: { decided: 0, p50Ms: null, p90Ms: null },
        },
        indicators: {},
        activeOrders: { DE: 1 },
        listSize: 2,
        access: { grants: 0, wraps: 0, fetches: 0, refusedFetches: 0, providersGivenKeys: 0 },
      });
    });

    it('counts the access log: grants, keys wrapped, access lists served and refused, providers given keys', () => {
      expect(month('2026-11').access).toEqual({ grants: 1, wraps: 1, fetches: 2, refusedFetches: 1, providersGivenKeys: 1 });
    });

    it('counts reports received, unfounded by reason, and forwarded by recipient Member State and to Europol', () => {
      const november = month('2026-11').reports;
      expect(november.received).toBe(10);
      expect(november.unfounded).toEqual({ total: 5, byReason: { ...NO_REASONS, preview_mismatch: 3, duplicate: 1, indicator_error: 1 } });
      // DE has two authority accounts: each report counts once for DE. The order without a Member State goes to Europol alone.
      expect(november.forwarded).toEqual({ total: 5, memberStates: { DE: 3, FR: 1 }, europol: 5 });
      expect(month('2027-01').reports.received).toBe(1);
      expect(month('2027-02').reports).toMatchObject({ received: 0, forwarded: { total: 1, memberStates: { DE: 1 }, europol: 1 } });
    });

    it('gives the nearest-rank median and 90th percentile of the time from receipt to decision, in the month of the decision', () => {
      // Ten reports decided 1, 2, ..., 10 minutes after they arrived.
      expect(month('2026-11').reports.decisionTime).toEqual({ decided: 10, p50Ms: 5 * MINUTE, p90Ms: 9 * MINUTE });
      expect(month('2027-01').reports.decisionTime).toEqual({ decided: 0, p50Ms: null, p90Ms: null });
      expect(month('2027-02').reports.decisionTime).toEqual({ decided: 1, p50Ms: 23 * DAY, p90Ms: 23 * DAY });
    });

    it('counts indicators submitted, approved, revoked and suspended by the Member State of the submitting authority', () => {
      expect(month('2026-11').indicators).toEqual({ DE: { submitted: 2, approved: 2, revoked: 0, suspended: 0 } });
      expect(month('2027-01').indicators).toEqual({
        DE: { submitted: 0, approved: 0, revoked: 1, suspended: 0 },
        FR: { submitted: 3, approved: 3, revoked: 0, suspended: 0 },
      });
      expect(month('2027-02').indicators).toEqual({ DE: { submitted: 0, approved: 0, revoked: 0, suspended: 1 } });
    });

    it('counts orders in force in each month by issuing Member State, and the list size at the end of each month', () => {
      expect(months.map((m) => m.activeOrders)).toEqual([{ DE: 1, FR: 1, unspecified: 1 }, { DE: 1 }, { DE: 1 }, { DE: 1 }]);
      expect(months.map((m) => m.listSize)).toEqual([2, 2, 4, 4]);
    });

    it('is what GET /v1/openapi.json says it is, field for field', () => {
      const served: unknown = JSON.parse(body);
      // Parsing drops what the schema does not name: an undocumented field would make the two differ.
      expect(TransparencyStatistics.parse(served)).toEqual(served);
    });

    it('shows no identifier, hash, subject, target, order or provider name anywhere', () => {
      expect(secrets.strings.length).toBeGreaterThan(40);
      for (const secret of secrets.strings) expect(body, secret).not.toContain(secret);
    });
  });

  describe('when a report arrives after the figures were read', () => {
    it('serves them for up to a minute, then renders them anew, counting only the month under way', async () => {
      const compute = vi.spyOn(MonthlyStatistics.prototype, 'compute');
      const latest = async (): Promise<Figures[]> => ((await (await t.request('GET', '/v1/transparency')).json()) as { months: Figures[] }).months;
      try {
        await secrets.send({ subject: 'user:u-12' });
        t.clock.now += MONTHS_REFRESH_MS - 1;
        expect(await latest()).toEqual(months);
        expect(compute).not.toHaveBeenCalled();

        t.clock.now += 1;
        const again = await latest();
        expect(again.at(-1)?.reports.received).toBe(1);
        expect(again.slice(0, -1)).toEqual(months.slice(0, -1));
        expect(compute).toHaveBeenCalledTimes(1);
        expect(compute.mock.calls[0]?.[0].map((m) => m.key)).toEqual(['2027-02']);
      } finally {
        compute.mockRestore();
      }
    });
  });

  describe('when the Centre restarts', () => {
    it('reads the ended months it stored and counts only the month under way', async () => {
      const compute = vi.spyOn(MonthlyStatistics.prototype, 'compute');
      try {
        const restarted = createApp({ centre: t.centre, clock: () => t.clock.now, random: () => 1 });
        const res = await restarted.request('/v1/transparency');
        const again = ((await res.json()) as { months: Figures[] }).months;
        expect(again.map((m) => m.month)).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
        expect(again.slice(0, -1)).toEqual(months.slice(0, -1));
        expect(compute).toHaveBeenCalledTimes(1);
        expect(compute.mock.calls[0]?.[0].map((m) => m.key)).toEqual(['2027-02']);
      } finally {
        compute.mockRestore();
      }
    });
  });
});
