import { feedHashLayout } from '../shared/wire/hash-layout.ts';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeDeltaChain } from '../shared/wire/delta-chain.ts';
import { KEY_PURPOSES, usableKeys, type KeyPurpose } from '../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../shared/trust/testing/trusted-root.ts';
import { decodeDelta, DELTA_PAYLOAD_TYPE } from '../shared/wire/delta.ts';
import { decodeSnapshot, SNAPSHOT_PAYLOAD_TYPE } from '../shared/wire/snapshot.ts';
import { decodeTimestamp, TIMESTAMP_PAYLOAD_TYPE } from '../shared/wire/timestamp.ts';
import { computeStateDigest } from '../shared/wire/state-digest.ts';
import { groupEntries } from '../shared/wire/indicator-group.ts';
import type { VerifierKey } from '../shared/crypto/index.ts';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../shared/merkle/index.ts';
import { verifyCheckpoint } from '../shared/note/index.ts';
import { SEALED_DELTA_PAYLOAD_TYPE, SEALED_SNAPSHOT_PAYLOAD_TYPE } from '../shared/seal/index.ts';
import { openWithCentreKey } from './testing/sealed.ts';
import { createTestCentre, type TestCentre } from './testing/test-centre.ts';

const hex = (n: number): string => randomBytes(n).toString('hex');
const bytesOf = async (res: Response): Promise<Uint8Array> => new Uint8Array(await res.arrayBuffer());
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

async function submit(t: TestCentre, rows: object[], token = t.tokens.authority): Promise<Response> {
  return t.request('POST', '/v1/indicators', token, JSON.stringify(rows), 'application/json');
}

async function submitApprovePublish(t: TestCentre, rows: object[]): Promise<{ batchId: number; version: number }> {
  const submitted = await submit(t, rows);
  expect(submitted.status).toBe(201);
  const { batchId } = (await submitted.json()) as { batchId: number };
  expect((await t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator)).status).toBe(200);
  const published = await t.request('POST', '/v1/publish', t.tokens.operator);
  expect(published.status).toBe(201);
  const { version } = (await published.json()) as { version: number };
  return { batchId, version };
}

/** Deltas and snapshots are sealed (docs/PROTOCOL.md 13.1): signed as these types, opened with the epoch key. */
const SEALED_AS: Readonly<Record<string, string>> = { [DELTA_PAYLOAD_TYPE]: SEALED_DELTA_PAYLOAD_TYPE, [SNAPSHOT_PAYLOAD_TYPE]: SEALED_SNAPSHOT_PAYLOAD_TYPE };

/**
 * What a provider does: the root chain from /keys, walked from the pinned root, then the object under a key of its purpose;
 * a sealed delta or snapshot is then opened with its epoch's key (here the Centre's own, where a provider unwraps it).
 */
async function verified(t: TestCentre, bytes: Uint8Array, type: string, purpose: KeyPurpose = KEY_PURPOSES.feed): Promise<{ payload: Uint8Array; checkpointKey: VerifierKey }> {
  const root = trustedRootFrom(await bytesOf(await t.request('GET', '/v1/feed/keys', t.tokens.provider)), t.rootVerifierKey);
  const sealedType = SEALED_AS[type];
  const signed = openSigned(bytes, sealedType ?? type, root, purpose, t.clock.now);
  const payload = sealedType === undefined ? signed : (await openWithCentreKey(t.centre, bytes)).payload;
  const checkpointKey = usableKeys(root, KEY_PURPOSES.checkpoint, t.clock.now)[0]?.verifierKey;
  if (checkpointKey === undefined) throw new Error('the root lists no checkpoint key');
  return { payload, checkpointKey };
}

describe('Centre API', () => {
  let t: TestCentre;
  beforeEach(() => {
    t = createTestCentre();
  });
  afterEach(() => t.close());

  describe('when an authority submits, an operator approves and publishes', () => {
    it('serves a signed delta whose digest matches the active set', async () => {
      const rows = [
        { algorithm: 'pdq', hash: hex(32), category: 'A1', reference: 'case-1' },
        { algorithm: 'md5', hash: hex(16), category: 'B2', reference: 'case-2' },
      ];
      const { version } = await submitApprovePublish(t, rows);
      expect(version).toBe(1);

      const chain = decodeDeltaChain(await bytesOf(await t.request('GET', '/v1/feed/deltas?since=0', t.tokens.provider)), 1 << 24);
      expect(chain).toMatchObject({ latest: 1, next: null, snapshot: null });
      const { payload } = await verified(t, chain.envelopes[0] ?? new Uint8Array(), DELTA_PAYLOAD_TYPE);
      const delta = decodeDelta(payload, feedHashLayout, 1 << 24);
      expect(delta).toMatchObject({ feed: 'eu-centre', version: 1, previous: 0 });
      const entries = delta.adds.flatMap((g) => [...groupEntries(g, delta.categories)]).sort((a, b) => a.id - b.id);
      expect(entries.map((e) => Buffer.from(e.hash).toString('hex')).sort()).toEqual(rows.map((r) => r.hash).sort());
      expect(Buffer.from(computeStateDigest(entries))).toEqual(Buffer.from(delta.stateDigest));
    });

    it('serves a snapshot equal to the replayed deltas', async () => {
      await submitApprovePublish(t, [{ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: 'a' }]);
      const second = await submitApprovePublish(t, [{ algorithm: 'pdq', hash: hex(32), category: 'A2', reference: 'b' }]);
      const res = await t.request('GET', `/v1/feed/snapshot?version=${second.version}`, t.tokens.provider);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toContain('immutable');
      const snapshot = decodeSnapshot((await verified(t, await bytesOf(res), SNAPSHOT_PAYLOAD_TYPE)).payload, feedHashLayout, 1 << 24);
      const entries = snapshot.groups.flatMap((g) => [...groupEntries(g, snapshot.categories)]);
      expect(entries).toHaveLength(2);
      expect(Buffer.from(computeStateDigest(entries))).toEqual(Buffer.from(snapshot.stateDigest));

      // The snapshot of an earlier version is the state at that version, not today's.
      const first = decodeSnapshot(
        (await verified(t, await bytesOf(await t.request('GET', '/v1/feed/snapshots/1', t.tokens.provider)), SNAPSHOT_PAYLOAD_TYPE)).payload,
        feedHashLayout,
        1 << 24,
      );
      expect(first.groups.flatMap((g) => [...g.ids])).toHaveLength(1);
    });

    it('answers a matching ETag with 304', async () => {
      await submitApprovePublish(t, [{ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: 'a' }]);
      const res = await t.request('GET', '/v1/feed/deltas/1', t.tokens.provider);
      const etag = res.headers.get('etag') ?? '';
      const again = await t.app.request('/v1/feed/deltas/1', { headers: { authorization: `Bearer ${t.tokens.provider}`, 'if-none-match': etag } });
      expect(again.status).toBe(304);
    });

    it('logs every delta and its snapshot, with inclusion and consistency proofs under a signed checkpoint', async () => {
      await submitApprovePublish(t, [{ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: 'a' }]);
      const firstNote = await (await t.request('GET', '/v1/log/checkpoint')).text();
      await submitApprovePublish(t, [{ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: 'b' }]);
      const note = await (await t.request('GET', '/v1/log/checkpoint')).text();

      const deltaBytes = await bytesOf(await t.request('GET', '/v1/feed/deltas/2', t.tokens.provider));
      const { checkpointKey } = await verified(t, deltaBytes, DELTA_PAYLOAD_TYPE);
      // The checkpoint key carries the log origin as its name (C2SP tlog-checkpoint).
      expect(checkpointKey.name).toBe('hashfeed/eu-centre');
      const { checkpoint } = verifyCheckpoint(note, { origin: 'hashfeed/eu-centre', logKey: checkpointKey });
      const old = verifyCheckpoint(firstNote, { origin: 'hashfeed/eu-centre', logKey: checkpointKey }).checkpoint;
      // Each version adds two leaves: its delta, then its snapshot.
      expect(checkpoint.size).toBe(4);

      const inclusion = (await (await t.request('GET', `/v1/log/proof/inclusion?version=2&size=${checkpoint.size}`)).json()) as { leafIndex: number; proof: string[] };
      verifyInclusion({ leafHash: hashLeaf(deltaBytes), leafIndex: inclusion.leafIndex, treeSize: checkpoint.size, proof: inclusion.proof.map(b64), rootHash: checkpoint.rootHash });

      const consistency = (await (await t.request('GET', `/v1/log/proof/consistency?from=${old.size}&to=${checkpoint.size}`)).json()) as { proof: string[] };
      verifyConsistency({ size1: old.size, size2: checkpoint.size, root1: old.rootHash, root2: checkpoint.rootHash, proof: consistency.proof.map(b64) });
    });

    it('signs a timestamp naming the latest version and the log root', async () => {
      await submitApprovePublish(t, [{ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: 'a' }]);
      const ts = decodeTimestamp((await verified(t, await bytesOf(await t.request('GET', '/v1/feed/timestamp', t.tokens.provider)), TIMESTAMP_PAYLOAD_TYPE, KEY_PURPOSES.timestamp)).payload);
      expect(ts).toMatchObject({ feed: 'eu-centre', version: 1, logSize: 2, rootVersion: 1 });
      expect(ts.expires - ts.issuedAt).toBe(86_400_000);
    });
  });

  describe('when nothing is approved', () => {
    it('refuses to publish an empty version', async () => {
      await submit(t, [{ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: 'a' }]);
      const res = await t.request('POST', '/v1/publish', t.tokens.operator);
      expect(res.status).toBe(409);
      expect(await res.json()).toEqual({ error: { code: 'NOTHING_TO_PUBLISH', message: expect.any(String) } });
    });
  });

  describe('with the two-source rule at K = 2', () => {
    it('publishes an indicator only once a second authority confirms it', async () => {
      t.close();
      t = createTestCentre({ minConfirmations: 2 });
      const hash = hex(32);
      const res = await submit(t, [{ algorithm: 'pdq', hash, category: 'A1', reference: 'de-1' }]);
      const { batchId } = (await res.json()) as { batchId: number };
      await t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator);
      expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(409);
      const second = t.account('NL-POLITIE', 'authority');
      expect((await submit(t, [{ algorithm: 'pdq', hash, category: 'A1', reference: 'nl-9' }], second)).status).toBe(201);
      const published = await t.request('POST', '/v1/publish', t.tokens.operator);
      expect(await published.json()).toMatchObject({ version: 1, adds: 1 });
    });
  });

  describe('when an authority revokes a published indicator', () => {
    it('publishes its removal with the reason code', async () => {
      await submitApprovePublish(t, [{ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: 'a' }]);
      const list = (await (await t.request('GET', '/v1/indicators?status=active', t.tokens.operator)).json()) as { indicators: { id: number }[] };
      const id = list.indicators[0]?.id ?? 0;
      const revoked = await t.request('POST', `/v1/indicators/${id}/revoke`, t.tokens.authority, JSON.stringify({ reason: 'FALSE_POSITIVE' }), 'application/json');
      expect(await revoked.json()).toMatchObject({ removal: 'queued' });
      expect(await (await t.request('POST', '/v1/publish', t.tokens.operator)).json()).toMatchObject({ version: 2, removes: 1, active: 0 });
      const { payload } = await verified(t, await bytesOf(await t.request('GET', '/v1/feed/deltas/2', t.tokens.provider)), DELTA_PAYLOAD_TYPE);
      const delta = decodeDelta(payload, feedHashLayout, 1 << 20);
      expect([...delta.removes.ids]).toEqual([id]);
      expect(delta.reasonCodes[delta.removes.reasons[0] ?? 99]).toBe('FALSE_POSITIVE');
    });
  });

  describe('when a bulk submission has a bad row', () => {
    it('refuses the whole batch and names the line and code', async () => {
      const csv = ['algorithm,hash,category,reference', `pdq,${hex(32)},A1,ok-1`, `pdq,${hex(31)},A1,short`, `pdq,${hex(32)},Z9,bad-cat`, `pdq,${hex(32)},A1,ok-2`].join('\n');
      const res = await t.request('POST', '/v1/indicators', t.tokens.authority, csv, 'text/csv');
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: { code: string; rows: { line: number; code: string }[] } };
      expect(body.error.code).toBe('INGEST_INVALID_ROWS');
      expect(body.error.rows.map((r) => [r.line, r.code])).toEqual([
        [3, 'ROW_BAD_HASH'],
        [4, 'ROW_UNKNOWN_CATEGORY'],
      ]);
      const list = (await (await t.request('GET', '/v1/indicators', t.tokens.operator)).json()) as { indicators: unknown[] };
      expect(list.indicators).toEqual([]);
    });

    it('accepts NDJSON streamed line by line', async () => {
      const ndjson = Array.from({ length: 500 }, (_, i) => JSON.stringify({ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: `r${i}` })).join('\n');
      const res = await t.request('POST', '/v1/indicators', t.tokens.authority, ndjson, 'application/x-ndjson');
      expect(await res.json()).toMatchObject({ rows: 500, created: 500 });
    });
  });

  describe('with request limits', () => {
    it('refuses a body over the cap with 413', async () => {
      const big = JSON.stringify({ reason: 'x'.repeat(2 << 20) });
      const res = await t.request('POST', '/v1/indicators/1/revoke', t.tokens.authority, big, 'application/json');
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BODY_TOO_LARGE');
    });

    it('rate limits a token with 429 and Retry-After', async () => {
      t.close();
      t = createTestCentre({ rateLimit: { burst: 3, perSecond: 1 } });
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await t.request('GET', '/v1/feed/keys', t.tokens.provider)).status);
      expect(codes).toEqual([200, 200, 200, 429, 429]);
      const res = await t.request('GET', '/v1/feed/keys', t.tokens.provider);
      expect(res.headers.get('retry-after')).toBe('1');
    });
  });

  describe('the published history', () => {
    it('cannot be rewritten, even by direct SQL', async () => {
      await submitApprovePublish(t, [{ algorithm: 'pdq', hash: hex(32), category: 'A1', reference: 'a' }]);
      for (const sql of ['UPDATE versions SET adds = 9', 'DELETE FROM log_leaves', 'UPDATE checkpoints SET note = ?', 'DELETE FROM feed_changes']) {
        expect(() => t.centre.db.prepare(sql).run(...(sql.includes('?') ? ['x'] : []))).toThrow(/append-only/);
      }
    });
  });
});
