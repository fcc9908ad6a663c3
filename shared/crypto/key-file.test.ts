import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CryptoError } from './errors.ts';
import { loadSigningKey, readPrivateKeyFile, readPrivateKeyFromEnv, writePrivateKeyFile } from './key-file.ts';
import { generateSigningKey } from './signing-key.ts';
import { thrown } from '../testing/code-of.ts';

/** Everything an error exposes, cause chain included. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) parts.push(e.message, String(e.stack));
  return parts.join('\n');
}

describe('private key files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hashfeed-keys-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('when written', () => {
    it('creates a 0600 file holding the signer key string and a newline, with no temporary file left', () => {
      const key = generateSigningKey('hashfeed.example/feed');
      const path = join(dir, 'feed.key');
      writePrivateKeyFile(path, key);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8')).toBe(`${key.exportSignerKey()}\n`);
      expect(readdirSync(dir)).toEqual(['feed.key']);
    });

    it('is 0600 even under a permissive umask', () => {
      const previous = process.umask(0o000);
      try {
        const path = join(dir, 'k');
        writePrivateKeyFile(path, generateSigningKey('a.example'));
        expect(statSync(path).mode & 0o777).toBe(0o600);
      } finally {
        process.umask(previous);
      }
    });

    it('refuses to replace an existing file unless asked, and then replaces it whole', () => {
      const path = join(dir, 'k');
      const first = generateSigningKey('a.example');
      const second = generateSigningKey('a.example');
      writePrivateKeyFile(path, first);
      const error = thrown(() => writePrivateKeyFile(path, second));
      expect(error).toHaveProperty('code', 'KEY_FILE_WRITE_FAILED');
      expect(readPrivateKeyFile(path).verifier.equals(first.verifier)).toBe(true);
      writePrivateKeyFile(path, second, { overwrite: true });
      expect(readPrivateKeyFile(path).verifier.equals(second.verifier)).toBe(true);
      expect(readdirSync(dir)).toEqual(['k']);
    });

    it('fails with KEY_FILE_WRITE_FAILED in a missing directory', () => {
      expect(thrown(() => writePrivateKeyFile(join(dir, 'nope', 'k'), generateSigningKey('a.example')))).toHaveProperty('code', 'KEY_FILE_WRITE_FAILED');
    });
  });

  describe('when read', () => {
    it('returns the key that was written', () => {
      const key = generateSigningKey('hashfeed.example/feed');
      const path = join(dir, 'k');
      writePrivateKeyFile(path, key);
      const loaded = readPrivateKeyFile(path);
      const message = new Uint8Array([1, 2, 3]);
      expect(key.verifier.verify(message, loaded.sign(message))).toBe(true);
    });

    it.each([0o640, 0o604, 0o644, 0o660, 0o606, 0o610, 0o601, 0o620, 0o602])('refuses mode %o with KEY_FILE_PERMISSIONS', (mode) => {
      const path = join(dir, 'k');
      writePrivateKeyFile(path, generateSigningKey('a.example'));
      chmodSync(path, mode);
      const error = thrown(() => readPrivateKeyFile(path));
      expect(error).toBeInstanceOf(CryptoError);
      expect(error).toHaveProperty('code', 'KEY_FILE_PERMISSIONS');
    });

    it.each([0o400, 0o600, 0o700])('accepts owner-only mode %o', (mode) => {
      const path = join(dir, 'k');
      writePrivateKeyFile(path, generateSigningKey('a.example'));
      chmodSync(path, mode);
      expect(readPrivateKeyFile(path).name).toBe('a.example');
    });

    it('does not follow a symbolic link', () => {
      const target = join(dir, 'k');
      writePrivateKeyFile(target, generateSigningKey('a.example'));
      symlinkSync(target, join(dir, 'link'));
      expect(thrown(() => readPrivateKeyFile(join(dir, 'link')))).toHaveProperty('code', 'KEY_FILE_UNREADABLE');
    });

    it('refuses a directory with KEY_FILE_PERMISSIONS', () => {
      chmodSync(dir, 0o700);
      expect(thrown(() => readPrivateKeyFile(dir))).toHaveProperty('code', 'KEY_FILE_PERMISSIONS');
    });

    it('reports a missing file as KEY_FILE_UNREADABLE', () => {
      expect(thrown(() => readPrivateKeyFile(join(dir, 'missing')))).toHaveProperty('code', 'KEY_FILE_UNREADABLE');
    });

    it('reports a damaged key as KEY_MALFORMED without repeating any of it', () => {
      const key = generateSigningKey('a.example');
      const text = key.exportSignerKey();
      const damaged = `${text.slice(0, -4)}AAAA`;
      const path = join(dir, 'k');
      writeFileSync(path, damaged, { mode: 0o600 });
      const error = thrown(() => readPrivateKeyFile(path));
      expect(error).toHaveProperty('code', 'KEY_MALFORMED');
      const secret = damaged.split('+').slice(4).join('+');
      expect(describeError(error)).not.toContain(secret.slice(0, 12));
    });

    it('refuses an oversized file with KEY_MALFORMED', () => {
      const path = join(dir, 'k');
      writeFileSync(path, 'x'.repeat(10_000), { mode: 0o600 });
      expect(thrown(() => readPrivateKeyFile(path))).toHaveProperty('code', 'KEY_MALFORMED');
    });
  });

  describe('when loaded from the environment', () => {
    it('parses the variable, tolerating surrounding whitespace', () => {
      const key = generateSigningKey('a.example');
      const env = { HASHFEED_SIGNING_KEY: ` ${key.exportSignerKey()}\n` };
      expect(readPrivateKeyFromEnv('HASHFEED_SIGNING_KEY', env).verifier.equals(key.verifier)).toBe(true);
    });

    it('reports an unset or empty variable as KEY_SOURCE_MISSING', () => {
      expect(thrown(() => readPrivateKeyFromEnv('K', {}))).toHaveProperty('code', 'KEY_SOURCE_MISSING');
      expect(thrown(() => readPrivateKeyFromEnv('K', { K: ' ' }))).toHaveProperty('code', 'KEY_SOURCE_MISSING');
    });

    it('reports a damaged key as KEY_MALFORMED naming the variable, not the value', () => {
      const text = generateSigningKey('a.example').exportSignerKey();
      const damaged = `${text.slice(0, -2)}!!`;
      const error = thrown(() => readPrivateKeyFromEnv('K', { K: damaged }));
      expect(error).toHaveProperty('code', 'KEY_MALFORMED');
      expect(describeError(error)).toContain('K');
      expect(describeError(error)).not.toContain(damaged.split('+').slice(4).join('+').slice(0, 12));
    });
  });

  describe('loadSigningKey', () => {
    it('takes the key from the variable when only it is set', () => {
      const key = generateSigningKey('a.example');
      expect(loadSigningKey({ envVariable: 'K', env: { K: key.exportSignerKey() } }).verifier.equals(key.verifier)).toBe(true);
    });

    it('takes the key from the file when the variable is unset', () => {
      const key = generateSigningKey('a.example');
      const path = join(dir, 'k');
      writePrivateKeyFile(path, key);
      expect(loadSigningKey({ envVariable: 'K', path, env: {} }).verifier.equals(key.verifier)).toBe(true);
    });

    it('refuses both sources at once with KEY_SOURCE_AMBIGUOUS', () => {
      const key = generateSigningKey('a.example');
      const path = join(dir, 'k');
      writePrivateKeyFile(path, key);
      expect(thrown(() => loadSigningKey({ envVariable: 'K', path, env: { K: key.exportSignerKey() } }))).toHaveProperty('code', 'KEY_SOURCE_AMBIGUOUS');
    });

    it('reports no source as KEY_SOURCE_MISSING', () => {
      expect(thrown(() => loadSigningKey({ envVariable: 'K', env: {} }))).toHaveProperty('code', 'KEY_SOURCE_MISSING');
    });
  });
});
