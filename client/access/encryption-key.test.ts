import { chmodSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { answeringFetch } from '../net/testing/answering-fetch.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeEnvelope, generateSigningKey, verifyEnvelope } from '../../shared/crypto/index.ts';
import { decodeEncryptionKeyRegistration, ENCRYPTION_KEY_PAYLOAD_TYPE, encryptionKeyId } from '../../shared/seal/index.ts';
import { codeOfAsync } from '../../shared/testing/code-of.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { loadOrCreateEncryptionKey } from './encryption-key.ts';
import { registerEncryptionKey } from './register-encryption-key.ts';

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

const keyPath = (): string => join(dirs.make('hf-ekey-'), 'data', 'encryption.key');

const answering = answeringFetch;

describe('encryption key', () => {
  describe('on first run', () => {
    it('creates a 0600 key file in a 0700 folder, holding no public half', async () => {
      const path = keyPath();
      const pair = await loadOrCreateEncryptionKey(path);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(statSync(join(path, '..')).mode & 0o777).toBe(0o700);
      expect(readFileSync(path, 'utf8')).toMatch(/^hashfeed-seal-key-v1:[A-Za-z0-9+/]+=*\n$/);
      expect(pair.publicKey.byteLength).toBe(32);
    });
  });

  describe('on later runs', () => {
    it('loads the same key pair', async () => {
      const path = keyPath();
      const first = await loadOrCreateEncryptionKey(path);
      const again = await loadOrCreateEncryptionKey(path);
      expect(encryptionKeyId(again.publicKey)).toBe(encryptionKeyId(first.publicKey));
    });

    it('refuses a key file group or others may read (KEY_FILE_PERMISSIONS), rather than replacing it', async () => {
      const path = keyPath();
      const pair = await loadOrCreateEncryptionKey(path);
      const text = readFileSync(path, 'utf8');
      for (const mode of [0o640, 0o604]) {
        chmodSync(path, mode);
        expect(await codeOfAsync(loadOrCreateEncryptionKey(path))).toBe('KEY_FILE_PERMISSIONS');
        expect(readFileSync(path, 'utf8')).toBe(text);
      }
      chmodSync(path, 0o600);
      expect(encryptionKeyId((await loadOrCreateEncryptionKey(path)).publicKey)).toBe(encryptionKeyId(pair.publicKey));
    });
  });

  describe('registration (PROTOCOL 13.5)', () => {
    it('posts the public key in an envelope signed by the report key, with the provider token', async () => {
      const pair = await loadOrCreateEncryptionKey(keyPath());
      const reportKey = generateSigningKey('hashfeed/provider-sidecar');
      const fetch = answering(201, { keyId: encryptionKeyId(pair.publicKey), status: 'pending', created: 1 });
      const answer = await registerEncryptionKey({ baseUrl: 'https://centre.example', token: 'hf_p', fetch, provider: 'example-host', publicKey: pair.publicKey, reportKey, now: Date.UTC(2026, 10, 1) });
      expect(answer).toEqual({ created: true, status: 'pending', keyId: encryptionKeyId(pair.publicKey) });
      const call = fetch.calls[0];
      expect([call?.url, call?.init.method, call?.init.headers.authorization, call?.init.headers['content-type']]).toEqual(['https://centre.example/v1/provider/encryption-keys', 'POST', 'Bearer hf_p', 'application/msgpack']);
      const body = call?.init.body;
      if (!(body instanceof Uint8Array)) throw new Error('the registration is binary');
      expect(decodeEnvelope(body).payloadType).toBe(ENCRYPTION_KEY_PAYLOAD_TYPE);
      const registration = decodeEncryptionKeyRegistration(verifyEnvelope(body, ENCRYPTION_KEY_PAYLOAD_TYPE, [reportKey.verifier]));
      expect([registration.provider, Buffer.from(registration.publicKey)]).toEqual(['example-host', Buffer.from(pair.publicKey)]);
      expect(Buffer.from(body).includes(Buffer.from(pair.privateKey))).toBe(false);
    });
  });
});
