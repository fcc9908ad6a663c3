import { feedHashLayout } from '../../shared/wire/hash-layout.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeDelta, type Delta } from '../../shared/wire/delta.ts';
import { providersFixture, type ProvidersFixture } from '../testing/providers-fixture.ts';
import { openWithCentreKey } from '../testing/sealed.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { IndicatorQualityStore } from '../store/indicator-quality.ts';

let t: TestCentre | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

const ERROR = { decision: 'unfounded', reason: 'indicator_error', comment: 'The indicator does not show what its category says.' };
const unfounded = (reason: string) => ({ decision: 'unfounded', reason, comment: 'Judged unfounded in review.' });

async function delta(centre: TestCentre['centre'], version: number): Promise<Delta> {
  const envelope = centre.publisher.deltaEnvelope(version);
  if (envelope === undefined) throw new Error(`no delta ${version}`);
  return decodeDelta((await openWithCentreKey(centre, envelope)).payload, feedHashLayout, 1 << 20);
}

function removals(d: Delta): { id: number; reason: string | undefined }[] {
  return [...d.removes.ids].map((id, i) => ({ id, reason: d.reasonCodes[d.removes.reasons[i] ?? -1] }));
}

function actions(centre: TestCentre['centre'], action: string): unknown[] {
  return centre.audit.page(0, 10_000).filter((e) => e.action === action).map((e) => e.detail);
}

/** Sends one report per entry of `from` (provider index) with its own subject, so that none is bundled with another. */
async function judge(f: ProvidersFixture, from: readonly number[], decisions: readonly Record<string, unknown>[], subjectOffset = 0): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, provider] of from.entries()) ids.push(await f.sendAs(f.providers[provider] ?? '', { subject: `user:u-${i + 1 + subjectOffset}` }));
  for (const decision of decisions) await f.decideNext(reviewerToken(), decision);
  return ids;
}

const reviewerToken = (): string => t?.tokens.reviewer ?? '';

async function setUp(): Promise<{ t: TestCentre; f: ProvidersFixture }> {
  t = createTestCentre();
  return { t, f: await providersFixture(t) };
}

describe('the indicator quality loop', () => {
  describe('when reports citing an indicator are decided', () => {
    const cases = [
      { name: 'three distinct providers judged indicator_error', from: [0, 1, 2], decisions: [ERROR, ERROR, ERROR], suspended: true },
      { name: 'three distinct providers judged preview_mismatch or indicator_error', from: [0, 1, 2], decisions: [unfounded('preview_mismatch'), ERROR, unfounded('preview_mismatch')], suspended: true },
      { name: 'two distinct providers judged indicator_error', from: [0, 1], decisions: [ERROR, ERROR], suspended: false },
      { name: 'the same provider three times', from: [0, 0, 0], decisions: [ERROR, ERROR, ERROR], suspended: false },
      { name: 'three providers judged not_csam', from: [0, 1, 2], decisions: [unfounded('not_csam'), unfounded('not_csam'), unfounded('not_csam')], suspended: false },
      { name: 'two counting and one duplicate', from: [0, 1, 2], decisions: [ERROR, ERROR, unfounded('duplicate')], suspended: false },
      { name: 'two counting and one forwarded', from: [0, 1, 2], decisions: [ERROR, ERROR, { decision: 'forwarded' }], suspended: false },
    ];
    it.each(cases)('$name: suspended is $suspended', async ({ from, decisions, suspended }) => {
      const { t, f } = await setUp();
      await judge(f, from, decisions);
      const indicator = t.centre.indicators.get(f.routine);
      expect(indicator?.status).toBe('active'); // still in the feed until the next publication
      expect(indicator?.removalReason).toBe(suspended ? 'SUSPENDED' : null);
      expect(indicator?.suspendedAt).toBe(suspended ? t.clock.now : null);
      expect(actions(t.centre, 'indicator.suspend')).toHaveLength(suspended ? 1 : 0);
      // The other indicator was never cited.
      expect(t.centre.indicators.get(f.urgent)?.removalReason).toBeNull();
    });

    it('counts distinct providers and reasons for the statistics', async () => {
      const { t, f } = await setUp();
      await judge(f, [0, 0, 1], [ERROR, unfounded('preview_mismatch'), unfounded('not_csam')]);
      const counts = new IndicatorQualityStore(t.centre.db).of(f.routine);
      expect(counts).toEqual({ indicatorId: f.routine, reports: 2, providers: 1, byReason: { preview_mismatch: 1, indicator_error: 1 }, since: null });
      expect(new IndicatorQualityStore(t.centre.db).all(0, 10)).toEqual([counts]);
    });
  });

  describe('when a suspended indicator is published', () => {
    it('tombstones it with reason SUSPENDED and puts it in its authority re-assessment queue', async () => {
      const { t, f } = await setUp();
      await judge(f, [0, 1, 2], [ERROR, ERROR, ERROR]);
      const published = await t.request('POST', '/v1/publish', t.tokens.operator);
      expect(published.status).toBe(201);
      const d = await delta(t.centre, 2);
      expect(d.reasonCodes).toContain('SUSPENDED');
      expect(removals(d)).toEqual([{ id: f.routine, reason: 'SUSPENDED' }]);
      expect(t.centre.indicators.get(f.routine)).toMatchObject({ status: 'suspended', versionRevoked: 2, revokedReason: 'SUSPENDED', removalReason: null });
      expect(actions(t.centre, 'feed.publish').at(-1)).toMatchObject({ removes: 1, suspended: 1 });

      const queue = async (token: string) => {
        const res = await t.request('GET', '/v1/indicators?status=suspended', token);
        expect(res.status).toBe(200);
        return ((await res.json()) as { indicators: { id: number; quality: { providers: number } }[] }).indicators;
      };
      expect((await queue(t.tokens.authority)).map((i) => [i.id, i.quality.providers])).toEqual([[f.routine, 3]]);
      expect((await queue(t.tokens.operator)).map((i) => i.id)).toEqual([f.routine]);
      expect(await queue(t.account('FR-OCRVP', 'authority', 'FR'))).toEqual([]);
      const published2 = new IndicatorQualityStore(t.centre.db).publishedSuspensions(0, t.clock.now + 1);
      expect(published2).toEqual([{ indicatorId: f.routine, version: 2, publishedAt: t.clock.now, memberStates: ['DE'] }]);
    });

    it('returns in a later delta once its authority re-confirms it, and old decisions count no more', async () => {
      const { t, f } = await setUp();
      await judge(f, [0, 1, 2], [ERROR, ERROR, ERROR]);
      await t.request('POST', '/v1/publish', t.tokens.operator);
      t.clock.now += 60_000;
      const reconfirmed = await t.request('POST', `/v1/indicators/${f.routine}/reconfirm`, t.tokens.authority);
      expect(reconfirmed.status).toBe(200);
      expect(await reconfirmed.json()).toMatchObject({ reinstated: true, reconfirmations: 1, needed: 1, indicator: { status: 'pending', suspendedAt: null } });
      expect(actions(t.centre, 'indicator.reconfirm')).toEqual([{ reconfirmations: 1, needed: 1, reinstated: true }]);
      expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(201);
      const d = await delta(t.centre, 3);
      expect([...(d.adds[0]?.ids ?? [])]).toEqual([f.routine]);
      expect(t.centre.indicators.get(f.routine)).toMatchObject({ status: 'active', versionAdded: 3, qualitySince: t.clock.now });
      // A fourth provider's unfounded report counts afresh: one provider, not four.
      await judge(f, [3], [ERROR], 5);
      expect(new IndicatorQualityStore(t.centre.db).of(f.routine)).toMatchObject({ reports: 1, providers: 1 });
      expect(t.centre.indicators.get(f.routine)?.removalReason).toBeNull();
    });

    it('ends for good when its authority revokes it', async () => {
      const { t, f } = await setUp();
      await judge(f, [0, 1, 2], [ERROR, ERROR, ERROR]);
      await t.request('POST', '/v1/publish', t.tokens.operator);
      const revoked = await t.request('POST', `/v1/indicators/${f.routine}/revoke`, t.tokens.authority, JSON.stringify({ reason: 'ENTRY_ERROR' }), 'application/json');
      expect(revoked.status).toBe(200);
      expect(await revoked.json()).toMatchObject({ removal: 'dropped', indicator: { status: 'revoked', revokedReason: 'ENTRY_ERROR', suspendedAt: null } });
      // Already out of the feed: nothing is left to publish.
      expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(409);
      const again = await t.request('POST', `/v1/indicators/${f.routine}/reconfirm`, t.tokens.authority);
      expect(again.status).toBe(409);
      expect(((await again.json()) as { error: { code: string } }).error.code).toBe('INDICATOR_NOT_SUSPENDED');
    });
  });

  describe('when an authority that never confirmed an indicator re-confirms it', () => {
    it('answers 404 whatever its status, as for an unknown id, and changes nothing', async () => {
      const { t, f } = await setUp();
      const stranger = t.account('FR-OCRVP', 'authority', 'FR');
      const codes = async (): Promise<unknown[]> =>
        Promise.all([f.routine, 999_999].map(async (id) => {
          const res = await t.request('POST', `/v1/indicators/${id}/reconfirm`, stranger);
          return [res.status, ((await res.json()) as { error: { code: string; message: string } }).error];
        }));
      // Active: the answer must not tell it apart from an id that does not exist.
      const [active, unknown] = await codes();
      expect(active).toEqual([404, { code: 'STORE_NOT_FOUND', message: expect.not.stringMatching(/active|suspended/) }]);
      expect(unknown).toMatchObject([404, { code: 'STORE_NOT_FOUND' }]);
      await judge(f, [0, 1, 2], [ERROR, ERROR, ERROR]);
      await t.request('POST', '/v1/publish', t.tokens.operator);
      const [suspended] = await codes();
      expect(suspended).toMatchObject([404, { code: 'STORE_NOT_FOUND' }]);
      expect(t.centre.indicators.get(f.routine)?.status).toBe('suspended');
      expect(actions(t.centre, 'indicator.reconfirm')).toEqual([]);
    });
  });

  describe('when a decision that counted is reopened', () => {
    it('withdraws its count and lifts a suspension not yet published', async () => {
      const { t, f } = await setUp();
      const [first] = await judge(f, [0, 1, 2], [ERROR, ERROR, ERROR]);
      expect(t.centre.indicators.get(f.routine)?.removalReason).toBe('SUSPENDED');
      const reopened = await t.request('POST', `/v1/review/reports/${first}/reopen`, t.account('reviewer-2', 'reviewer'), JSON.stringify({ comment: 'The preview does match.' }), 'application/json');
      expect(reopened.status).toBe(200);
      expect(new IndicatorQualityStore(t.centre.db).of(f.routine)).toMatchObject({ reports: 2, providers: 2 });
      expect(t.centre.indicators.get(f.routine)).toMatchObject({ status: 'active', removalReason: null, suspendedAt: null });
      expect(actions(t.centre, 'indicator.suspend-lift')).toHaveLength(1);
      expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(409);
    });

    it('withdraws its count on a QA disagreement too', async () => {
      t = createTestCentre({}, { random: () => 0 }); // every decision is sampled for QA
      const f = await providersFixture(t);
      const [first] = await judge(f, [0, 1, 2], [ERROR, ERROR, ERROR]);
      expect(t.centre.indicators.get(f.routine)?.removalReason).toBe('SUSPENDED');
      const second = t.account('reviewer-2', 'reviewer');
      expect((await t.request('GET', '/v1/review/qa/next', second)).status).toBe(200);
      const checked = await t.request('POST', `/v1/review/reports/${first}/qa`, second, JSON.stringify({ verdict: 'disagree', comment: 'The indicator is right.' }), 'application/json');
      expect(checked.status).toBe(200);
      expect(t.centre.indicators.get(f.routine)).toMatchObject({ removalReason: null, suspendedAt: null });
    });

    it('leaves a published suspension to its authority', async () => {
      const { t, f } = await setUp();
      const [first] = await judge(f, [0, 1, 2], [ERROR, ERROR, ERROR]);
      await t.request('POST', '/v1/publish', t.tokens.operator);
      const reopened = await t.request('POST', `/v1/review/reports/${first}/reopen`, t.account('reviewer-2', 'reviewer'), JSON.stringify({ comment: 'The preview does match.' }), 'application/json');
      expect(reopened.status).toBe(200);
      expect(t.centre.indicators.get(f.routine)?.status).toBe('suspended');
      expect(new IndicatorQualityStore(t.centre.db).of(f.routine)).toMatchObject({ providers: 2 });
    });
  });

  describe('when the step that suspends fails', () => {
    it('leaves both the decision and the indicator as they were (one transaction)', async () => {
      const { t, f } = await setUp();
      await judge(f, [0, 1, 2], [ERROR, ERROR]);
      t.centre.db.exec(`CREATE TEMP TRIGGER crash_at_suspend BEFORE INSERT ON main.audit WHEN NEW.action = 'indicator.suspend' BEGIN SELECT RAISE(ABORT, 'crash'); END`);
      await expect(f.decideNext(t.tokens.reviewer, ERROR)).rejects.toThrow(/decide/);
      const statuses = t.centre.db.prepare<[], { state: string }>('SELECT state FROM review_bundles ORDER BY id').all().map((r) => r.state);
      expect(statuses).toEqual(['unfounded', 'unfounded', 'in_review']);
      expect(t.centre.indicators.get(f.routine)).toMatchObject({ status: 'active', removalReason: null, suspendedAt: null });
      t.centre.db.exec('DROP TRIGGER temp.crash_at_suspend');
    });
  });
});

describe('re-confirmation under the two-source rule', () => {
  it('brings a suspended indicator back only once two authorities re-confirmed it', async () => {
    t = createTestCentre({ minConfirmations: 2 });
    const second = t.account('DE-LKA', 'authority', 'DE');
    const row = JSON.stringify([{ algorithm: 'pdq', hash: 'ab'.repeat(32), category: 'B1', reference: 'case-1' }]);
    for (const token of [t.tokens.authority, second]) expect((await t.request('POST', '/v1/indicators', token, row, 'application/json')).status).toBe(201);
    const id = t.centre.indicators.query({ limit: 1 })[0]?.id ?? -1;
    expect((await t.request('POST', `/v1/indicators/${id}/approve`, t.tokens.operator)).status).toBe(200);
    expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(201);
    const centre = t.centre;
    centre.write(() => centre.indicators.suspend(id, t?.clock.now ?? 0));
    expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(201);
    const reconfirm = async (token: string) => (await t?.request('POST', `/v1/indicators/${id}/reconfirm`, token))?.json();
    expect(await reconfirm(t.tokens.authority)).toMatchObject({ reinstated: false, reconfirmations: 1, needed: 2, indicator: { status: 'suspended' } });
    expect(await reconfirm(t.tokens.authority)).toMatchObject({ reinstated: false, reconfirmations: 1 });
    expect(await reconfirm(second)).toMatchObject({ reinstated: true, reconfirmations: 2, indicator: { status: 'pending' } });
    expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(201);
    expect(centre.indicators.get(id)?.status).toBe('active');
  });
});
