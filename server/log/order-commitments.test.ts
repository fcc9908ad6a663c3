import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../../shared/merkle/index.ts';
import { verifyCheckpoint } from '../../shared/note/index.ts';
import { sampleOrder } from '../../shared/testing/sample-order.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { KEY_PURPOSES, usableKeys } from '../../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../../shared/trust/testing/trusted-root.ts';
import { parseDetectionOrder } from '../../shared/wire/order.ts';
import { encodeOrderLeaf, endTermsBytes, orderCommitment, registrationTermsBytes, type OrderLeafKind } from '../../shared/wire/order-commitment.ts';
import { decodeTimestamp, TIMESTAMP_PAYLOAD_TYPE } from '../../shared/wire/timestamp.ts';
import { exportFeed } from '../export.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const DAY = 86_400_000;

type Commitment = { salt: string; commitment: string; leafIndex: number; committedAt: number };
type AuditedOrder = {
  number: number;
  memberState: string | null;
  endedAt: number | null;
  registration: Commitment | null;
  end: (Commitment & { reason: string | null }) | null;
} & Record<string, unknown>;
type Leaf = { index: number; leafHash: string; kind: string; version: number; appendedAt: number };

const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

describe('order commitments in the transparency log', () => {
  let t: TestCentre;
  const dirs = tempDirs();
  beforeEach(() => {
    t = createTestCentre();
  });
  afterEach(() => {
    t.close();
    dirs.removeAll();
  });

  const register = async (overrides: Record<string, unknown> = {}): Promise<Response> =>
    t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify({ ...sampleOrder(t.clock.now, { notAfter: t.clock.now + 30 * DAY }), memberState: 'DE', ...overrides }), 'application/json');
  const json = async <T>(path: string, token?: string): Promise<T> => {
    const res = await t.request('GET', path, token);
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  const auditedOrders = async (): Promise<AuditedOrder[]> => (await json<{ orders: AuditedOrder[] }>('/v1/audit/orders', t.tokens.auditor)).orders;
  const leaves = async (): Promise<Leaf[]> => (await json<{ leaves: Leaf[] }>('/v1/log/leaves?limit=1000')).leaves;

  /** The signed tree head a sidecar would take: the checkpoint, which must state the timestamp's tree (PROTOCOL 9.3 step 6a). */
  async function verifiedHead(): Promise<{ size: number; rootHash: Uint8Array }> {
    const keys = await t.request('GET', '/v1/feed/keys', t.tokens.provider);
    const root = trustedRootFrom(new Uint8Array(await keys.arrayBuffer()), t.rootVerifierKey);
    const timestampBytes = new Uint8Array(await (await t.request('GET', '/v1/feed/timestamp', t.tokens.provider)).arrayBuffer());
    const timestamp = decodeTimestamp(openSigned(timestampBytes, TIMESTAMP_PAYLOAD_TYPE, root, KEY_PURPOSES.timestamp, t.clock.now));
    const logKey = usableKeys(root, KEY_PURPOSES.checkpoint, t.clock.now)[0]?.verifierKey;
    if (logKey === undefined) throw new Error('the root lists no checkpoint key');
    const { checkpoint } = verifyCheckpoint(await (await t.request('GET', '/v1/log/checkpoint')).text(), { origin: t.centre.log.origin, logKey });
    expect(checkpoint.size).toBe(timestamp.logSize);
    expect(Buffer.from(checkpoint.rootHash)).toEqual(Buffer.from(timestamp.logRoot));
    return checkpoint;
  }

  /** What an auditor does: the commitment from the terms and the salt, the leaf from it, the leaf's hash against the public listing. */
  function expectLeafRecomputes(leaf: Leaf | undefined, kind: OrderLeafKind, orderNumber: number, held: Commitment, termsBytes: Uint8Array): void {
    if (leaf === undefined) throw new Error('no such leaf');
    expect(leaf).toMatchObject({ index: held.leafIndex, kind, version: orderNumber, appendedAt: held.committedAt });
    const commitment = orderCommitment(b64(held.salt), termsBytes);
    expect(Buffer.from(commitment).toString('base64')).toBe(held.commitment);
    expect(Buffer.from(hashLeaf(encodeOrderLeaf({ kind, orderNumber, committedAt: held.committedAt, commitment }))).toString('base64')).toBe(leaf.leafHash);
  }

  describe('when an operator registers an order', () => {
    it('appends an order leaf that the terms and the salt recompute, under a checkpoint and timestamp that state it', async () => {
      await publishIndicators(t, 1);
      const before = t.centre.log.size();
      const headBefore = await verifiedHead();
      expect(headBefore.size).toBe(2);
      t.clock.now += 1000;
      expect((await register()).status).toBe(201);

      expect(t.centre.log.size()).toBe(before + 1);
      const [audited] = await auditedOrders();
      if (audited?.registration == null) throw new Error('no registration commitment');
      expect(audited).toMatchObject({ number: 1, memberState: 'DE', end: null });
      expect(audited.registration).toMatchObject({ leafIndex: before, committedAt: t.clock.now });
      expect(b64(audited.registration.salt)).toHaveLength(32);
      const terms = parseDetectionOrder({
        orderId: audited.orderId,
        issuingAuthority: audited.issuingAuthority,
        legalReference: audited.legalReference,
        provider: audited.provider,
        surfaces: audited.surfaces,
        targets: audited.targets,
        notBefore: audited.notBefore,
        notAfter: audited.notAfter,
      });
      const listed = await leaves();
      expectLeafRecomputes(listed[before], 'order', 1, audited.registration, registrationTermsBytes({ order: terms, memberState: audited.memberState }));

      // The sidecar's view: the timestamp was re-signed for the grown log, which extends the one seen before.
      const head = await verifiedHead();
      expect(head.size).toBe(before + 1);
      const consistency = await json<{ proof: string[] }>(`/v1/log/proof/consistency?from=${headBefore.size}&to=${head.size}`);
      verifyConsistency({ size1: headBefore.size, size2: head.size, root1: headBefore.rootHash, root2: head.rootHash, proof: consistency.proof.map(b64) });
      const inclusion = await json<{ leafIndex: number; leafHash: string; proof: string[] }>(`/v1/log/proof/inclusion?kind=order&version=1&size=${head.size}`);
      expect(inclusion.leafIndex).toBe(before);
      verifyInclusion({ leafHash: b64(inclusion.leafHash), leafIndex: inclusion.leafIndex, treeSize: head.size, proof: inclusion.proof.map(b64), rootHash: head.rootHash });
    });

    it('tells the public that order 1 exists and when, and nothing of its terms', async () => {
      expect((await register()).status).toBe(201);
      const leaf = (await leaves()).find((l) => l.kind === 'order');
      expect(leaf).toEqual({ index: expect.any(Number), leafHash: expect.any(String), kind: 'order', version: 1, appendedAt: t.clock.now });
      const page = JSON.stringify(await json('/v1/log/leaves?limit=1000'));
      for (const term of ['DE-2026-0001', 'example-host', 'u-1', 'public-posts', 'München']) expect(page).not.toContain(term);
    });

    it('salts each commitment afresh, so two orders of the same terms commit differently', async () => {
      expect((await register()).status).toBe(201);
      expect((await register({ orderId: 'DE-2026-0002' })).status).toBe(201);
      const [first, second] = await auditedOrders();
      expect(first?.registration?.salt).not.toBe(second?.registration?.salt);
      expect(first?.registration?.commitment).not.toBe(second?.registration?.commitment);
    });
  });

  describe('when an operator ends an order early', () => {
    it('appends an order-end leaf committing to the end time and the reason', async () => {
      expect((await register()).status).toBe(201);
      t.clock.now += 60_000;
      const ended = await t.request('POST', '/v1/orders/DE-2026-0001/end', t.tokens.operator, JSON.stringify({ reason: 'court revoked it' }), 'application/json');
      expect(ended.status).toBe(200);
      const [audited] = await auditedOrders();
      if (audited?.end == null) throw new Error('no end commitment');
      expect(audited.end).toMatchObject({ reason: 'court revoked it', committedAt: t.clock.now, leafIndex: t.centre.log.size() - 1 });
      expect(audited.endedAt).toBe(t.clock.now);
      expectLeafRecomputes((await leaves())[audited.end.leafIndex], 'order-end', 1, audited.end, endTermsBytes({ orderId: 'DE-2026-0001', endedAt: t.clock.now, reason: 'court revoked it' }));
      const head = await verifiedHead();
      const inclusion = await json<{ leafIndex: number; leafHash: string; proof: string[] }>(`/v1/log/proof/inclusion/order-end/1/${head.size}`);
      verifyInclusion({ leafHash: b64(inclusion.leafHash), leafIndex: inclusion.leafIndex, treeSize: head.size, proof: inclusion.proof.map(b64), rootHash: head.rootHash });
    });

    it('commits to an end without a reason as the empty field', async () => {
      expect((await register()).status).toBe(201);
      expect((await t.request('POST', '/v1/orders/DE-2026-0001/end', t.tokens.operator)).status).toBe(200);
      const [audited] = await auditedOrders();
      if (audited?.end == null) throw new Error('no end commitment');
      expect(audited.end.reason).toBeNull();
      expectLeafRecomputes((await leaves())[audited.end.leafIndex], 'order-end', 1, audited.end, endTermsBytes({ orderId: 'DE-2026-0001', endedAt: t.clock.now, reason: null }));
    });
  });

  describe('when the registration fails', () => {
    it('appends nothing for a refused order', async () => {
      expect((await register()).status).toBe(201);
      const size = t.centre.log.size();
      expect((await register()).status).toBe(409);
      expect((await register({ provider: 'nobody' })).status).toBe(400);
      expect(t.centre.log.size()).toBe(size);
    });

    it('registers no order whose leaf could not be appended: both are one transaction', async () => {
      // A leaf already holding the next order's (kind, version) makes the append fail after the order's row was written.
      const size = t.centre.log.size();
      t.centre.db.prepare("INSERT INTO log_leaves (idx, leaf_hash, kind, version, appended_at) VALUES (?, zeroblob(32), 'order', 1, 0)").run(size);
      expect((await register()).status).toBe(409);
      expect(t.centre.orders.get('DE-2026-0001')).toBeUndefined();
      expect(t.centre.db.prepare('SELECT count(*) AS n FROM order_commitments').get()).toEqual({ n: 0 });
      expect(t.centre.db.prepare("SELECT count(*) AS n FROM audit WHERE action = 'order.register'").get()).toEqual({ n: 0 });
      expect(t.centre.log.size()).toBe(size + 1);
    });
  });

  describe('when the Centre opens again', () => {
    it('appends nothing while every order has its commitments', async () => {
      expect((await register()).status).toBe(201);
      const size = t.centre.log.size();
      expect(t.centre.orderCommitments.backfill(t.clock.now)).toBe(0);
      expect(t.centre.log.size()).toBe(size);
    });
  });

  describe('when the Centre exports a static mirror', () => {
    it('writes the inclusion proof of every order leaf beside the feed leaves', async () => {
      expect((await register()).status).toBe(201);
      const out = dirs.make('hf-export-');
      exportFeed(t.centre, out, t.clock.now);
      const size = t.centre.log.size();
      const proof = JSON.parse(readFileSync(join(out, `v1/log/proof/inclusion/order/1/${size}`), 'utf8')) as { kind: string; leafIndex: number; leafHash: string; proof: string[] };
      expect(proof).toMatchObject({ kind: 'order', leafIndex: size - 1 });
      const head = await verifiedHead();
      verifyInclusion({ leafHash: b64(proof.leafHash), leafIndex: proof.leafIndex, treeSize: size, proof: proof.proof.map(b64), rootHash: head.rootHash });
    });
  });
});
