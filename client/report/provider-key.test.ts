import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { answeringFetch } from '../net/testing/answering-fetch.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateProviderKey, registerProviderKey } from './provider-key.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

const keyPath = (): string => join(dirs.make('hf-pkey-'), 'keys', 'provider.key');

describe('provider key', () => {
  describe('on first run', () => {
    it('creates a 0600 key file in a 0700 folder', () => {
      const path = keyPath();
      const key = loadOrCreateProviderKey(path);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
      expect(key.verifier.text).toMatch(/^hashfeed\/provider-sidecar\+[0-9a-f]{8}\+/);
    });
  });

  describe('on later runs', () => {
    it('loads the same key', () => {
      const path = keyPath();
      expect(loadOrCreateProviderKey(path).verifier.text).toBe(loadOrCreateProviderKey(path).verifier.text);
    });

    it('refuses a key file others may read, rather than replacing it', () => {
      const path = keyPath();
      const key = loadOrCreateProviderKey(path);
      chmodSync(path, 0o644);
      expect(() => loadOrCreateProviderKey(path)).toThrow(expect.objectContaining({ code: 'KEY_FILE_PERMISSIONS' }));
      chmodSync(path, 0o600);
      expect(loadOrCreateProviderKey(path).verifier.text).toBe(key.verifier.text);
    });
  });

  describe('registration', () => {
    const answering = answeringFetch;

    it('posts the verifier key with the provider token', async () => {
      const key = loadOrCreateProviderKey(keyPath());
      const fetch = answering(201, { created: true, status: 'pending' });
      expect(await registerProviderKey({ baseUrl: 'https://centre.example', token: 'hf_p', fetch, key })).toEqual({ created: true, status: 'pending' });
      expect(fetch.calls[0]?.url).toBe('https://centre.example/v1/provider/keys');
      expect(fetch.calls[0]?.init.headers.authorization).toBe('Bearer hf_p');
      expect(JSON.parse(String(fetch.calls[0]?.init.body))).toEqual({ verifierKey: key.verifier.text });
      expect(String(fetch.calls[0]?.init.body)).not.toContain('PRIVATE');
    });

    it('answers created: false when the Centre already had it', async () => {
      const key = loadOrCreateProviderKey(keyPath());
      expect(await registerProviderKey({ baseUrl: 'https://centre.example', token: 'hf_p', fetch: answering(200, { status: 'approved' }), key })).toEqual({ created: false, status: 'approved' });
    });

    it("fails with KEY_REGISTRATION_FAILED naming the Centre's code", async () => {
      const key = loadOrCreateProviderKey(keyPath());
      const attempt = registerProviderKey({ baseUrl: 'https://centre.example', token: 'hf_p', fetch: answering(409, { error: { code: 'STORE_CONFLICT', message: '' } }), key });
      await expect(attempt).rejects.toMatchObject({ code: 'KEY_REGISTRATION_FAILED', message: expect.stringContaining('STORE_CONFLICT') });
    });
  });
});
