import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fetch as undiciFetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeEnvelope, signEnvelope } from '../../shared/crypto/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { DECISIONS_PAYLOAD_TYPE, encodeDecisionList, parseDecisionEntry, type DecisionEntry } from '../../shared/wire/decision-list.ts';
import type { FetchLike } from '../net/http.ts';
import { openReplicaDatabase } from '../replica/database.ts';
import { Replica } from '../replica/replica.ts';
import { makeTestRoot, storeTrusting } from '../sync/testing/test-root.ts';
import { rootPinOf, TrustedStore } from '../sync/trusted-store/index.ts';
import { DecisionBook } from './decision-book.ts';
import { DecisionWebhook, type DecisionWebhookConfig } from './webhook.ts';
import { WebhookQueue } from './webhook-queue.ts';

const NOW = Date.UTC(2026, 10, 1);
const REPORT_A = '6f1c2b8e-0d6a-4c3e-9b7a-2f1e0d9c8b7a';
const REPORT_B = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const SECRET = 'a-platform-webhook-secret';
const dirs = tempDirs();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  dirs.removeAll();
});

const realFetch: FetchLike = async (url, init) => {
  const res = await undiciFetch(url, init);
  return { status: res.status, headers: res.headers, body: res.body };
};

interface Call {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A platform endpoint on loopback answering each call with the next status of `statuses` (then 200). */
async function platform(statuses: number[]): Promise<{ url: string; calls: Call[] }> {
  const calls: Call[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/decisions`, calls };
}

describe('decision webhook', () => {
  const root = makeTestRoot(NOW);
  /** A replica at `path` with a book, a queue and a webhook to `config`; `take` accepts signed entries through the trusted store. */
  const open = (path: string, config: DecisionWebhookConfig, clock: { now: number }) => {
    const db = openReplicaDatabase(path);
    const replica = new Replica(db);
    const book = new DecisionBook(db, 'acme', { webhook: true });
    const queue = new WebhookQueue(db);
    const webhook = new DecisionWebhook({ config, book, queue, fetch: realFetch, clock: () => clock.now, random: () => 0.5, backoff: { baseMs: 1000, maxMs: 60_000 } });
    let store: ReturnType<typeof storeTrusting> | undefined;
    const take = (entries: DecisionEntry[]): void => {
      store ??= storeTrusting(replica, root);
      const list = { provider: 'acme', issuedAt: clock.now, since: book.cursor, entries, more: false };
      store.acceptDecisionList(encodeEnvelope(signEnvelope(DECISIONS_PAYLOAD_TYPE, encodeDecisionList(list), [root.online['provider-list']])), book, clock.now);
    };
    return { db, book, queue, webhook, take };
  };

  describe('when the endpoint fails, the sidecar restarts, then the endpoint recovers', () => {
    it('retries with back-off from the durable queue, delivers once, signed, with the same delivery id on every try', async () => {
      const endpoint = await platform([500, 503]);
      const config = { url: endpoint.url, secret: SECRET };
      const clock = { now: NOW };
      const path = join(dirs.make('hf-webhook-'), 'replica.db');
      const first = open(path, config, clock);
      first.take([{ seq: 4, reportId: REPORT_A, decision: 'unfounded', reason: 'not_csam' }]);
      expect(await first.webhook.deliverDue()).toBe(0);
      const [queued] = first.queue.list();
      expect(queued).toMatchObject({ reportId: REPORT_A, seq: 4, attempts: 1, lastError: 'HTTP_500' });
      // Not due again before its back-off (half of 1 s with this random).
      expect(queued?.nextAttemptAt).toBe(NOW + 500);
      expect(await first.webhook.deliverDue()).toBe(0);
      expect(endpoint.calls).toHaveLength(1);
      first.db.close();

      clock.now += 500;
      const second = open(path, config, clock);
      expect(await second.webhook.deliverDue()).toBe(0);
      expect(second.queue.list()[0]).toMatchObject({ attempts: 2, lastError: 'HTTP_503', nextAttemptAt: clock.now + 1000 });
      clock.now += 1000;
      expect(await second.webhook.deliverDue()).toBe(1);
      expect(second.queue.list()).toEqual([]);
      clock.now += 60_000;
      expect(await second.webhook.deliverDue()).toBe(0);
      second.db.close();

      expect(endpoint.calls).toHaveLength(3);
      expect(new Set(endpoint.calls.map((c) => c.headers['hashfeed-delivery-id']))).toEqual(new Set([`${REPORT_A}:4`]));
      const last = endpoint.calls[2];
      expect(parseDecisionEntry(JSON.parse(last?.body ?? ''))).toEqual({ seq: 4, reportId: REPORT_A, decision: 'unfounded', reason: 'not_csam' });
      const [t, v1] = String(last?.headers['hashfeed-signature']).match(/^t=(\d+),v1=([0-9a-f]{64})$/)?.slice(1) ?? [];
      expect(v1).toBe(createHmac('sha256', SECRET).update(`${t}.${last?.body}`).digest('hex'));
    });
  });

  describe('when a newer state of a report arrives before the older one was delivered', () => {
    it('delivers only the newest, once per report, with a bearer token', async () => {
      const endpoint = await platform([500]);
      const clock = { now: NOW };
      const { db, webhook, take } = open(join(dirs.make('hf-webhook-'), 'replica.db'), { url: endpoint.url, bearerToken: SECRET }, clock);
      take([{ seq: 2, reportId: REPORT_A, decision: 'forwarded' }, { seq: 3, reportId: REPORT_B, decision: 'forwarded' }]);
      expect(await webhook.deliverDue()).toBe(1); // A failed (500), B delivered
      take([{ seq: 9, reportId: REPORT_A, decision: 'forwarded', hold: { until: NOW + 86_400_000 } }]);
      expect(await webhook.deliverDue()).toBe(1);
      clock.now += 120_000;
      expect(await webhook.deliverDue()).toBe(0);
      db.close();
      expect(endpoint.calls.map((c) => [c.headers['hashfeed-delivery-id'], c.headers.authorization])).toEqual([
        [`${REPORT_A}:2`, `Bearer ${SECRET}`],
        [`${REPORT_B}:3`, `Bearer ${SECRET}`],
        [`${REPORT_A}:9`, `Bearer ${SECRET}`],
      ]);
    });
  });

  describe('when the webhook was switched off, then on again, with a decision queued from before', () => {
    it('sends the newest state held for that report and clears the row, rather than skip it for ever (a busy loop, and 100 such rows starve the rest)', async () => {
      const endpoint = await platform([500]);
      const clock = { now: NOW };
      const path = join(dirs.make('hf-webhook-'), 'replica.db');
      const first = open(path, { url: endpoint.url, secret: SECRET }, clock);
      first.take([{ seq: 3, reportId: REPORT_A, decision: 'forwarded' }]);
      expect(await first.webhook.deliverDue()).toBe(0); // 500: stays queued
      first.db.close();

      // Restarted without decisionWebhook: a newer state is taken and not queued.
      const db = openReplicaDatabase(path);
      const book = new DecisionBook(db, 'acme', { webhook: false });
      const list = { provider: 'acme', issuedAt: clock.now, since: book.cursor, entries: [{ seq: 9, reportId: REPORT_A, decision: 'unfounded' as const, reason: 'duplicate' as const }], more: false };
      new TrustedStore({ replica: new Replica(db), pin: rootPinOf([root.rootKey.verifier.text], 1), feed: root.feed }).acceptDecisionList(encodeEnvelope(signEnvelope(DECISIONS_PAYLOAD_TYPE, encodeDecisionList(list), [root.online['provider-list']])), book, clock.now);
      db.close();

      clock.now += 60_000;
      const again = open(path, { url: endpoint.url, secret: SECRET }, clock);
      expect(await again.webhook.deliverDue()).toBe(1);
      expect(again.queue.list()).toEqual([]);
      expect(again.queue.nextDueAt()).toBeUndefined();
      again.db.close();
      expect(endpoint.calls.map((c) => c.headers['hashfeed-delivery-id'])).toEqual([`${REPORT_A}:3`, `${REPORT_A}:9`]);
      expect(JSON.parse(endpoint.calls[1]?.body ?? '')).toEqual({ seq: 9, reportId: REPORT_A, decision: 'unfounded', reason: 'duplicate' });
    });
  });

  describe('when the endpoint answers with a redirect', () => {
    it('does not follow it (a 302 would turn the POST into a body-less GET elsewhere): the decision stays queued', async () => {
      const calls: { method: string | undefined; url: string | undefined }[] = [];
      const server = createServer((req, res) => {
        calls.push({ method: req.method, url: req.url });
        req.resume();
        req.on('end', () => (req.url === '/hooks/decisions' ? res.writeHead(302, { location: '/elsewhere' }).end() : res.writeHead(200).end()));
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/decisions`;
      const clock = { now: NOW };
      const { db, queue, webhook, take } = open(join(dirs.make('hf-webhook-'), 'replica.db'), { url, secret: SECRET }, clock);
      take([{ seq: 1, reportId: REPORT_A, decision: 'forwarded' }]);
      expect(await webhook.deliverDue()).toBe(0);
      expect(queue.list()).toMatchObject([{ reportId: REPORT_A, attempts: 1, lastError: 'HTTP_302' }]);
      expect(calls).toEqual([{ method: 'POST', url: '/hooks/decisions' }]);
      db.close();
    });
  });

  describe('when the endpoint cannot be reached', () => {
    it('counts a network failure and keeps the decision queued', async () => {
      const endpoint = await platform([]);
      await new Promise((resolve) => servers.pop()?.close(resolve));
      const clock = { now: NOW };
      const { db, queue, webhook, take } = open(join(dirs.make('hf-webhook-'), 'replica.db'), { url: endpoint.url, secret: SECRET }, clock);
      take([{ seq: 1, reportId: REPORT_A, decision: 'forwarded' }]);
      expect(await webhook.deliverDue()).toBe(0);
      expect(queue.list()).toMatchObject([{ reportId: REPORT_A, attempts: 1, lastError: 'NETWORK' }]);
      db.close();
    });
  });
});
