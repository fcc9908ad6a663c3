import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../../shared/trust/testing/trusted-root.ts';
import { decodeDecisionList, DECISIONS_PAYLOAD_TYPE, type DecisionList } from '../../shared/wire/decision-list.ts';
import type { Role } from '../store/accounts.ts';
import { reviewFixture, type ReviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const JSON_TYPE = 'application/json';
const DAY = 86_400_000;

describe('GET /v1/feed/decisions', () => {
  let t: TestCentre;
  let f: ReviewFixture;

  let ben: string;

  beforeEach(async () => {
    t = createTestCentre();
    ben = t.account('reviewer-2', 'reviewer');
    f = await reviewFixture(t, { memberState: 'DE' });
  });
  afterEach(() => t.close());

  const decide = async (id: string, body: unknown): Promise<void> => {
    await t.request('GET', '/v1/review/next', t.tokens.reviewer);
    const res = await t.request('POST', `/v1/review/reports/${id}/decision`, t.tokens.reviewer, JSON.stringify(body), JSON_TYPE);
    if (res.status !== 200) throw new Error(`decide: ${res.status} ${await res.text()}`);
  };
  /** The list as a sidecar would read it: verified under the provider-list key of the Centre's root first. */
  const decisions = async (since?: number, token = t.tokens.provider): Promise<DecisionList> => {
    const res = await t.request('GET', `/v1/feed/decisions${since === undefined ? '' : `?since=${since}`}`, token);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const root = trustedRootFrom(new Uint8Array(await (await t.request('GET', '/v1/feed/keys', t.tokens.provider)).arrayBuffer()), t.rootVerifierKey);
    return decodeDecisionList(openSigned(new Uint8Array(await res.arrayBuffer()), DECISIONS_PAYLOAD_TYPE, root, KEY_PURPOSES.providerList, t.clock.now));
  };

  describe('when nothing was decided', () => {
    it('serves an empty list for the provider, freshly dated', async () => {
      expect(await decisions()).toEqual({ provider: 'example-host', issuedAt: t.clock.now, since: 0, entries: [], more: false });
    });
  });

  describe('when reports are decided and held', () => {
    it('tells the provider each decision, the reason of an unfounded one, and a later hold as a new entry with the latest state', async () => {
      const forwarded = await f.send({ subject: 'user:u-1' });
      await decide(forwarded, { decision: 'forwarded' });
      const unfounded = await f.send({ subject: 'user:u-2' });
      await decide(unfounded, { decision: 'unfounded', reason: 'preview_mismatch', comment: 'The preview shows a landscape.' });
      const first = await decisions();
      expect(first.entries).toEqual([
        { seq: expect.any(Number), reportId: forwarded, decision: 'forwarded' },
        { seq: expect.any(Number), reportId: unfounded, decision: 'unfounded', reason: 'preview_mismatch' },
      ]);

      const until = t.clock.now + 30 * DAY;
      expect((await t.request('POST', `/v1/inbox/reports/${forwarded}/hold`, t.tokens.europol, JSON.stringify({ until }), JSON_TYPE)).status).toBe(201);
      const cursor = first.entries[1]?.seq ?? -1;
      const later = await decisions(cursor);
      expect(later.since).toBe(cursor);
      expect(later.entries).toEqual([{ seq: expect.any(Number), reportId: forwarded, decision: 'forwarded', hold: { until } }]);
      expect(later.entries[0]?.seq).toBeGreaterThan(cursor);
      // A shorter hold by another recipient leaves the furthest one standing: nothing new to tell.
      await t.request('POST', `/v1/inbox/reports/${forwarded}/hold`, t.tokens.authority, JSON.stringify({ until: until - DAY }), JSON_TYPE);
      expect((await decisions(later.entries[0]?.seq)).entries).toEqual([]);
    });

    it('appends nothing on a reopen, then the new decision keeping the hold a recipient asked for', async () => {
      const id = await f.send();
      await decide(id, { decision: 'forwarded' });
      const until = t.clock.now + 30 * DAY;
      await t.request('POST', `/v1/inbox/reports/${id}/hold`, t.tokens.authority, JSON.stringify({ until }), JSON_TYPE);
      const before = await decisions();
      const reopened = await t.request('POST', `/v1/review/reports/${id}/reopen`, ben, JSON.stringify({ comment: 'The preview needs a second look.' }), JSON_TYPE);
      expect(reopened.status).toBe(200);
      const cursor = before.entries.at(-1)?.seq ?? -1;
      expect((await decisions(cursor)).entries).toEqual([]);
      await t.request('GET', '/v1/review/next', ben);
      const res = await t.request('POST', `/v1/review/reports/${id}/decision`, ben, JSON.stringify({ decision: 'unfounded', reason: 'duplicate', comment: 'Reported twice.' }), JSON_TYPE);
      expect(res.status).toBe(200);
      expect((await decisions(cursor)).entries).toEqual([{ seq: expect.any(Number), reportId: id, decision: 'unfounded', reason: 'duplicate', hold: { until } }]);
    });

    it('never shows one provider the decisions on another provider’s reports', async () => {
      const other = t.account('other-host', 'provider');
      await decide(await f.send(), { decision: 'forwarded' });
      expect((await decisions(0, other)).entries).toEqual([]);
      expect((await decisions(0, other)).provider).toBe('other-host');
    });
  });

  describe('when the caller is not a provider, or since is bad', () => {
    it.each<[Role | 'none', number]>([
      ['none', 401],
      ['operator', 403],
      ['authority', 403],
      ['reviewer', 403],
      ['europol', 403],
      ['provider', 200],
    ])('answers %s with %i', async (role, status) => {
      const res = await t.request('GET', '/v1/feed/decisions', role === 'none' ? undefined : t.tokens[role]);
      expect(res.status).toBe(status);
    });

    it.each(['-1', 'x', '1e3', '9999999999999999'])('refuses since=%s with 400', async (since) => {
      const res = await t.request('GET', `/v1/feed/decisions?since=${since}`, t.tokens.provider);
      expect(res.status).toBe(400);
    });
  });
});
