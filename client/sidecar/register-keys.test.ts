import { join } from 'node:path';
import { answeringFetch } from '../net/testing/answering-fetch.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../shared/crypto/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { loadOrCreateEncryptionKey } from '../access/encryption-key.ts';
import { registerEncryptionKey } from '../access/register-encryption-key.ts';
import { registerKeysUntilDone } from './register-keys.ts';

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

const keyPath = (): string => join(dirs.make('hf-ekey-'), 'data', 'encryption.key');

const answering = answeringFetch;

describe('key registration at start', () => {
  describe('when the Centre answers', () => {
    it('stops, without retrying, at a Centre from before the sealed feed (404)', async () => {
      const fetch = answering(404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
      const pair = await loadOrCreateEncryptionKey(keyPath());
      let older = false;
      const failures: unknown[] = [];
      await registerKeysUntilDone({
        registerReportKey: async () => undefined,
        registerEncryptionKey: () => registerEncryptionKey({ baseUrl: 'https://centre.example', token: 'hf_p', fetch, provider: 'example-host', publicKey: pair.publicKey, reportKey: generateSigningKey('hashfeed/provider-sidecar'), now: Date.now() }),
        backoff: { baseMs: 1, maxMs: 1 },
        signal: new AbortController().signal,
        onFailure: (err) => failures.push(err),
        onOlderCentre: () => (older = true),
      });
      expect([older, failures, fetch.calls.length]).toEqual([true, [], 1]);
    });

    it('retries after a failure, the report key first each time, until both are registered', async () => {
      const order: string[] = [];
      let failing = 2;
      await registerKeysUntilDone({
        registerReportKey: async () => order.push('report'),
        registerEncryptionKey: async () => {
          order.push('encryption');
          if (failing-- > 0) throw new Error('unreachable Centre');
        },
        backoff: { baseMs: 1, maxMs: 1 },
        signal: new AbortController().signal,
        onFailure: () => undefined,
        onOlderCentre: () => undefined,
      });
      expect(order).toEqual(['report', 'encryption', 'report', 'encryption', 'report', 'encryption']);
    });
  });
});
