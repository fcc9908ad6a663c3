import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../../shared/crypto/index.ts';
import { databasePath } from '../centre.ts';
import { IndicatorQualityStore } from '../store/indicator-quality.ts';
import { IndicatorRecordStore } from '../store/indicator-record.ts';
import { ReportStore } from '../store/reports.ts';
import { flatPreview } from '../testing/review-fixture.ts';
import { providersFixture, type ProvidersFixture } from '../testing/providers-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';
import { ReportRetention, retentionCutoff } from './retention.ts';

const DAY = 86_400_000;
const JSON_TYPE = 'application/json';
const FORWARD = { decision: 'forwarded' };
const UNFOUNDED = { decision: 'unfounded', reason: 'indicator_error', comment: 'The indicator is wrong.' };
const START = Date.UTC(2026, 10, 1);
/** Thirteen months after START: decisions made in START's month are a month past the default twelve. */
const PURGE_AT = Date.UTC(2027, 11, 1);

let t: TestCentre | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

async function setUp(): Promise<{ t: TestCentre; f: ProvidersFixture }> {
  t = createTestCentre();
  return { t, f: await providersFixture(t, []) };
}

const audits = (centre: TestCentre['centre'], action: string): unknown[] => centre.audit.page(0, 10_000).filter((e) => e.action === action).map((e) => e.detail);

describe('retentionCutoff', () => {
  it.each([
    { now: Date.UTC(2026, 10, 1), months: 12, cutoff: Date.UTC(2025, 10, 1) },
    { now: Date.UTC(2027, 2, 31, 12), months: 1, cutoff: Date.UTC(2027, 1, 28, 12) },
    { now: Date.UTC(2028, 2, 31), months: 1, cutoff: Date.UTC(2028, 1, 29) },
    { now: Date.UTC(2027, 0, 15), months: 14, cutoff: Date.UTC(2025, 10, 15) },
  ])('keeps decisions after $cutoff at $now with $months months', ({ now, months, cutoff }) => {
    expect(retentionCutoff(now, months)).toBe(cutoff);
  });
});

describe('report retention', () => {
  describe('when reports reach the end of their retention', () => {
    // Decided `decidedAt` after START; held until `holdUntil` (requested a day after START) when given.
    const rows = [
      { name: 'forwarded 13 months ago', decision: FORWARD, decidedAt: 0, holdUntil: null, purged: true },
      { name: 'judged unfounded 13 months ago', decision: UNFOUNDED, decidedAt: 0, holdUntil: null, purged: true },
      { name: 'forwarded 13 months ago, held until tomorrow', decision: FORWARD, decidedAt: 0, holdUntil: PURGE_AT + DAY, purged: false },
      { name: 'forwarded 13 months ago, held until yesterday', decision: FORWARD, decidedAt: 0, holdUntil: PURGE_AT - DAY, purged: true },
      { name: 'forwarded exactly 12 months ago', decision: FORWARD, decidedAt: Date.UTC(2026, 11, 1) - START, holdUntil: null, purged: true },
      { name: 'forwarded 11 months ago', decision: FORWARD, decidedAt: Date.UTC(2027, 0, 1) - START, holdUntil: null, purged: false },
      { name: 'never decided', decision: null, decidedAt: 0, holdUntil: null, purged: false },
    ] as const;

    it('purges exactly what is due, respects holds, audits the count and keeps decisions and counts', async () => {
      const { t, f } = await setUp();
      expect(t.clock.now).toBe(START);
      const ids: string[] = [];
      for (const [i] of rows.entries()) ids.push(await f.send({ subject: `user:u-${i + 1}` }));
      for (const [i, row] of rows.entries()) {
        if (row.decision === null) continue;
        t.clock.now = START + row.decidedAt;
        expect(await f.decideNext(t.tokens.reviewer, row.decision)).toBe(ids[i]);
      }
      t.clock.now = Date.UTC(2027, 0, 2);
      for (const [i, row] of rows.entries()) {
        if (row.holdUntil === null) continue;
        const held = await t.request('POST', `/v1/inbox/reports/${ids[i]}/hold`, t.tokens.authority, JSON.stringify({ until: row.holdUntil }), JSON_TYPE);
        expect(held.status).toBe(201);
      }
      const records = new IndicatorRecordStore(t.centre.db);
      const quality = new IndicatorQualityStore(t.centre.db);
      const before = { record: records.of(f.routine), quality: quality.of(f.routine), decisions: decisionRows(t) };

      t.clock.now = PURGE_AT;
      const result = new ReportRetention(t.centre).purge('test', PURGE_AT);

      const reports = new ReportStore(t.centre.db);
      const purged = rows.filter((r) => r.purged).length;
      expect(result).toEqual({ reports: purged, held: 1, cutoff: Date.UTC(2026, 11, 1), checkpointed: true });
      for (const [i, row] of rows.entries()) {
        const stored = reports.find(ids[i] ?? '')?.stored;
        expect({ name: row.name, purgedAt: stored?.purgedAt, preview: stored?.report.preview === null, envelope: reports.envelope(ids[i] ?? '') === undefined }).toEqual({
          name: row.name,
          purgedAt: row.purged ? PURGE_AT : null,
          preview: row.purged,
          envelope: row.purged,
        });
      }
      expect(audits(t.centre, 'report.purge')).toEqual([{ reports: purged, cutoff: Date.UTC(2026, 11, 1) }]);
      // Decisions, their records and the counts stay as they were.
      expect({ record: records.of(f.routine), quality: quality.of(f.routine), decisions: decisionRows(t) }).toEqual(before);

      // Nothing more is due: a second run purges nothing and audits nothing.
      expect(new ReportRetention(t.centre).purge('test', PURGE_AT)).toMatchObject({ reports: 0, held: 1, checkpointed: null });
      expect(audits(t.centre, 'report.purge')).toHaveLength(1);
      // Once the hold ends, the held report goes too.
      expect(new ReportRetention(t.centre).purge('test', PURGE_AT + 2 * DAY)).toMatchObject({ reports: 1, held: 0 });
    });
  });

  describe('when a report was purged', () => {
    async function purgedForwarded(): Promise<{ t: TestCentre; id: string; preview: string }> {
      const { t, f } = await setUp();
      const preview = flatPreview([17, 201, 133]);
      const id = await f.send({ preview });
      await f.decideNext(t.tokens.reviewer, FORWARD);
      t.clock.now = PURGE_AT;
      expect(new ReportRetention(t.centre).purge('test', PURGE_AT).reports).toBe(1);
      return { t, id, preview };
    }

    it('shows in review with a marker and without its subject or preview', async () => {
      const { t, id } = await purgedForwarded();
      const res = await t.request('GET', `/v1/review/reports/${id}`, t.tokens.reviewer);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { report: Record<string, unknown>; review: Record<string, unknown>; bundle: Record<string, unknown>[] };
      expect(body.report).toMatchObject({ reportId: id, purgedAt: PURGE_AT, subject: null, preview: null });
      expect(body.review).toMatchObject({ state: 'forwarded' });
      expect(body.bundle[0]).toMatchObject({ reportId: id, purgedAt: PURGE_AT });
      const listed = (await (await t.request('GET', '/v1/reports', t.tokens.operator)).json()) as { reports: Record<string, unknown>[] };
      expect(listed.reports[0]).toMatchObject({ reportId: id, purgedAt: PURGE_AT, subject: null, preview: null });
    });

    it('shows in the inbox with a marker, the Centre record kept', async () => {
      const { t, id } = await purgedForwarded();
      const res = await t.request('GET', '/v1/inbox/reports', t.tokens.authority);
      const body = (await res.json()) as { reports: { reportId: string; report: string | null; record: string; purgedAt: number | null }[] };
      expect(body.reports).toHaveLength(1);
      expect(body.reports[0]).toMatchObject({ reportId: id, report: null, purgedAt: PURGE_AT, decision: 'forwarded' });
      expect(decodeEnvelope(Buffer.from(body.reports[0]?.record ?? '', 'base64')).signatures).toHaveLength(1);
    });

    it('is gone from the raw database file', async () => {
      const { t, f } = await setUp();
      const preview = flatPreview([17, 201, 133]);
      const id = await f.send({ preview });
      const reports = new ReportStore(t.centre.db);
      const signature = Buffer.from(decodeEnvelope(reports.envelope(id) ?? new Uint8Array()).signatures[0]?.sig ?? []);
      expect(signature.byteLength).toBe(64);
      const fileBytes = (): Buffer => Buffer.concat([databasePath(t.dataDir), `${databasePath(t.dataDir)}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));
      expect(fileBytes().includes(preview)).toBe(true);
      expect(fileBytes().includes(signature)).toBe(true);
      await f.decideNext(t.tokens.reviewer, FORWARD);
      t.clock.now = PURGE_AT;
      expect(new ReportRetention(t.centre).purge('test', PURGE_AT)).toMatchObject({ reports: 1, checkpointed: true });
      expect(fileBytes().includes(preview)).toBe(false);
      expect(fileBytes().includes(signature)).toBe(false);
    });

    it('retries a checkpoint another connection blocked at the next run', async () => {
      const { t, f } = await setUp();
      await f.send();
      await f.decideNext(t.tokens.reviewer, FORWARD);
      const reader = new Database(databasePath(t.dataDir), { readonly: true });
      try {
        reader.prepare('BEGIN').run();
        reader.prepare('SELECT count(*) FROM reports').get(); // holds a read snapshot of the WAL
        t.centre.db.pragma('busy_timeout = 0');
        const retention = new ReportRetention(t.centre);
        expect(retention.purge('test', PURGE_AT)).toMatchObject({ reports: 1, checkpointed: false });
        reader.prepare('COMMIT').run();
        expect(retention.purge('test', PURGE_AT)).toMatchObject({ reports: 0, checkpointed: true });
        expect(retention.purge('test', PURGE_AT)).toMatchObject({ reports: 0, checkpointed: null });
      } finally {
        reader.close();
      }
    });

    it('refuses a reopen of its decision, which stays as it was', async () => {
      const { t, id } = await purgedForwarded();
      const other = t.account('reviewer-2', 'reviewer');
      const res = await t.request('POST', `/v1/review/reports/${id}/reopen`, other, JSON.stringify({ comment: 'Look again.' }), JSON_TYPE);
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('REVIEW_PURGED');
      expect((await t.request('GET', '/v1/review/next', other)).status).toBe(204);
      const view = (await (await t.request('GET', `/v1/review/reports/${id}`, other)).json()) as { review: { state: string } };
      expect(view.review.state).toBe('forwarded');
      expect(audits(t.centre, 'review.reopen')).toEqual([]);
    });

    it('cannot be altered otherwise, purged again, or deleted', async () => {
      const { t, id } = await purgedForwarded();
      const attempts = [
        `UPDATE reports SET order_id = order_id || 'x' WHERE report_id = '${id}'`,
        `UPDATE reports SET purged_at = purged_at + 1 WHERE report_id = '${id}'`,
        `DELETE FROM reports WHERE report_id = '${id}'`,
      ];
      for (const sql of attempts) expect(() => t.centre.db.exec(sql)).toThrow(/append-only/);
    });
  });
});

function decisionRows(t: TestCentre): unknown[] {
  return t.centre.db.prepare('SELECT b.id, b.state, b.reason, b.decided_at, d.decision, d.decided_by FROM review_bundles b LEFT JOIN review_decisions d ON d.bundle_id = b.id ORDER BY b.id, d.id').all();
}
