import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { openCentre } from '../server/centre.ts';
import { publishIndicators, revokeAndPublish } from '../server/testing/publish-indicators.ts';
import { reviewFixture, type ReviewFixture } from '../server/testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../server/testing/test-centre.ts';
import { runAudit } from '../client/audit/index.ts';
import { auditCentre, AUDITED_CENTRE, plantReport, violationCodes } from './testing/audit-run.ts';

const DAY = 86_400_000;

describe('hashfeed audit', () => {
  let t: TestCentre;
  let stateDir: string;
  let fixture: ReviewFixture;
  const cleanups: (() => void)[] = [];
  beforeEach(async () => {
    t = createTestCentre();
    stateDir = mkdtempSync(join(tmpdir(), 'hf-audit-state-'));
    fixture = await reviewFixture(t);
    const ids = await publishIndicators(t, 5);
    t.clock.now += 40 * DAY;
    await publishIndicators(t, 3, 'phash64');
    await revokeAndPublish(t, ids[0] ?? 0, 'FALSE_POSITIVE');
    t.clock.now -= 40 * DAY;
    await fixture.send();
    t.clock.now += 40 * DAY;
  });
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    t.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  describe('when the history is honest', () => {
    it('replays every version with no violation, and counts the history by month and category', async () => {
      const result = await auditCentre(t, t.tokens.auditor, stateDir, t.rootVerifierKey);
      expect(result.violations).toEqual([]);
      expect(result.clean).toBe(true);
      expect(result.versions).toMatchObject({ latest: 4, replayedTo: 4, indicators: 9 });
      // Sealed: every version was opened with an epoch key the Centre wrapped for this run.
      expect(result.versions.epochs).toBeGreaterThan(0);
      expect(result.orders).toEqual({ orders: 1, endedEarly: 0, reports: 1, purgedReports: 0 });
      const months = Object.values(result.months);
      expect(months.reduce((n, m) => n + m.additions, 0)).toBe(10);
      expect(months.reduce((n, m) => n + (m.tombstonesByReason.FALSE_POSITIVE ?? 0), 0)).toBe(1);
      expect(result.keyChanges.map((r) => r.version)).toEqual([1]);
    });

    it('audits again from the saved state (no --pin) with the same result', async () => {
      await auditCentre(t, t.tokens.auditor, stateDir, t.rootVerifierKey);
      await publishIndicators(t, 2);
      const second = await auditCentre(t, t.tokens.auditor, stateDir);
      expect(second.violations).toEqual([]);
      expect(second.checkpoint.previousSize).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(join(stateDir, 'audit-state.json'), 'utf8'))).toMatchObject({ head: { size: second.checkpoint.size } });
    });
  });

  describe('when the log grows while the audit reads it', () => {
    it('audits the tree of the checkpoint it fetched, with no violation', async () => {
      // An honest Centre publishes between the checkpoint the audit verified and the leaves it then reads.
      let published = false;
      const growing = async (url: string, init: RequestInit): Promise<Response> => {
        const res = await t.app.request(url, init);
        if (!published && new URL(url).pathname === '/v1/log/checkpoint') {
          published = true;
          await publishIndicators(t, 1);
        }
        return res;
      };
      const result = await runAudit({ centre: AUDITED_CENTRE, token: t.tokens.auditor, stateDir, pin: [t.rootVerifierKey], now: t.clock.now, fetch: growing });
      expect(result.violations).toEqual([]);
      expect(result.checkpoint.size).toBeLessThan(t.centre.log.size());
    });
  });

  describe('when the Centre tampers with its history', () => {
    it('reports a modified delta as AUDIT_DELTA_SIGNATURE and AUDIT_NOT_IN_LOG', async () => {
      const row = t.centre.db.prepare<[], { envelope: Buffer }>('SELECT envelope FROM versions WHERE version = 2').get();
      const envelope = Buffer.from(row?.envelope ?? []);
      envelope[envelope.length - 1] = (envelope[envelope.length - 1] ?? 0) ^ 1;
      t.centre.db.exec('DROP TRIGGER versions_no_update');
      t.centre.db.prepare('UPDATE versions SET envelope = ? WHERE version = 2').run(envelope);
      const result = await auditCentre(t, t.tokens.auditor, stateDir, t.rootVerifierKey);
      expect(violationCodes(result)).toEqual(['AUDIT_DELTA_SIGNATURE', 'AUDIT_NOT_IN_LOG']);
      expect(result.violations.every((v) => v.version === 2)).toBe(true);
      expect(result.versions.replayedTo).toBe(1);
    });

    it('reports a deleted version as AUDIT_VERSION_MISSING', async () => {
      t.centre.db.exec('DROP TRIGGER versions_no_delete');
      t.centre.db.pragma('foreign_keys = OFF');
      t.centre.db.prepare('DELETE FROM versions WHERE version = 3').run();
      const result = await auditCentre(t, t.tokens.auditor, stateDir, t.rootVerifierKey);
      expect(violationCodes(result)).toEqual(['AUDIT_VERSION_MISSING']);
      expect(result.violations[0]?.version).toBe(3);
    });

    it('reports a log rewritten between two audits as AUDIT_LOG_REWRITTEN, and keeps the state it was judged against', async () => {
      // The fork: the data folder copied now; the honest Centre publishes, is audited, then the fork publishes other content.
      t.centre.db.pragma('wal_checkpoint(TRUNCATE)');
      const forkDir = mkdtempSync(join(tmpdir(), 'hf-audit-fork-'));
      cpSync(t.dataDir, forkDir, { recursive: true });
      await publishIndicators(t, 2);
      expect((await auditCentre(t, t.tokens.auditor, stateDir, t.rootVerifierKey)).clean).toBe(true);
      const saved = readFileSync(join(stateDir, 'audit-state.json'), 'utf8');

      const forkCentre = openCentre(forkDir, t.clock.now, {});
      cleanups.push(() => {
        forkCentre.close();
        rmSync(forkDir, { recursive: true, force: true });
      });
      const clock = t.clock;
      const fork = { app: createApp({ centre: forkCentre, clock: () => clock.now, random: () => 1, onError: () => undefined }), clock };
      const forked: TestCentre = { ...t, centre: forkCentre, app: fork.app, request: async (method, path, token, body, contentType) => fork.app.request(path, { method, headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(contentType === undefined ? {} : { 'content-type': contentType }) }, body: body ?? null }) };
      await publishIndicators(forked, 3);
      const result = await auditCentre(fork, t.tokens.auditor, stateDir);
      expect(violationCodes(result)).toEqual(['AUDIT_LOG_REWRITTEN']);
      expect(readFileSync(join(stateDir, 'audit-state.json'), 'utf8')).toBe(saved);
      // Re-run: the same finding, judged against the same saved head.
      expect(violationCodes(await auditCentre(fork, t.tokens.auditor, stateDir))).toEqual(['AUDIT_LOG_REWRITTEN']);
    });
  });

  describe('when the Centre edits an order after logging it', () => {
    it('reports AUDIT_ORDER_COMMITMENT_MISMATCH, and the order\'s reports as resting on no logged order', async () => {
      t.centre.db.exec('DROP TRIGGER orders_terms_fixed');
      t.centre.db.prepare("UPDATE orders SET not_after = not_after + ? WHERE order_id = 'DE-2026-0001'").run(365 * DAY);
      const result = await auditCentre(t, t.tokens.auditor, stateDir, t.rootVerifierKey);
      expect(violationCodes(result)).toEqual(['AUDIT_ORDER_COMMITMENT_MISMATCH', 'AUDIT_REPORT_ORDER_NOT_LOGGED']);
    });
  });

  describe('when a report does not rest on a logged order in force', () => {
    it('reports a report citing an order that is not in the log as AUDIT_REPORT_ORDER_NOT_LOGGED', async () => {
      const reportId = plantReport(t.centre, { orderId: 'DE-2026-9999', detectedAt: t.clock.now - 40 * DAY });
      const result = await auditCentre(t, t.tokens.auditor, stateDir, t.rootVerifierKey);
      expect(result.violations).toEqual([expect.objectContaining({ code: 'AUDIT_REPORT_ORDER_NOT_LOGGED', reportId })]);
    });

    it('reports a report detected after its order lapsed as AUDIT_REPORT_OUTSIDE_WINDOW', async () => {
      const reportId = plantReport(t.centre, { detectedAt: t.clock.now - 40 * DAY + 31 * DAY });
      const result = await auditCentre(t, t.tokens.auditor, stateDir, t.rootVerifierKey);
      expect(result.violations).toEqual([expect.objectContaining({ code: 'AUDIT_REPORT_OUTSIDE_WINDOW', reportId })]);
    });

    it('reports a subject the order does not target as AUDIT_REPORT_SUBJECT_NOT_TARGETED', async () => {
      const reportId = plantReport(t.centre, { detectedAt: t.clock.now - 40 * DAY, subject: 'user:u-42' });
      const result = await auditCentre(t, t.tokens.auditor, stateDir, t.rootVerifierKey);
      expect(result.violations).toEqual([expect.objectContaining({ code: 'AUDIT_REPORT_SUBJECT_NOT_TARGETED', reportId })]);
    });
  });

  describe('when it cannot audit', () => {
    it('fails with AUDIT_BAD_PIN on a first audit without a pin, and AUDIT_BAD_TOKEN with a provider token', async () => {
      await expect(auditCentre(t, t.tokens.auditor, stateDir)).rejects.toMatchObject({ code: 'AUDIT_BAD_PIN' });
      await expect(auditCentre(t, t.tokens.provider, stateDir, t.rootVerifierKey)).rejects.toMatchObject({ code: 'AUDIT_BAD_TOKEN' });
    });
  });
});
