import { afterEach, describe, expect, it } from 'vitest';
import { openReplicaDatabase } from '../replica/database.ts';
import { Replica } from '../replica/replica.ts';
import { platformFetch, startRetryAfterServer, type RetryAfterServer } from '../net/testing/retry-after-server.ts';
import { HttpFeedSource } from './feed-source.ts';
import { SyncLoop } from './sync-loop.ts';
import { Syncer } from './syncer.ts';
import { rootPinOf, TrustedStore } from './trusted-store/index.ts';
import { generateSigningKey } from '../../shared/crypto/index.ts';

const HOUR_SECONDS = 3600;
const ROOT_KEY = generateSigningKey('hashfeed/eu-centre/root').verifier.text;

describe('sync loop', () => {
  let server: RetryAfterServer | undefined;
  let loop: SyncLoop | undefined;
  afterEach(async () => {
    await loop?.stop();
    await server?.close();
    loop = undefined;
    server = undefined;
  });

  describe('when a source asks to be left alone for longer than the cap', () => {
    it.each([
      ['10^10 seconds', '10000000000'],
      ['just under what the old parser took (31 years)', '999999999'],
      ['an HTTP date in 2100', 'Fri, 01 Jan 2100 00:00:00 GMT'],
    ])('waits the cap (%s), without a request storm', async (_name, retryAfter) => {
      server = await startRetryAfterServer(503, retryAfter);
      const db = openReplicaDatabase(':memory:');
      const source = new HttpFeedSource({ baseUrl: server.url, mode: 'mirror', fetch: platformFetch });
      const replica = new Replica(db);
      const store = new TrustedStore({ replica, pin: rootPinOf([ROOT_KEY], 1), feed: 'eu-centre' });
      const syncer = new Syncer({ source, replica, store, clock: Date.now, onApplied: () => undefined, alert: () => undefined });
      const retries: number[] = [];
      let firstError: () => void = () => undefined;
      const failed = new Promise<void>((resolve) => (firstError = resolve));
      loop = new SyncLoop(syncer, { intervalMs: 60_000, baseMs: 2000, maxMs: 3_600_000, maxHintMs: HOUR_SECONDS * 1000 }, {
        onError: (_err, _failures, retryInSeconds) => {
          retries.push(retryInSeconds);
          firstError();
        },
      });
      loop.start();
      await failed;
      // A setTimeout past 2^31 - 1 ms fires after 1 ms: a storm would show here within milliseconds.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await loop.stop();
      expect(server.requests).toBe(1);
      expect(retries).toEqual([HOUR_SECONDS]);
      db.close();
    });
  });
});
