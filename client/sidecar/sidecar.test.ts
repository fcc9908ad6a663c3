import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../shared/crypto/index.ts';
import { parseSidecarConfig } from './config.ts';
import { createSidecar, type Sidecar } from './sidecar.ts';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe('sidecar data directory', () => {
  let parent: string;
  let sidecar: Sidecar | undefined;
  const start = async (dataDir: string): Promise<Sidecar> => {
    const config = parseSidecarConfig(
      {
        centre: 'http://127.0.0.1:9',
        providerToken: 'hf_provider',
        provider: 'example-host',
        rootKey: generateSigningKey('hashfeed/eu-centre/root').verifier.text,
        dataDir,
        localToken: 'a-local-token-of-enough-length',
        surfaces: [{ id: 'uploads', description: 'uploads', e2ee: false }],
      },
      parent,
    );
    sidecar = await createSidecar({ config, logger: pino({ level: 'silent' }) });
    return sidecar;
  };

  afterEach(async () => {
    await sidecar?.stop();
    sidecar = undefined;
    rmSync(parent, { recursive: true, force: true });
  });

  describe('when it does not exist yet', () => {
    it('creates it 0700 and the database files and the encryption key 0600, WAL and SHM included', async () => {
      parent = mkdtempSync(join(tmpdir(), 'hf-sidecar-modes-'));
      const dataDir = join(parent, 'sidecar');
      const s = await start(dataDir);
      s.queue.enqueue('r-1', Uint8Array.from([1]), Date.now());
      expect(modeOf(dataDir)).toBe(0o700);
      for (const file of ['replica.db', 'replica.db-wal', 'replica.db-shm', 'encryption.key']) {
        expect(existsSync(join(dataDir, file)), file).toBe(true);
        expect(modeOf(join(dataDir, file)), file).toBe(0o600);
      }
    });
  });

  describe('when an earlier version left it readable by others', () => {
    it('tightens the folder to 0700 and the database files to 0600', async () => {
      parent = mkdtempSync(join(tmpdir(), 'hf-sidecar-modes-'));
      const dataDir = join(parent, 'sidecar');
      mkdirSync(dataDir);
      chmodSync(dataDir, 0o755);
      for (const file of ['replica.db-wal', 'replica.db-shm']) {
        writeFileSync(join(dataDir, file), '');
        chmodSync(join(dataDir, file), 0o644);
      }
      writeFileSync(join(dataDir, 'replica.db'), '');
      chmodSync(join(dataDir, 'replica.db'), 0o644);
      await start(dataDir);
      expect(modeOf(dataDir)).toBe(0o700);
      for (const file of ['replica.db', 'replica.db-wal', 'replica.db-shm']) expect(modeOf(join(dataDir, file)), file).toBe(0o600);
    });
  });
  describe('when its encryption key file is readable by others', () => {
    it('refuses to start (KEY_FILE_PERMISSIONS) and leaves the key as it was', async () => {
      parent = mkdtempSync(join(tmpdir(), 'hf-sidecar-modes-'));
      const dataDir = join(parent, 'sidecar');
      await start(dataDir);
      await sidecar?.stop();
      sidecar = undefined;
      const keyFile = join(dataDir, 'encryption.key');
      const before = readFileSync(keyFile, 'utf8');
      chmodSync(keyFile, 0o644);
      await expect(start(dataDir)).rejects.toMatchObject({ code: 'KEY_FILE_PERMISSIONS' });
      expect(readFileSync(keyFile, 'utf8')).toBe(before);
    });
  });
});
