import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../shared/crypto/index.ts';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../../shared/trust/testing/trusted-root.ts';
import { decodeForwardingRecord, FORWARDING_RECORD_PAYLOAD_TYPE } from '../../shared/wire/forwarding-record.ts';
import { decodeReport } from '../../shared/wire/report.ts';
import { latestHoldUntil } from '../review/hold-limit.ts';
import { ForwardingStore } from '../store/forwarding.ts';
import { reviewFixture, type ReviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const JSON_TYPE = 'application/json';
const DAY = 86_400_000;
type Inbox = { reports: { id: number; reportId: string; decision: string; ackedAt: number | null; report: string; record: string }[]; next: number | null };

describe('the recipients inbox', () => {
  let t: TestCentre;
  let f: ReviewFixture;
  let french: string;
  let ben: string;

  beforeEach(async () => {
    t = createTestCentre();
    french = t.account('FR-OCRVP', 'authority', 'FR');
    ben = t.account('reviewer-2', 'reviewer');
    f = await reviewFixture(t, { memberState: 'DE' });
  });
  afterEach(() => t.close());

  /** Sends a report and has reviewer-1 decide it. */
  const decided = async (body: unknown = { decision: 'forwarded' }, overrides = {}): Promise<string> => {
    const id = await f.send(overrides);
    await t.request('GET', '/v1/review/next', t.tokens.reviewer);
    const res = await t.request('POST', `/v1/review/reports/${id}/decision`, t.tokens.reviewer, JSON.stringify(body), JSON_TYPE);
    if (res.status !== 200) throw new Error(`decide: ${res.status} ${await res.text()}`);
    return id;
  };
  const inbox = async (token: string, query = ''): Promise<Inbox> => (await (await t.request('GET', `/v1/inbox/reports${query}`, token)).json()) as Inbox;
  const hold = (id: string, until: unknown, token = t.tokens.authority): Promise<Response> =>
    t.request('POST', `/v1/inbox/reports/${id}/hold`, token, JSON.stringify({ until }), JSON_TYPE);
  const code = async (res: Response): Promise<string> => ((await res.json()) as { error: { code: string } }).error.code;

  describe('when a report is forwarded', () => {
    it('reaches the competent authority and Europol with the provider report and the Centre record, both verifiable', async () => {
      const id = await decided();
      for (const token of [t.tokens.authority, t.tokens.europol]) {
        const [item, ...rest] = (await inbox(token)).reports;
        expect(rest).toEqual([]);
        expect(item).toMatchObject({ reportId: id, decision: 'forwarded', ackedAt: null });
        const report = decodeReport(decodeEnvelope(Buffer.from(item?.report ?? '', 'base64')).payload);
        expect(report.reportId).toBe(id);
        const root = trustedRootFrom(new Uint8Array(await (await t.request('GET', '/v1/feed/keys', t.tokens.provider)).arrayBuffer()), t.rootVerifierKey);
        const payload = openSigned(Buffer.from(item?.record ?? '', 'base64'), FORWARDING_RECORD_PAYLOAD_TYPE, root, KEY_PURPOSES.forwarding, t.clock.now);
        expect(decodeForwardingRecord(payload)).toMatchObject({ reportId: id, decision: 'forwarded' });
      }
    });

    it('never shows it to another Member State, whose ack and hold find nothing', async () => {
      const id = await decided();
      expect((await inbox(french)).reports).toEqual([]);
      expect((await t.request('POST', `/v1/inbox/reports/${id}/ack`, french)).status).toBe(404);
      expect((await hold(id, t.clock.now + DAY, french)).status).toBe(404);
    });

    it('pages with after and limit', async () => {
      const ids = [await decided(), await decided({ decision: 'forwarded' }, { subject: 'user:u-2' }), await decided({ decision: 'forwarded' }, { subject: 'user:u-3' })];
      const first = await inbox(t.tokens.authority, '?limit=2');
      expect(first.reports.map((r) => r.reportId)).toEqual(ids.slice(0, 2));
      const rest = await inbox(t.tokens.authority, `?limit=2&after=${first.next}`);
      expect(rest.reports.map((r) => r.reportId)).toEqual(ids.slice(2));
      expect(rest.next).toBeNull();
    });
  });

  describe('when a recipient acknowledges', () => {
    it('records when, once, audited', async () => {
      const id = await decided();
      const res = await t.request('POST', `/v1/inbox/reports/${id}/ack`, t.tokens.europol);
      expect(await res.json()).toEqual({ reportId: id, acknowledged: 1, ackedAt: t.clock.now });
      expect((await inbox(t.tokens.europol)).reports[0]?.ackedAt).toBe(t.clock.now);
      expect((await inbox(t.tokens.authority)).reports[0]?.ackedAt).toBeNull();
      t.clock.now += 1000;
      expect(await (await t.request('POST', `/v1/inbox/reports/${id}/ack`, t.tokens.europol)).json()).toEqual({ reportId: id, acknowledged: 0, ackedAt: null });
      const audit = await (await t.request('GET', '/v1/audit?limit=1000', t.tokens.admin)).text();
      expect(audit).toContain('"action":"inbox.ack"');
    });
  });

  describe('when a recipient asks for a hold', () => {
    it('keeps it, queryable by report and in order, up to exactly 18 months', async () => {
      const id = await decided();
      const until = latestHoldUntil(t.clock.now);
      const res = await hold(id, until);
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ reportId: id, hold: { until, requestedAt: t.clock.now } });
      const store = new ForwardingStore(t.centre.db);
      expect(store.holdsOf(id)).toEqual([{ reportId: id, account: 'DE-BKA', until, requestedAt: t.clock.now }]);
      expect(store.holdsAfter(0, 10)).toEqual([expect.objectContaining({ reportId: id, until })]);
    });

    it.each([
      ['beyond 18 months', (now: number) => latestHoldUntil(now) + 1, 'INBOX_HOLD_TOO_LONG'],
      ['in the past', (now: number) => now - 1, 'INBOX_HOLD_INVALID'],
      ['now', (now: number) => now, 'INBOX_HOLD_INVALID'],
      ['not a number', () => '2027-01-01', 'INBOX_HOLD_INVALID'],
    ])('refuses one %s with 400', async (_name, until, expected) => {
      const id = await decided();
      const res = await hold(id, until(t.clock.now));
      expect([res.status, await code(res)]).toEqual([400, expected]);
      expect(new ForwardingStore(t.centre.db).holdsOf(id)).toEqual([]);
    });

    it('refuses one on a report since judged unfounded with 409 INBOX_HOLD_UNFOUNDED', async () => {
      const id = await decided();
      await t.request('POST', `/v1/review/reports/${id}/reopen`, ben, JSON.stringify({ comment: 'Second look.' }), JSON_TYPE);
      await t.request('GET', '/v1/review/next', ben);
      await t.request('POST', `/v1/review/reports/${id}/decision`, ben, JSON.stringify({ decision: 'unfounded', reason: 'not_csam', comment: 'Adult content.' }), JSON_TYPE);
      expect((await inbox(t.tokens.authority)).reports.map((r) => r.decision)).toEqual(['forwarded', 'unfounded']);
      const res = await hold(id, t.clock.now + DAY);
      expect([res.status, await code(res)]).toEqual([409, 'INBOX_HOLD_UNFOUNDED']);
    });
  });
});
