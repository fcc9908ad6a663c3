import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { providersFixture } from '../../server/testing/providers-fixture.ts';
import { createTestCentre } from '../../server/testing/test-centre.ts';
import { run } from './centre.ts';

async function centre(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await run(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { status, stdout, stderr };
}

const dirs = tempDirs();
let dataDir: string;
beforeEach(() => {
  dataDir = dirs.make('hf-cli-');
});
afterEach(() => dirs.removeAll());

const SUBCOMMANDS = ['init', 'serve', 'token create', 'keys list', 'keys rotate', 'keys revoke', 'keys root propose', 'keys root publish', 'publish', 'purge', 'export'];

describe('hashfeed centre', () => {
  describe('when a subcommand is given an option of another subcommand', () => {
    it('refuses `publish --port 1` with exit 2, naming the option, and publishes nothing', async () => {
      const { status, stdout, stderr } = await centre('publish', '--port', '1', '--data', dataDir);
      expect(status).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^hashfeed centre publish: Unknown option '--port'/);
      expect(stderr).toContain('usage: hashfeed centre publish [--data DIR]');
    });

    it.each([
      ['init', '--out', 'x'],
      ['serve', '--role', 'admin'],
      ['token create', '--port', '1'],
      ['keys rotate', '--feed', 'x'],
      ['export', '--host', '0.0.0.0'],
    ])('refuses `%s %s` with exit 2', async (name, option, value) => {
      const { status, stderr } = await centre(...name.split(' '), option, value, '--data', dataDir);
      expect(status).toBe(2);
      expect(stderr).toContain(`Unknown option '${option}'`);
      expect(stderr).toContain(`usage: hashfeed centre ${name}`);
    });
  });

  describe('when a subcommand is given a bare argument', () => {
    it('refuses it with exit 2', async () => {
      const { status, stderr } = await centre('publish', 'now', '--data', dataDir);
      expect(status).toBe(2);
      expect(stderr).toMatch(/^hashfeed centre publish: unexpected argument 'now'/);
    });
  });

  describe('when asked for --help', () => {
    it.each(SUBCOMMANDS)('prints the usage of `%s` alone and exits 0', async (name) => {
      const { status, stdout, stderr } = await centre(...name.split(' '), '--help');
      expect(status).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toMatch(new RegExp(`^usage: hashfeed centre ${name} `));
      for (const other of SUBCOMMANDS.filter((o) => o !== name)) expect(stdout).not.toContain(`centre ${other}`);
    });

    it('prints the list of subcommands for `centre --help`', async () => {
      const { status, stdout } = await centre('--help');
      expect(status).toBe(0);
      expect(stdout).toMatch(/^usage: hashfeed centre <command>/);
      for (const name of SUBCOMMANDS) expect(stdout).toContain(`\n  ${name} `);
    });
  });

  describe('when the subcommand is unknown', () => {
    it.each([
      [['frobnicate'], 'frobnicate'],
      [['token', 'revoke'], 'token revoke'],
      [['keys'], 'keys '],
    ])('exits 2 naming %j and listing the subcommands', async (argv, typed) => {
      const { status, stdout, stderr } = await centre(...argv);
      expect(status).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(`hashfeed centre: unknown command '${typed}'`);
      expect(stderr).toContain('usage: hashfeed centre <command>');
    });

    it('prints the list of subcommands and exits 2 when none is given', async () => {
      const { status, stdout } = await centre();
      expect(status).toBe(2);
      expect(stdout).toMatch(/^usage: hashfeed centre <command>/);
    });
  });

  describe('when a value is out of range', () => {
    it.each([
      [['serve', '--port', '70000'], '--port must be a port number'],
      [['token', 'create', '--role', 'king', '--name', 'x'], '--role must be admin, authority, operator, provider, reviewer, europol, auditor'],
      [['token', 'create', '--role', 'authority', '--name', 'x'], '--member-state: an authority account needs its Member State'],
      [['token', 'create', '--role', 'authority', '--name', 'x', '--member-state', 'ZZ'], '--member-state: the Member State must be an assigned ISO 3166-1 alpha-2 code'],
      [['token', 'create', '--role', 'authority', '--name', 'x', '--member-state', 'de'], '--member-state: the Member State must be an assigned ISO 3166-1 alpha-2 code'],
      [['token', 'create', '--role', 'reviewer', '--name', 'x', '--member-state', 'DE'], '--member-state: only an authority account has a Member State'],
      [['export'], '--out is required'],
      [['init', '--root-keys', '2', '--root-threshold', '3'], '--root-threshold must be from 1 to 2'],
      [['init', '--root-keys', '9'], '--root-keys must be from 1 to 8'],
      [['keys', 'root', 'propose', '--out', 'x', '--reason', 'r'], '--reason and --revoked-at go with --revoke'],
      [['keys', 'rotate', '--purpose', 'root'], "a purpose must be one of timestamp, feed, provider-list, checkpoint, forwarding, not 'root'"],
    ])('refuses %j with exit 2 and the message', async (argv, message) => {
      const { status, stderr } = await centre(...argv, '--data', dataDir);
      expect(status).toBe(2);
      expect(stderr).toContain(`: ${message}`);
    });
  });

  describe('when the options fit', () => {
    it('creates a Centre and a token, printing each as JSON', async () => {
      const init = await centre('init', '--data', dataDir, '--feed', 'cli-test-feed');
      expect(init.status).toBe(0);
      expect(JSON.parse(init.stdout)).toMatchObject({ adminToken: expect.any(String), note: expect.stringContaining('shown once') });
      const token = await centre('token', 'create', '--role', 'operator', '--name', 'op-1', '--label', 'laptop', '--data', dataDir);
      expect(token.status).toBe(0);
      expect(JSON.parse(token.stdout)).toMatchObject({ account: 'op-1', role: 'operator', accountCreated: true, token: expect.any(String) });
    });

    it('creates reviewer, europol, auditor and authority accounts, the authority with its Member State', async () => {
      expect((await centre('init', '--data', dataDir)).status).toBe(0);
      const created = async (...argv: string[]): Promise<unknown> => {
        const { status, stdout } = await centre('token', 'create', ...argv, '--data', dataDir);
        expect(status).toBe(0);
        return JSON.parse(stdout);
      };
      expect(await created('--role', 'reviewer', '--name', 'rev-1')).toMatchObject({ role: 'reviewer', memberState: null });
      expect(await created('--role', 'europol', '--name', 'europol')).toMatchObject({ role: 'europol', memberState: null });
      expect(await created('--role', 'auditor', '--name', 'auditor-1')).toMatchObject({ role: 'auditor', memberState: null });
      expect(await created('--role', 'authority', '--name', 'FR-OCRVP', '--member-state', 'FR')).toMatchObject({ role: 'authority', memberState: 'FR' });
    });
  });

  describe('purge', () => {
    it('purges the reports past their retention and prints the counts', async () => {
      // Decided on the test Centre's day (1 November 2026) and kept one month: due by now.
      const t = createTestCentre({ reportRetentionMonths: 1 });
      try {
        const f = await providersFixture(t, []);
        await f.send();
        await f.decideNext(t.tokens.reviewer, { decision: 'forwarded' });
        t.centre.close();
        const first = await centre('purge', '--data', t.dataDir);
        expect(first.status).toBe(0);
        expect(JSON.parse(first.stdout)).toMatchObject({ reports: 1, held: 0, checkpointed: true });
        const again = await centre('purge', '--data', t.dataDir);
        expect(JSON.parse(again.stdout)).toMatchObject({ reports: 0 });
      } finally {
        t.close();
      }
    });
  });
});
