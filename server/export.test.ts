import { feedHashLayout } from '../shared/wire/hash-layout.ts';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_PURPOSES, usableKeys } from '../shared/trust/index.ts';
import { openSigned, trustedRootFrom } from '../shared/trust/testing/trusted-root.ts';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../shared/merkle/index.ts';
import { verifyCheckpoint } from '../shared/note/index.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SEALED_DELTA_PAYLOAD_TYPE, SEALED_SNAPSHOT_PAYLOAD_TYPE } from '../shared/seal/index.ts';
import { decodeDelta } from '../shared/wire/delta.ts';
import { decodeSnapshot } from '../shared/wire/snapshot.ts';
import { decodeTimestamp, TIMESTAMP_PAYLOAD_TYPE } from '../shared/wire/timestamp.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { exportFeed } from './export.ts';
import { openWithCentreKey } from './testing/sealed.ts';
import { createTestCentre, type TestCentre } from './testing/test-centre.ts';
import { findNginx, startNginx } from './testing/nginx.ts';

const nginx = findNginx();

/** Every hash published, to look for in the exported bytes. */
const published: Buffer[] = [];

async function publishOne(t: TestCentre, reference: string): Promise<void> {
  const hash = randomBytes(32);
  published.push(hash);
  const res = await t.request('POST', '/v1/indicators', t.tokens.authority, JSON.stringify({ algorithm: 'pdq', hash: hash.toString('hex'), category: 'A1', reference }), 'application/json');
  const { batchId } = (await res.json()) as { batchId: number };
  await t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator);
  expect((await t.request('POST', '/v1/publish', t.tokens.operator)).status).toBe(201);
}

describe.skipIf(nginx === null)('static export served by nginx', () => {
  let t: TestCentre;
  let mirror: { url: string; stop(): Promise<void> };
  let firstCheckpointSize = 0;
  let out = '';
  const dirs = tempDirs();

  beforeAll(async () => {
    out = dirs.make('hf-export-');
    t = createTestCentre();
    await publishOne(t, 'a');
    exportFeed(t.centre, out, t.clock.now);
    firstCheckpointSize = t.centre.log.size();
    await publishOne(t, 'b');
    t.clock.now += 60_000;
    exportFeed(t.centre, out, t.clock.now);
    mirror = await startNginx(nginx ?? 'nginx', out, dirs.make('hf-nginx-'));
  });

  afterAll(async () => {
    try {
      await mirror?.stop();
      t?.close();
    } finally {
      dirs.removeAll();
    }
  });

  const get = async (path: string): Promise<Uint8Array> => {
    const res = await fetch(`${mirror.url}${path}`);
    expect(res.status, path).toBe(200);
    return new Uint8Array(await res.arrayBuffer());
  };

  it('serves every signed object a client needs, verifiable against the pinned root alone', async () => {
    const root = trustedRootFrom(await get('/v1/feed/keys'), t.rootVerifierKey);
    const timestamp = decodeTimestamp(openSigned(await get('/v1/feed/timestamp'), TIMESTAMP_PAYLOAD_TYPE, root, KEY_PURPOSES.timestamp, t.clock.now));
    const checkpointKey = usableKeys(root, KEY_PURPOSES.checkpoint, t.clock.now)[0]?.verifierKey;
    if (checkpointKey === undefined) throw new Error('the root lists no checkpoint key');
    expect(timestamp.version).toBe(2);

    for (const version of [1, 2]) {
      const bytes = await get(`/v1/feed/deltas/${version}`);
      // Signed as a sealed delta (docs/PROTOCOL.md 13.1); its content opens only with the epoch key.
      openSigned(bytes, SEALED_DELTA_PAYLOAD_TYPE, root, KEY_PURPOSES.feed);
      expect(decodeDelta((await openWithCentreKey(t.centre, bytes)).payload, feedHashLayout, 1 << 20).version).toBe(version);
      const { checkpoint } = verifyCheckpoint(new TextDecoder().decode(await get('/v1/log/checkpoint')), { origin: 'hashfeed/eu-centre', logKey: checkpointKey });
      expect(checkpoint.size).toBe(timestamp.logSize);
      expect(Buffer.from(checkpoint.rootHash)).toEqual(Buffer.from(timestamp.logRoot));
      const proof = JSON.parse(new TextDecoder().decode(await get(`/v1/log/proof/inclusion/delta/${version}/${checkpoint.size}`))) as { leafIndex: number; proof: string[] };
      verifyInclusion({ leafHash: hashLeaf(bytes), leafIndex: proof.leafIndex, treeSize: checkpoint.size, proof: proof.proof.map((p) => Buffer.from(p, 'base64')), rootHash: checkpoint.rootHash });
    }

    const snapshotBytes = await get('/v1/feed/snapshot');
    openSigned(snapshotBytes, SEALED_SNAPSHOT_PAYLOAD_TYPE, root, KEY_PURPOSES.feed);
    const snapshot = decodeSnapshot((await openWithCentreKey(t.centre, snapshotBytes)).payload, feedHashLayout, 1 << 24);
    expect(snapshot.version).toBe(2);
    expect(snapshot.groups.flatMap((g) => [...g.ids])).toHaveLength(2);
  });

  it('holds no published hash, raw or in hex, in any exported byte', () => {
    const files = readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files.length).toBeGreaterThan(5);
    for (const entry of files) {
      const bytes = readFileSync(join(entry.parentPath, entry.name));
      for (const hash of published) {
        expect(bytes.includes(hash), entry.name).toBe(false);
        expect(bytes.includes(Buffer.from(hash.toString('hex'))), entry.name).toBe(false);
        expect(bytes.includes(Buffer.from(hash.toString('base64'))), entry.name).toBe(false);
      }
    }
  });

  it('serves no access list and no key file', async () => {
    expect((await fetch(`${mirror.url}/v1/feed/access`)).status).toBe(404);
    const names = readdirSync(out, { recursive: true }).map(String);
    expect(names.filter((n) => n.includes('access') || n.endsWith('.key'))).toEqual([]);
  });

  it('serves a consistency proof from the checkpoint of the earlier export', async () => {
    const size = t.centre.log.size();
    const proof = JSON.parse(new TextDecoder().decode(await get(`/v1/log/proof/consistency/${firstCheckpointSize}/${size}`))) as { proof: string[] };
    verifyConsistency({
      size1: firstCheckpointSize,
      size2: size,
      root1: t.centre.log.rootHash(firstCheckpointSize),
      root2: t.centre.log.rootHash(size),
      proof: proof.proof.map((p) => Buffer.from(p, 'base64')),
    });
  });

  it('answers 404 for a version that was never published', async () => {
    expect((await fetch(`${mirror.url}/v1/feed/deltas/3`)).status).toBe(404);
  });
});
