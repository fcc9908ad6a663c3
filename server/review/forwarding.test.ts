import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../../shared/trust/testing/trusted-root.ts';
import { decodeForwardingRecord, FORWARDING_RECORD_PAYLOAD_TYPE, type ForwardingRecord } from '../../shared/wire/forwarding-record.ts';
import { reviewFixture, type ReviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const JSON_TYPE = 'application/json';

describe('forwarding a decision', () => {
  let t: TestCentre;
  let f: ReviewFixture;
  let ben: string;

  const start = async (orderOverrides?: Record<string, unknown>): Promise<void> => {
    t = createTestCentre();
    ben = t.account('reviewer-2', 'reviewer');
    t.account('FR-OCRVP', 'authority', 'FR');
    f = await reviewFixture(t, orderOverrides);
  };
  afterEach(() => t.close());

  const decideNext = async (body: unknown, token = t.tokens.reviewer): Promise<Response> => {
    const claimed = (await (await t.request('GET', '/v1/review/next', token)).json()) as { report: { reportId: string } };
    return t.request('POST', `/v1/review/reports/${claimed.report.reportId}/decision`, token, JSON.stringify(body), JSON_TYPE);
  };
  const recordsOf = (reportId: string): { decision: string; envelope: Buffer }[] =>
    t.centre.db.prepare<[string], { decision: string; envelope: Buffer }>('SELECT decision, envelope FROM forwarding_records WHERE report_id = ? ORDER BY id').all(reportId);
  const reportEnvelope = (reportId: string): Buffer =>
    t.centre.db.prepare<[string], { envelope: Buffer }>('SELECT envelope FROM reports WHERE report_id = ?').get(reportId)?.envelope ?? Buffer.alloc(0);
  const inboxOwners = (reportId: string): string[] =>
    t.centre.db
      .prepare<[string], { name: string }>('SELECT a.name FROM inbox_items i JOIN accounts a ON a.id = i.account_id WHERE i.report_id = ? ORDER BY i.id')
      .all(reportId)
      .map((r) => r.name);

  /** What a recipient does: the Centre's root chain from /v1/feed/keys walked from the pinned root, the record under a 'forwarding' key. */
  async function verified(envelope: Uint8Array): Promise<ForwardingRecord> {
    const root = trustedRootFrom(new Uint8Array(await (await t.request('GET', '/v1/feed/keys', t.tokens.provider)).arrayBuffer()), t.rootVerifierKey);
    const payload = openSigned(envelope, FORWARDING_RECORD_PAYLOAD_TYPE, root, KEY_PURPOSES.forwarding, t.clock.now);
    return decodeForwardingRecord(payload);
  }

  describe('when a report citing a German order is forwarded', () => {
    beforeEach(() => start({ memberState: 'DE' }));

    it('signs one record for the German authority and Europol, and delivers it to both inboxes only', async () => {
      const id = await f.send();
      expect((await decideNext({ decision: 'forwarded' })).status).toBe(200);
      const [record, ...more] = recordsOf(id);
      expect(more).toEqual([]);
      expect(await verified(new Uint8Array(record?.envelope ?? []))).toEqual({
        reportId: id,
        decision: 'forwarded',
        recipients: [
          { account: 'DE-BKA', role: 'authority', memberState: 'DE' },
          { account: 'europol', role: 'europol', memberState: null },
        ],
        decidedAt: t.clock.now,
        provider: 'example-host',
        providerKey: f.providerKey,
        reportSha256: new Uint8Array(createHash('sha256').update(reportEnvelope(id)).digest()),
      });
      expect(inboxOwners(id)).toEqual(['DE-BKA', 'europol']);
    });

    it('sends nothing for an unfounded report that was never forwarded', async () => {
      const id = await f.send();
      await decideNext({ decision: 'unfounded', reason: 'duplicate', comment: 'Already reported.' });
      expect(recordsOf(id)).toEqual([]);
      expect(inboxOwners(id)).toEqual([]);
    });

    it('tells the earlier recipients, with a signed unfounded record, when a reopened report is judged unfounded', async () => {
      const id = await f.send();
      await decideNext({ decision: 'forwarded' });
      await t.request('POST', `/v1/review/reports/${id}/reopen`, ben, JSON.stringify({ comment: 'Wrong order cited.' }), JSON_TYPE);
      t.clock.now += 1000;
      expect((await decideNext({ decision: 'unfounded', reason: 'other', comment: 'The order had lapsed.' }, ben)).status).toBe(200);
      const records = recordsOf(id);
      expect(records.map((r) => r.decision)).toEqual(['forwarded', 'unfounded']);
      expect(await verified(new Uint8Array(records[1]?.envelope ?? []))).toMatchObject({ decision: 'unfounded', decidedAt: t.clock.now });
      expect(inboxOwners(id)).toEqual(['DE-BKA', 'europol', 'DE-BKA', 'europol']);
    });
  });

  describe('when the cited order has no Member State', () => {
    beforeEach(() => start({}));

    it('forwards to Europol alone', async () => {
      const id = await f.send();
      await decideNext({ decision: 'forwarded' });
      expect(inboxOwners(id)).toEqual(['europol']);
    });

    it('refuses to forward to more recipients than a signed record may name (ROUTING_TOO_MANY_RECIPIENTS), and the report stays claimed', async () => {
      // 64 enabled Europol accounts and no competent authority: 64 recipients fit a record, 65 do not (MAX_FORWARDING_RECIPIENTS).
      for (let i = 2; i <= 65; i++) t.centre.write(() => t.centre.accounts.ensure(`europol-${i}`, 'europol', t.clock.now));
      const id = await f.send();
      const res = await decideNext({ decision: 'forwarded' });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: 'ROUTING_TOO_MANY_RECIPIENTS' } });
      const view = (await (await t.request('GET', `/v1/review/reports/${id}`, ben)).json()) as { review: { state: string } };
      expect(view.review.state).toBe('in_review');
      expect(t.centre.db.prepare('SELECT count(*) AS n FROM review_decisions').get()).toEqual({ n: 0 });
    });

    it('refuses to forward into nothing with ROUTING_NO_RECIPIENT, and the report stays claimed', async () => {
      t.centre.db.prepare("UPDATE accounts SET disabled_at = 1 WHERE role = 'europol'").run();
      const id = await f.send();
      const res = await decideNext({ decision: 'forwarded' });
      expect(res.status).toBe(409);
      expect(await res.json()).toMatchObject({ error: { code: 'ROUTING_NO_RECIPIENT' } });
      const view = (await (await t.request('GET', `/v1/review/reports/${id}`, ben)).json()) as { review: { state: string } };
      expect(view.review.state).toBe('in_review');
      expect(t.centre.db.prepare('SELECT count(*) AS n FROM review_decisions').get()).toEqual({ n: 0 });
    });
  });
});
