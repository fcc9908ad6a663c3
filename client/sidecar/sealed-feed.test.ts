import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, signEnvelope } from '../../shared/crypto/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { encodeRootList } from '../../shared/wire/delta-chain.ts';
import { encodeOrderList, ORDERS_PAYLOAD_TYPE } from '../../shared/wire/order.ts';
import { loadOrCreateEncryptionKey } from '../access/encryption-key.ts';
import type { FetchInit, FetchLike, FetchResponse } from '../net/http.ts';
import { testIndicator, TestSealedFeed } from '../sync/testing/sealed-feed.ts';
import { makeTestRoot } from '../sync/testing/test-root.ts';
import { parseSidecarConfig } from './config.ts';
import { createSidecar, type Sidecar } from './sidecar.ts';
import { randomSource } from '../../shared/match/testing/synthetic.ts';
import { videoIndicatorValue } from '../../shared/video-match/index.ts';
import { nearCopy, randomFrames } from '../../shared/video-match/testing/frame-lists.ts';
import { computeStateDigest } from '../../shared/wire/state-digest.ts';

const PROVIDER = 'example-host';
const MIRROR = 'https://mirror.example';
const CENTRE = 'https://centre.example';
const TOKEN = 'hf_provider_token';
const dirs = tempDirs();
const running: Sidecar[] = [];
afterEach(async () => {
  for (const sidecar of running.splice(0)) await sidecar.stop();
  dirs.removeAll();
});

interface Call {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

type AccessAnswer = { readonly status: 200; readonly body: Uint8Array } | { readonly status: 404 | 503 };

/**
 * A static mirror of `feed` (the paths `centre export` writes) and the
 * Centre's provider routes, in process: the Centre side of the sealed feed
 * is built on another branch, so its answers are made here from the same
 * shared/seal models.
 */
function network(feed: TestSealedFeed, access: () => Promise<AccessAnswer>): FetchLike & { calls: Call[] } {
  const calls: Call[] = [];
  const answer = (status: number, body: Uint8Array | string = new Uint8Array()): FetchResponse => {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    return { status, headers: { get: () => null }, body: (async function* () { yield bytes; })() };
  };
  const proof = (hashes: readonly Uint8Array[], leafIndex?: number): string => JSON.stringify({ ...(leafIndex === undefined ? {} : { leafIndex }), proof: hashes.map((h) => Buffer.from(h).toString('base64')) });
  const fn: FetchLike = async (url: string, init: FetchInit) => {
    calls.push({ url, headers: { ...init.headers } });
    const { origin, pathname } = new URL(url);
    if (origin === CENTRE) {
      if (pathname === '/v1/feed/access') {
        const a = await access();
        return a.status === 200 ? answer(200, a.body) : answer(a.status);
      }
      if (pathname === '/v1/feed/orders') return answer(200, encodeEnvelope(signEnvelope(ORDERS_PAYLOAD_TYPE, encodeOrderList({ provider: PROVIDER, issuedAt: Date.now(), orders: [] }), [feed.root.online['provider-list']])));
      if (pathname === '/v1/provider/keys' || pathname === '/v1/provider/encryption-keys') return answer(201, JSON.stringify({ status: 'pending' }));
      return answer(404);
    }
    if (pathname === '/v1/feed/keys') return answer(200, encodeRootList(await feed.roots(0)));
    if (pathname === '/v1/feed/timestamp') return answer(200, await feed.timestamp());
    if (pathname === '/v1/log/checkpoint') return answer(200, await feed.checkpoint());
    if (pathname === '/v1/feed/snapshot') return answer(200, await feed.snapshot());
    const delta = /^\/v1\/feed\/deltas\/(\d+)$/.exec(pathname);
    if (delta !== null) return answer(200, (await feed.deltas(Number(delta[1]) - 1, Number(delta[1]))).envelopes[0] ?? new Uint8Array());
    const inclusion = /^\/v1\/log\/proof\/inclusion\/(delta|snapshot)\/(\d+)\/(\d+)$/.exec(pathname);
    if (inclusion !== null) {
      const found = await feed.inclusionProof(inclusion[1] === 'delta' ? 'delta' : 'snapshot', Number(inclusion[2]), Number(inclusion[3]));
      return answer(200, proof(found.proof, found.leafIndex));
    }
    const consistency = /^\/v1\/log\/proof\/consistency\/(\d+)\/(\d+)$/.exec(pathname);
    if (consistency !== null) return answer(200, proof(await feed.consistencyProof(Number(consistency[1]), Number(consistency[2]))));
    return answer(404);
  };
  return Object.assign(fn, { calls });
}

async function sidecarOn(fetch: FetchLike, feed: TestSealedFeed, dataDir: string): Promise<Sidecar> {
  const config = parseSidecarConfig(
    {
      centre: MIRROR,
      mode: 'mirror',
      reportTo: CENTRE,
      providerToken: TOKEN,
      provider: PROVIDER,
      rootKey: feed.root.rootKey.verifier.text,
      dataDir,
      localToken: 'a-local-token-of-enough-length',
      surfaces: [{ id: 'uploads', description: 'uploads', e2ee: false }],
    },
    dataDir,
  );
  const sidecar = await createSidecar({ config, fetch, logger: pino({ level: 'silent' }) });
  running.push(sidecar);
  return sidecar;
}

describe('sidecar on the sealed feed', () => {
  describe('when it reads a static mirror', () => {
    it('syncs the sealed feed sending the mirror no credential, and takes its access list from reportTo with the token', async () => {
      const root = makeTestRoot(Date.now(), 'eu-centre');
      const feed = new TestSealedFeed(root, Date.now);
      const dataDir = join(dirs.make('hf-sealed-'), 'sidecar');
      // The key the sidecar will make on first run, made first here so that the Centre can wrap for it.
      const pair = await loadOrCreateEncryptionKey(join(dataDir, 'encryption.key'));
      const fetch = network(feed, async () => ({ status: 200, body: await feed.accessList({ provider: PROVIDER, publicKey: pair.publicKey }, [1]) }));
      feed.publish([1, 2, 3].map(testIndicator), [], 1);
      const sidecar = await sidecarOn(fetch, feed, dataDir);
      expect((await sidecar.syncOnce()).version).toBe(1);
      expect(sidecar.health()).toMatchObject({ status: 'ok', noAccessReason: null });
      const toMirror = fetch.calls.filter((c) => c.url.startsWith(MIRROR));
      expect(toMirror.length).toBeGreaterThan(3);
      for (const call of toMirror) expect(Object.keys(call.headers).map((h) => h.toLowerCase()), call.url).not.toEqual(expect.arrayContaining(['authorization']));
      for (const call of toMirror) expect(Object.keys(call.headers).map((h) => h.toLowerCase()), call.url).not.toEqual(expect.arrayContaining(['cookie']));
      const accessCalls = fetch.calls.filter((c) => c.url.endsWith('/v1/feed/access'));
      expect(accessCalls.map((c) => [c.url, c.headers.authorization])).toEqual([[`${CENTRE}/v1/feed/access`, `Bearer ${TOKEN}`]]);
    });
  });

  describe('when the access list gives it no key', () => {
    it('syncs nothing, reports health no_access with the list’s reason, and keeps serving its replica', async () => {
      const root = makeTestRoot(Date.now(), 'eu-centre');
      const feed = new TestSealedFeed(root, Date.now);
      const dataDir = join(dirs.make('hf-sealed-'), 'sidecar');
      const pair = await loadOrCreateEncryptionKey(join(dataDir, 'encryption.key'));
      let entitled = true;
      const fetch = network(feed, async () => ({
        status: 200,
        body: entitled
          ? await feed.accessList({ provider: PROVIDER, publicKey: pair.publicKey }, [1])
          : await feed.accessList({ provider: PROVIDER, publicKey: pair.publicKey }, [], { overrides: { entitled: false, basis: undefined, reason: 'NO_ACTIVE_ORDER' } }),
      }));
      feed.publish([1, 2].map(testIndicator), [], 1);
      const sidecar = await sidecarOn(fetch, feed, dataDir);
      await sidecar.syncOnce();
      entitled = false;
      feed.publish([testIndicator(3)], [], 2);
      await new Promise((resolve) => setTimeout(resolve, 2));
      fetch.calls.splice(0);
      const outcome = await sidecar.syncOnce();
      expect(outcome).toMatchObject({ version: 1, noAccess: 'NO_ACTIVE_ORDER' });
      expect(fetch.calls.filter((c) => c.url.startsWith(MIRROR)).map((c) => new URL(c.url).pathname)).toEqual(['/v1/feed/keys']);
      expect(sidecar.health()).toMatchObject({ status: 'no_access', noAccessReason: 'NO_ACTIVE_ORDER', replicaVersion: 1 });
      expect(sidecar.matcher().size).toBe(2);
      expect(await (await sidecar.app.request('/metrics', { headers: { authorization: 'Bearer a-local-token-of-enough-length' } })).text()).toContain('hashfeed_no_access 1');
    });

    it('reports NO_EPOCH_KEY when the feed moved to an epoch whose key it was not given', async () => {
      const root = makeTestRoot(Date.now(), 'eu-centre');
      const feed = new TestSealedFeed(root, Date.now);
      const dataDir = join(dirs.make('hf-sealed-'), 'sidecar');
      const pair = await loadOrCreateEncryptionKey(join(dataDir, 'encryption.key'));
      const fetch = network(feed, async () => ({ status: 200, body: await feed.accessList({ provider: PROVIDER, publicKey: pair.publicKey }, [1]) }));
      feed.publish([testIndicator(1)], [], 2);
      const sidecar = await sidecarOn(fetch, feed, dataDir);
      await expect(sidecar.syncOnce()).rejects.toMatchObject({ code: 'SYNC_NO_ACCESS' });
      expect(sidecar.health()).toMatchObject({ status: 'no_access', noAccessReason: 'NO_EPOCH_KEY' });
    });
  });

  describe('when the Centre predates the sealed feed', () => {
    it.each([404, 503] as const)('goes on with the plaintext feed when the access list answers %i', async (status) => {
      const root = makeTestRoot(Date.now(), 'eu-centre');
      const feed = new TestSealedFeed(root, Date.now);
      const fetch = network(feed, async () => ({ status }));
      feed.publish([1, 2].map(testIndicator), [], 0);
      const sidecar = await sidecarOn(fetch, feed, join(dirs.make('hf-sealed-'), 'sidecar'));
      expect((await sidecar.syncOnce()).version).toBe(1);
      expect(sidecar.health()).toMatchObject({ status: 'ok', noAccessReason: null });
    });
  });

  describe('when the feed holds indicators of an algorithm this sidecar does not know', () => {
    it('stores them so the digest verifies, matches none of them, counts them in /healthz and /metrics, and applies their removal', async () => {
      const root = makeTestRoot(Date.now(), 'eu-centre');
      const feed = new TestSealedFeed(root, Date.now);
      const dataDir = join(dirs.make('hf-sealed-'), 'sidecar');
      const pair = await loadOrCreateEncryptionKey(join(dataDir, 'encryption.key'));
      const fetch = network(feed, async () => ({ status: 200, body: await feed.accessList({ provider: PROVIDER, publicKey: pair.publicKey }, [1]) }));
      const frames = randomFrames(12, randomSource(8));
      const opaque = (id: number, algorithm: string, bytes: number) => ({ id, algorithm, hash: new Uint8Array(bytes).fill(id), category: 'A1' });
      feed.publish([testIndicator(1), opaque(2, 'tmk-pdqf', 258), opaque(3, 'tmk-pdqf', 300), opaque(4, 'sha1', 20), { id: 5, algorithm: 'vpdq', hash: videoIndicatorValue(frames), category: 'A1' }], [], 1);
      const sidecar = await sidecarOn(fetch, feed, dataDir);
      expect((await sidecar.syncOnce()).version).toBe(1);
      expect(Buffer.from(computeStateDigest(sidecar.replica.entries()))).toEqual(Buffer.from(sidecar.replica.state().stateDigest ?? []));
      expect(sidecar.health()).toMatchObject({ status: 'ok', skippedIndicators: [{ algorithm: 'sha1', indicators: 1 }, { algorithm: 'tmk-pdqf', indicators: 2 }] });
      const metrics = async (): Promise<string> => (await sidecar.app.request('/metrics')).text();
      expect(await metrics()).toContain('hashfeed_indicators_skipped{algorithm="tmk-pdqf"} 2');
      expect(sidecar.matcher().matchVideo(nearCopy(frames, 6, randomSource(9)))).toMatchObject([{ indicatorId: 5, candidateShare: 1 }]);

      // A delta that removes some of them, and adds another: applied incrementally, digest checked.
      feed.publish([opaque(6, 'tmk-pdqf', 99)], [2, 4], 1);
      expect(await sidecar.syncOnce()).toMatchObject({ version: 2, snapshot: false });
      expect(sidecar.health().skippedIndicators).toEqual([{ algorithm: 'tmk-pdqf', indicators: 2 }]);
      expect(await metrics()).not.toContain('algorithm="sha1"');
    });
  });
});
