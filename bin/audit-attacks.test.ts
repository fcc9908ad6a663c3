import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publishIndicators } from '../server/testing/publish-indicators.ts';
import { reviewFixture, type ReviewFixture } from '../server/testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../server/testing/test-centre.ts';
import { orderCommitment, registrationTermsBytes } from '../shared/wire/order-commitment.ts';
import { parseDetectionOrder, type DetectionOrder } from '../shared/wire/order.ts';
import { encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../shared/crypto/index.ts';
import { signCheckpoint } from '../shared/note/index.ts';
import { KEY_PURPOSES } from '../shared/trust/index.ts';
import { StateAccumulator } from '../shared/wire/state-digest.ts';
import { encodeTimestamp, TIMESTAMP_PAYLOAD_TYPE, type FeedTimestamp } from '../shared/wire/timestamp.ts';
import { runAudit } from '../client/audit/index.ts';
import { encodeRootList } from '../shared/wire/delta-chain.ts';
import { auditCentre, AUDITED_CENTRE, plantReport, violationCodes, type AnswerRewrite } from './testing/audit-run.ts';
import { rotateCentreKeys } from './testing/centre-roots.ts';

const DAY = 86_400_000;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A lying Centre's edit of one list in the JSON answers of one path: each item given to `edit`, which returns its replacement (or undefined to hide it). */
function rewriteItems(path: string, list: string, edit: (item: Record<string, unknown>) => Record<string, unknown> | undefined): AnswerRewrite {
  return (answered, body) => {
    if (answered !== path || !isRecord(body) || !Array.isArray(body[list])) return body;
    const items: unknown[] = body[list];
    return { ...body, [list]: items.flatMap((item) => (isRecord(item) ? [edit(item) ?? []].flat() : [item])) };
  };
}

/** The log's leaf list as a Centre that relabels one leaf's (unsigned) kind and version. */
const relabelLeaf = (index: number, kind: string, version: number): AnswerRewrite =>
  rewriteItems('/v1/log/leaves', 'leaves', (leaf) => (leaf.index === index ? { ...leaf, kind, version } : leaf));

/**
 * A malicious Centre against `hashfeed audit`: each test plants one lie
 * (in the Centre's own SQLite file, or in what it answers over HTTP) and
 * checks that the audit reports it rather than passing.
 */
describe('hashfeed audit against a lying Centre', () => {
  let t: TestCentre;
  let stateDir: string;
  let fixture: ReviewFixture;
  beforeEach(async () => {
    t = createTestCentre();
    stateDir = mkdtempSync(join(tmpdir(), 'hf-audit-attack-'));
    fixture = await reviewFixture(t);
    await publishIndicators(t, 3);
    await publishIndicators(t, 2);
    await fixture.send();
    t.clock.now += DAY;
  });
  afterEach(() => {
    t.close();
    rmSync(stateDir, { recursive: true, force: true });
  });

  const audit = (rewrite?: AnswerRewrite) => auditCentre(t, t.tokens.auditor, stateDir, t.rootVerifierKey, rewrite);

  it('passes the honest history it is attacked from', async () => {
    expect((await audit()).violations).toEqual([]);
  });

  describe('when it signs a state digest that counts an indicator no delta added', () => {
    it('reports AUDIT_DIGEST_MISMATCH from that version on, and the latest snapshot as AUDIT_SNAPSHOT_MISMATCH', async () => {
      // The Centre folds a hidden indicator into its stored accumulator: every digest it signs from now on counts it.
      const stored = t.centre.db.prepare<[], { lanes: Buffer }>('SELECT lanes FROM state_accumulator WHERE id = 1').get();
      const accumulator = StateAccumulator.fromBytes(new Uint8Array(stored?.lanes ?? []));
      accumulator.add({ id: 999_999, algorithm: 'pdq', hash: new Uint8Array(randomBytes(32)), category: 'A1' });
      t.centre.db.prepare('UPDATE state_accumulator SET lanes = ? WHERE id = 1').run(accumulator.toBytes());
      await publishIndicators(t, 1);
      await publishIndicators(t, 1);
      const result = await audit();
      expect(violationCodes(result)).toEqual(['AUDIT_DIGEST_MISMATCH', 'AUDIT_SNAPSHOT_MISMATCH']);
      expect(result.violations.filter((v) => v.code === 'AUDIT_DIGEST_MISMATCH').map((v) => v.version)).toEqual([4, 5]);
      expect(result.versions.replayedTo).toBe(5);
    });
  });

  describe('when the published leaf hashes do not make the checkpoint it signed', () => {
    it('reports AUDIT_LOG_ROOT_MISMATCH', async () => {
      const result = await audit(rewriteItems('/v1/log/leaves', 'leaves', (leaf) => (leaf.index === 1 ? { ...leaf, leafHash: randomBytes(32).toString('base64') } : leaf)));
      expect(violationCodes(result)).toContain('AUDIT_LOG_ROOT_MISMATCH');
    });
  });

  describe('when its checkpoint is not signed by a checkpoint key of the root', () => {
    it.each<[string, (now: number) => { key: SigningKey; origin: string }]>([
      ['signed by its feed key', (now) => ({ key: t.centre.keyring.signerFor(KEY_PURPOSES.feed, now), origin: t.centre.log.origin })],
      ['signed by a key of the checkpoint key\'s name the root does not list', () => ({ key: generateSigningKey(t.centre.log.origin), origin: t.centre.log.origin })],
      ['of another log, signed by its checkpoint key', (now) => ({ key: t.centre.keyring.signerFor(KEY_PURPOSES.checkpoint, now), origin: 'hashfeed/other-feed' })],
    ])('stops the audit (AUDIT_MALFORMED_ANSWER) for a checkpoint %s', async (_name, signing) => {
      const { key, origin } = signing(t.clock.now);
      const size = t.centre.log.size();
      const note = signCheckpoint({ origin, size, rootHash: t.centre.log.rootHash(size), extensions: [] }, key);
      const forged = async (url: string, init: RequestInit): Promise<Response> =>
        new URL(url).pathname === '/v1/log/checkpoint' ? new Response(note, { headers: { 'content-type': 'text/plain' } }) : t.app.request(url, init);
      await expect(runAudit({ centre: AUDITED_CENTRE, token: t.tokens.auditor, stateDir, pin: [t.rootVerifierKey], now: t.clock.now, fetch: forged })).rejects.toMatchObject({ code: 'AUDIT_MALFORMED_ANSWER', message: expect.stringContaining('no checkpoint verifies') });
    });
  });

  describe('when it shows the auditor an older checkpoint, so that the versions after it go unaudited', () => {
    const serving = (answers: Record<string, () => Response>) => async (url: string, init: RequestInit): Promise<Response> =>
      answers[new URL(url).pathname]?.() ?? t.app.request(url, init);
    const auditServing = (answers: Record<string, () => Response>) =>
      runAudit({ centre: AUDITED_CENTRE, token: t.tokens.auditor, stateDir, pin: [t.rootVerifierKey], now: t.clock.now, fetch: serving(answers) });

    it('reports AUDIT_CHECKPOINT_STALE against the fresh timestamp, which names the larger log', async () => {
      const older = await (await t.request('GET', '/v1/log/checkpoint')).text();
      await publishIndicators(t, 1);
      const result = await auditServing({ '/v1/log/checkpoint': () => new Response(older) });
      expect(result.versions.latest).toBe(3);
      expect(violationCodes(result)).toEqual(['AUDIT_CHECKPOINT_STALE']);
    });

    it('reports AUDIT_CHECKPOINT_STALE when the timestamp it serves with it has expired', async () => {
      const older = await (await t.request('GET', '/v1/log/checkpoint')).text();
      const olderTimestamp = new Uint8Array(await (await t.request('GET', '/v1/feed/timestamp', t.tokens.auditor)).arrayBuffer());
      await publishIndicators(t, 1);
      t.clock.now += 2 * DAY;
      const result = await auditServing({ '/v1/log/checkpoint': () => new Response(older), '/v1/feed/timestamp': () => new Response(olderTimestamp) });
      expect(violationCodes(result)).toEqual(['AUDIT_CHECKPOINT_STALE']);
    });

    it('reports a timestamp naming another tree of the size audited (a fork it shows others) as AUDIT_LOG_REWRITTEN', async () => {
      const fork: FeedTimestamp = {
        feed: t.centre.config.feed, version: 3, logSize: t.centre.log.size(), logRoot: new Uint8Array(randomBytes(32)),
        issuedAt: t.clock.now, expires: t.clock.now + DAY, rootVersion: 1,
      };
      const signed = encodeEnvelope(signEnvelope(TIMESTAMP_PAYLOAD_TYPE, encodeTimestamp(fork), [t.centre.keyring.signerFor(KEY_PURPOSES.timestamp, t.clock.now)]));
      const result = await auditServing({ '/v1/feed/timestamp': () => new Response(signed) });
      expect(violationCodes(result)).toEqual(['AUDIT_LOG_REWRITTEN']);
    });
  });

  describe('when it opens an order commitment with terms other than those it logged', () => {
    const recommitted = (item: Record<string, unknown>, edit: Record<string, unknown>): Record<string, unknown> => {
      // The lie made self-consistent: new terms, a fresh salt, and the commitment recomputed over them; only the log leaf is not the Centre's to change.
      const edited = { ...item, ...edit };
      const { orderId, issuingAuthority, legalReference, provider, surfaces, targets, notBefore, notAfter } = edited;
      const order = parseDetectionOrder({ orderId, issuingAuthority, legalReference, provider, surfaces, targets, notBefore, notAfter });
      const salt = new Uint8Array(randomBytes(32));
      const commitment = orderCommitment(salt, registrationTermsBytes({ order, memberState: typeof edited.memberState === 'string' ? edited.memberState : null }));
      return { ...edited, registration: { ...(isRecord(item.registration) ? item.registration : {}), salt: Buffer.from(salt).toString('base64'), commitment: Buffer.from(commitment).toString('base64') } };
    };
    const registrationOf = (item: Record<string, unknown>): Record<string, unknown> => (isRecord(item.registration) ? item.registration : {});

    it.each<[string, (item: Record<string, unknown>) => Record<string, unknown>, string[]]>([
      ['a longer window, recommitted under a fresh salt', (item) => recommitted(item, { notAfter: Number(item.notAfter) + 365 * DAY }), []],
      ['another target, recommitted under a fresh salt', (item) => recommitted(item, { targets: { users: ['u-42'], groups: [], channels: [] } }), []],
      ['a salt that is not the one committed', (item) => ({ ...item, registration: { ...registrationOf(item), salt: randomBytes(32).toString('base64') } }), []],
      ['a salt of 31 bytes', (item) => ({ ...item, registration: { ...registrationOf(item), salt: randomBytes(31).toString('base64') } }), []],
      ['the leaf of another log entry', (item) => ({ ...item, registration: { ...registrationOf(item), leafIndex: t.centre.log.leafIndex('delta', 1) } }), ['AUDIT_ORDER_NOT_SERVED']],
      ['a log time other than the leaf\'s', (item) => ({ ...item, registration: { ...registrationOf(item), committedAt: Number(registrationOf(item).committedAt) - DAY } }), []],
      ['another order number', (item) => ({ ...item, number: 2 }), []],
    ])('reports %s as AUDIT_ORDER_COMMITMENT_MISMATCH, and its report as resting on no logged order', async (_name, edit, alsoFound) => {
      const result = await audit(rewriteItems('/v1/audit/orders', 'orders', edit));
      expect(violationCodes(result)).toEqual(['AUDIT_ORDER_COMMITMENT_MISMATCH', ...alsoFound, 'AUDIT_REPORT_ORDER_NOT_LOGGED']);
    });
  });

  describe('when its log holds two leaves for one version', () => {
    it('reports AUDIT_LOG_DUPLICATE_LEAF, though the leaf it serves the auditor is the later one', async () => {
      // An earlier leaf claiming delta 3: the inclusion proof a forked version 3 would be served with.
      const result = await audit(relabelLeaf(t.centre.log.leafIndex('snapshot', 2) ?? -1, 'delta', 3));
      expect(violationCodes(result)).toEqual(['AUDIT_LOG_DUPLICATE_LEAF']);
    });
  });

  describe('when it relabels the leaf of its latest version, so that the audit stops before it', () => {
    it.each([
      ['a snapshot of a version with no delta', 'snapshot', 4, 'AUDIT_LOG_LEAF_UNACCOUNTED'],
      ['a kind the log does not have', 'note', 3, 'AUDIT_LOG_LEAF_UNACCOUNTED'],
      ['an order commitment', 'order', 7, 'AUDIT_ORDER_NOT_SERVED'],
    ])('reports the leaf relabelled as %s, by its code', async (_name, kind, version, code) => {
      const result = await audit(relabelLeaf(t.centre.log.leafIndex('delta', 3) ?? -1, kind, version));
      expect(result.clean).toBe(false);
      expect(violationCodes(result)).toContain(code);
    });
  });

  describe('when it hides from the auditor an order commitment the public log holds', () => {
    it('reports a hidden order as AUDIT_ORDER_NOT_SERVED', async () => {
      const second = { ...orderTerms('DE-2026-0001'), orderId: 'DE-2026-0002' };
      const res = await t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify(second), 'application/json');
      expect(res.status).toBe(201);
      const result = await audit(rewriteItems('/v1/audit/orders', 'orders', (item) => (item.orderId === 'DE-2026-0002' ? undefined : item)));
      expect(result.violations).toEqual([expect.objectContaining({ code: 'AUDIT_ORDER_NOT_SERVED' })]);
    });

    it('reports an early end it hides (so that reports after it look in force) as AUDIT_ORDER_NOT_SERVED', async () => {
      const ended = await t.request('POST', '/v1/orders/DE-2026-0001/end', t.tokens.operator, JSON.stringify({ reason: 'court withdrew it' }), 'application/json');
      expect(ended.status).toBe(200);
      plantReport(t.centre, { detectedAt: t.clock.now + 1 });
      t.clock.now += DAY;
      const result = await audit(rewriteItems('/v1/audit/orders', 'orders', (item) => ({ ...item, end: null, endedAt: null, endedBy: null })));
      expect(result.violations).toEqual([expect.objectContaining({ code: 'AUDIT_ORDER_NOT_SERVED' })]);
    });
  });

  describe('when it logs an early end that does not follow its registration', () => {
    it('reports an end logged before the registration as AUDIT_ORDER_COMMITMENT_MISMATCH', async () => {
      const { centre } = t;
      const order = { ...orderTerms('DE-2026-0001'), orderId: 'DE-2026-0002' };
      const providerId = centre.db.prepare<[], { id: number }>("SELECT id FROM accounts WHERE name = 'example-host'").get()?.id ?? -1;
      centre.write(() => {
        const stored = centre.orders.insert(order, providerId, 'centre-op', t.clock.now, 'DE');
        centre.orders.end(order.orderId, 'centre-op', t.clock.now);
        centre.orderCommitments.end(stored, { orderId: order.orderId, endedAt: t.clock.now, reason: null }, t.clock.now);
        centre.orderCommitments.register(stored, t.clock.now);
      });
      const result = await audit();
      expect(result.violations).toEqual([expect.objectContaining({ code: 'AUDIT_ORDER_COMMITMENT_MISMATCH', orderId: 'DE-2026-0002' })]);
    });

    it('reports an end logged now but dated weeks later (so that the public reads it ended, while reports go on) as AUDIT_ORDER_COMMITMENT_MISMATCH', async () => {
      const { centre } = t;
      const later = t.clock.now + 20 * DAY;
      centre.write(() => {
        const stored = centre.orders.get('DE-2026-0001');
        if (stored === undefined) throw new Error('no order');
        centre.orders.end('DE-2026-0001', 'centre-op', later);
        centre.orderCommitments.end(stored, { orderId: 'DE-2026-0001', endedAt: later, reason: null }, t.clock.now);
      });
      plantReport(centre, { detectedAt: t.clock.now + DAY });
      t.clock.now += 2 * DAY;
      const result = await audit();
      expect(result.violations).toEqual([expect.objectContaining({ code: 'AUDIT_ORDER_COMMITMENT_MISMATCH', orderId: 'DE-2026-0001' })]);
    });

    it('reports an order it says ended, with no end in the log, as AUDIT_ORDER_NOT_LOGGED', async () => {
      const result = await audit(rewriteItems('/v1/audit/orders', 'orders', (item) => ({ ...item, endedAt: t.clock.now, endedBy: 'centre-op' })));
      expect(result.violations).toEqual([expect.objectContaining({ code: 'AUDIT_ORDER_NOT_LOGGED', orderId: 'DE-2026-0001' })]);
    });
  });

  describe('when it registers an order after the fact and backdates its commitment', () => {
    it('reports AUDIT_LOG_TIME_REVERSED: the leaf is logged after a delta signed later than the time it claims', async () => {
      const { centre } = t;
      const registeredAt = t.clock.now;
      await publishIndicators(t, 1);
      t.clock.now += 2 * DAY;
      // The report came first; the order covering it is registered now, its leaf dated to before the last version.
      const backdated = registeredAt - DAY / 2;
      const order = { ...orderTerms('DE-2026-0001'), orderId: 'DE-2026-0002' };
      const providerId = centre.db.prepare<[], { id: number }>("SELECT id FROM accounts WHERE name = 'example-host'").get()?.id ?? -1;
      centre.write(() => centre.orderCommitments.register(centre.orders.insert(order, providerId, 'centre-op', backdated, 'DE'), backdated));
      plantReport(centre, { orderId: 'DE-2026-0002', detectedAt: registeredAt - DAY / 4 });
      const result = await audit();
      expect(violationCodes(result)).toEqual(['AUDIT_LOG_TIME_REVERSED']);
    });

    it('reports AUDIT_LOG_TIME_REVERSED when it also relabels the log times of the versions before it', async () => {
      const { centre } = t;
      const registeredAt = t.clock.now;
      await publishIndicators(t, 1);
      t.clock.now += 2 * DAY;
      const backdated = registeredAt - DAY / 2;
      const order = { ...orderTerms('DE-2026-0001'), orderId: 'DE-2026-0002' };
      const providerId = centre.db.prepare<[], { id: number }>("SELECT id FROM accounts WHERE name = 'example-host'").get()?.id ?? -1;
      centre.write(() => centre.orderCommitments.register(centre.orders.insert(order, providerId, 'centre-op', backdated, 'DE'), backdated));
      const result = await audit(rewriteItems('/v1/log/leaves', 'leaves', (leaf) => ({ ...leaf, appendedAt: Math.min(Number(leaf.appendedAt), backdated) })));
      expect(violationCodes(result)).toEqual(['AUDIT_LOG_TIME_REVERSED']);
      expect(result.violations.some((v) => v.version === 4)).toBe(true);
    });
  });

  describe('when it serves a root chain cut before a key change', () => {
    /** The chain as a Centre that hides every root after the first. */
    const firstRootOnly = async (url: string, init: RequestInit): Promise<Response> => {
      const { pathname, searchParams } = new URL(url);
      if (pathname !== '/v1/feed/keys') return t.app.request(url, init);
      const since = Number(searchParams.get('since') ?? '0');
      return new Response(encodeRootList(since === 0 ? t.centre.keyring.roots.page(0).slice(0, 1) : []), { headers: { 'content-type': 'application/msgpack' } });
    };

    it('reports AUDIT_ROOT_ROLLBACK to a later audit that saw the change, and keeps the root version it was judged against', async () => {
      rotateCentreKeys(t.dataDir, ['provider-list'], t.clock.now);
      expect((await audit()).keyChanges.map((root) => root.version)).toEqual([1, 2]);
      const rerun = () => runAudit({ centre: AUDITED_CENTRE, token: t.tokens.auditor, stateDir, now: t.clock.now, fetch: firstRootOnly });
      const result = await rerun();
      expect(result.keyChanges.map((root) => root.version)).toEqual([1]);
      expect(violationCodes(result)).toEqual(['AUDIT_ROOT_ROLLBACK']);
      expect(JSON.parse(readFileSync(join(stateDir, 'audit-state.json'), 'utf8'))).toMatchObject({ rootVersion: 2 });
      expect(violationCodes(await rerun())).toEqual(['AUDIT_ROOT_ROLLBACK']);
    });

    it('reports AUDIT_ROOT_ROLLBACK on a first audit too, against the root its timestamp names', async () => {
      rotateCentreKeys(t.dataDir, ['provider-list'], t.clock.now);
      await publishIndicators(t, 1);
      const result = await runAudit({ centre: AUDITED_CENTRE, token: t.tokens.auditor, stateDir, pin: [t.rootVerifierKey], now: t.clock.now, fetch: firstRootOnly });
      expect(violationCodes(result)).toEqual(['AUDIT_ROOT_ROLLBACK']);
    });
  });

  describe('when its export (a --mirror) serves other feed objects than the log holds', () => {
    const MIRROR = 'http://mirror.test';
    /** The export as the Centre's own feed routes, with `swap` choosing which path answers each request. */
    const auditMirror = (swap: (path: string) => string) =>
      runAudit({
        centre: AUDITED_CENTRE, mirror: MIRROR, token: t.tokens.auditor, stateDir, pin: [t.rootVerifierKey], now: t.clock.now,
        fetch: async (url, init) => {
          if (!url.startsWith(MIRROR)) return t.app.request(url, init);
          const { pathname, search } = new URL(url);
          return t.app.request(`${AUDITED_CENTRE}${swap(pathname)}${search}`, { headers: { authorization: `Bearer ${t.tokens.auditor}` } });
        },
      });

    it('passes the export as it is', async () => {
      expect((await auditMirror((path) => path)).violations).toEqual([]);
    });

    it.each([
      ['an earlier version in place of version 3', '/v1/feed/deltas/3', '/v1/feed/deltas/2', ['AUDIT_DELTA_OUT_OF_ORDER', 'AUDIT_NOT_IN_LOG']],
      ['an earlier snapshot as the latest', '/v1/feed/snapshot', '/v1/feed/snapshots/2', ['AUDIT_SNAPSHOT_MISMATCH']],
    ])('reports %s', async (_name, asked, served, expected) => {
      const result = await auditMirror((path) => (path === asked ? served : path));
      expect(violationCodes(result)).toEqual(expected);
    });
  });

  describe('when it answers the first page of the root chain whatever version is asked after', () => {
    it('stops at the page that does not follow, with AUDIT_BAD_PIN, rather than piling the same roots up', async () => {
      const firstPageAlways = async (url: string, init: RequestInit): Promise<Response> => {
        const { pathname } = new URL(url);
        if (pathname !== '/v1/feed/keys') return t.app.request(url, init);
        return new Response(encodeRootList(t.centre.keyring.roots.page(0)), { headers: { 'content-type': 'application/msgpack' } });
      };
      let requests = 0;
      const counted = (url: string, init: RequestInit): Promise<Response> => {
        requests++;
        return firstPageAlways(url, init);
      };
      await expect(runAudit({ centre: AUDITED_CENTRE, token: t.tokens.auditor, stateDir, pin: [t.rootVerifierKey], now: t.clock.now, fetch: counted })).rejects.toMatchObject({ code: 'AUDIT_BAD_PIN' });
      expect(requests).toBe(2);
    }, 30_000);
  });

  describe('when its page cursor does not advance', () => {
    it.each([
      ['/v1/audit/orders', 'orders'],
      ['/v1/audit/reports', 'reports'],
    ])('fails with AUDIT_MALFORMED_ANSWER rather than reading %s round and round', async (path) => {
      const rewrite: AnswerRewrite = (answered, body) => (answered === path && isRecord(body) ? { ...body, next: 0 } : body);
      await expect(audit(rewrite)).rejects.toMatchObject({ code: 'AUDIT_MALFORMED_ANSWER' });
    }, 30_000);
  });

  /** The terms of a registered order, as the Centre stores them. */
  function orderTerms(orderId: string): DetectionOrder {
    const stored = t.centre.orders.get(orderId);
    if (stored === undefined) throw new Error(`no order ${orderId}`);
    return stored.order;
  }
});
