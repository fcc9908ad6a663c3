import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCentre } from '../../server/centre.ts';
import { initCentre } from '../../server/init.ts';
import { ProviderKeyStore } from '../../server/store/provider-keys.ts';
import { generateSigningKey, type SigningKey } from '../../shared/crypto/index.ts';
import { run } from './centre.ts';

async function hashfeed(...argv: string[]): Promise<{ status: number; json: unknown }> {
  let stdout = '';
  const status = await run(['provider-key', ...argv], { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } });
  return { status, json: stdout.startsWith('{') ? JSON.parse(stdout) : stdout };
}

describe('hashfeed centre provider-key', () => {
  let dataDir: string;
  let key: SigningKey;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'hf-cli-pkey-'));
    initCentre(dataDir, Date.now());
    key = generateSigningKey('hashfeed/provider-sidecar');
    const centre = openCentre(dataDir, Date.now());
    try {
      centre.write(() => new ProviderKeyStore(centre.db).register(centre.accounts.ensure('example-host', 'provider', 1).account.id, key.verifier, 1));
    } finally {
      centre.close();
    }
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  describe('when an operator approves a pending key', () => {
    it('lists it as pending, approves it, then lists it as approved', async () => {
      expect(await hashfeed('list', '--data', dataDir, '--status', 'pending')).toMatchObject({ status: 0, json: { keys: [{ provider: 'example-host', keyId: key.keyIdHex, status: 'pending' }] } });
      expect(await hashfeed('approve', '--data', dataDir, '--provider', 'example-host', '--key', key.keyIdHex)).toMatchObject({ status: 0, json: { key: { status: 'approved', approvedBy: 'cli' }, changed: true } });
      expect(await hashfeed('list', '--data', dataDir, '--status', 'pending')).toMatchObject({ json: { keys: [] } });
    });

    it('revokes it by its full verifier key', async () => {
      expect(await hashfeed('revoke', '--data', dataDir, '--provider', 'example-host', '--key', key.verifier.text)).toMatchObject({ status: 0, json: { key: { status: 'revoked', revokedBy: 'cli' } } });
    });
  });

  describe('when the command is incomplete', () => {
    it.each([
      ['approve without --key', ['approve', '--provider', 'example-host']],
      ['list with --key', ['list', '--key', 'abcd0123']],
      ['an unknown status', ['list', '--status', 'maybe']],
    ])('refuses %s with a usage error (exit 2)', async (_name, argv) => {
      expect(await hashfeed(...argv, '--data', dataDir)).toMatchObject({ status: 2 });
    });

    it('refuses an unknown key with PROVIDER_KEY_NOT_FOUND', async () => {
      await expect(hashfeed('approve', '--data', dataDir, '--provider', 'example-host', '--key', '00000000')).rejects.toMatchObject({ code: 'PROVIDER_KEY_NOT_FOUND' });
    });
  });
});
