import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { slowRequest, tryConnect } from '../shared/testing/slow-request.ts';
import { initCentre } from './init.ts';
import { serveCentre, type RunningCentre } from './main.ts';
import { ReportStore } from './store/reports.ts';
import { providersFixture } from './testing/providers-fixture.ts';
import { createTestCentre } from './testing/test-centre.ts';

describe('serveCentre', () => {
  let dataDir: string;
  let adminToken: string;
  let running: RunningCentre | undefined;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hf-centre-serve-'));
    adminToken = initCentre(dataDir, Date.now()).adminToken;
    running = await serveCentre({ dataDir, port: 0, logger: pino({ level: 'silent' }) });
  });
  afterEach(async () => {
    await running?.close({ deadlineMs: 0 });
    rmSync(dataDir, { recursive: true, force: true });
  });

  const createAccount = (url: string, name: string) =>
    slowRequest(url, '/v1/accounts', { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, JSON.stringify({ name, role: 'provider' }));

  describe('when stopped with a request in flight', () => {
    it('refuses new connections, lets the request finish, then closes', async () => {
      if (running === undefined) throw new Error('not running');
      const { url } = running;
      const inFlight = createAccount(url, 'late-provider');
      await inFlight.sent;
      const closing = running.close();
      running = undefined;
      expect(await tryConnect(url)).toBe('ECONNREFUSED');
      inFlight.finish();
      expect(await inFlight.answer).toMatchObject({ status: 201 });
      await closing;
    });
  });

  describe('when the request outlasts the shutdown deadline', () => {
    it('cuts the connection at the deadline and closes', async () => {
      if (running === undefined) throw new Error('not running');
      const inFlight = createAccount(running.url, 'never-finished');
      await inFlight.sent;
      await running.close({ deadlineMs: 50 });
      running = undefined;
      expect(await inFlight.answer).toHaveProperty('error');
    });
  });
});

describe('serveCentre retention', () => {
  describe('when reports are past their retention at start', () => {
    it('purges them before serving', async () => {
      // Kept one month: the signing key's certificate (a year from the test day) is still valid when they fall due.
      const t = createTestCentre({ reportRetentionMonths: 1 });
      let running: RunningCentre | undefined;
      try {
        const f = await providersFixture(t, []);
        const id = await f.send();
        await f.decideNext(t.tokens.reviewer, { decision: 'forwarded' });
        t.centre.close();
        running = await serveCentre({ dataDir: t.dataDir, port: 0, clock: () => Date.UTC(2027, 0, 1), logger: pino({ level: 'silent' }) });
        expect(new ReportStore(running.centre.db).find(id)?.stored.purgedAt).toBe(Date.UTC(2027, 0, 1));
        expect(running.centre.audit.page(0, 10_000).filter((e) => e.action === 'report.purge').map((e) => e.actor)).toEqual(['centre']);
      } finally {
        await running?.close({ deadlineMs: 0 });
        t.close();
      }
    });
  });
});
