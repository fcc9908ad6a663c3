import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { captured } from '../testing/captured-io.ts';
import { databasePath, openCentre } from '../../server/centre.ts';
import { exportFeed } from '../../server/export.ts';
import { startStaticMirror } from '../testing/static-mirror.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { startLoopbackCentre, stopLoopbackCentres } from '../testing/loopback-centre.ts';
import { run } from './audit.ts';

const dirs = tempDirs();
afterEach(async () => {
  await stopLoopbackCentres();
  dirs.removeAll();
});

const rows = (n: number) => Array.from({ length: n }, () => ({ algorithm: 'pdq', hash: randomBytes(32).toString('hex') }));

describe('hashfeed audit (CLI, against a Centre on a loopback port)', () => {
  describe('when the history is honest', () => {
    it('prints a clean Markdown report, writes audit.json and exits 0', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish(rows(3));
      await centre.publish(rows(2));
      const state = dirs.make('hf-audit-cli-');
      const { io, out, err } = captured();
      const status = await run(['--centre', centre.url, '--token', centre.tokens.auditor, '--state', state, '--pin', centre.rootKey], io);
      expect(err()).toBe('');
      expect(status).toBe(0);
      expect(out()).toContain('Result: **clean**');
      const written = JSON.parse(readFileSync(join(state, 'audit.json'), 'utf8')) as { clean: boolean; versions: { latest: number } };
      expect(written).toMatchObject({ clean: true, versions: { latest: 2 } });
    });
  });

  describe('when the feed objects come from a static mirror (--mirror)', () => {
    it('audits clean, sending the mirror no credential', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish(rows(2));
      await centre.publish(rows(2));
      const out = dirs.make('hf-audit-mirror-');
      const offline = openCentre(centre.dataDir, Date.now(), {});
      try {
        exportFeed(offline, out, Date.now());
      } finally {
        offline.close();
      }
      const mirror = await startStaticMirror(out);
      try {
        const state = dirs.make('hf-audit-cli-');
        const { io, out: printed, err } = captured();
        const status = await run(['--centre', centre.url, '--mirror', mirror.url, '--token', centre.tokens.auditor, '--state', state, '--pin', centre.rootKey], io);
        expect(err()).toBe('');
        expect(status).toBe(0);
        expect(printed()).toContain(`feed objects from the mirror ${mirror.url}`);
        expect(mirror.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/v1/feed/keys', '/v1/feed/deltas/1', '/v1/feed/deltas/2', '/v1/feed/snapshot']));
        expect(mirror.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
      } finally {
        await mirror.stop();
      }
    });
  });

  describe('when a version was deleted from the Centre database', () => {
    it('reports AUDIT_VERSION_MISSING and exits 1', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish(rows(1));
      await centre.publish(rows(1));
      await centre.publish(rows(1));
      const db = new Database(databasePath(centre.dataDir));
      try {
        db.exec('DROP TRIGGER versions_no_delete');
        db.pragma('foreign_keys = OFF');
        db.prepare('DELETE FROM versions WHERE version = 2').run();
      } finally {
        db.close();
      }
      const state = dirs.make('hf-audit-cli-');
      const { io, out } = captured();
      expect(await run(['--centre', centre.url, '--token', centre.tokens.auditor, '--state', state, '--pin', centre.rootKey], io)).toBe(1);
      expect(out()).toContain('| AUDIT_VERSION_MISSING | version 2 |');
    });
  });

  describe('when it cannot audit', () => {
    it('exits 2 with a code: a provider token, an unreachable Centre, no pin', async () => {
      const centre = await startLoopbackCentre();
      await centre.publish(rows(1));
      const state = dirs.make('hf-audit-cli-');
      const token = captured();
      expect(await run(['--centre', centre.url, '--token', centre.tokens.provider, '--state', state, '--pin', centre.rootKey], token.io)).toBe(2);
      expect(token.err()).toContain('AUDIT_BAD_TOKEN');
      const unreachable = captured();
      expect(await run(['--centre', 'http://127.0.0.1:1', '--token', centre.tokens.auditor, '--state', state, '--pin', centre.rootKey], unreachable.io)).toBe(2);
      expect(unreachable.err()).toContain('AUDIT_UNREACHABLE');
      const noPin = captured();
      expect(await run(['--centre', centre.url, '--token', centre.tokens.auditor, '--state', state], noPin.io)).toBe(2);
      expect(noPin.err()).toContain('AUDIT_BAD_PIN');
      expect(existsSync(join(state, 'audit-state.json'))).toBe(false);
    });
  });
});
