/**
 * npm run bench:centre [-- --rows N] [-- --format csv|ndjson]: imports N PDQ
 * indicators into a real Centre process over HTTP, approves and publishes
 * them, then measures what an empty provider pays to download and verify
 * the snapshot on loopback: its access list, the sealed snapshot, and the time opening it takes
 * (docs/PROTOCOL.md 13.6). With --providers N, it measures wrapping an epoch key for N providers instead. While the upload is parsed and imported, it
 * polls /healthz every 50 ms and reports its latency: an import must not
 * freeze the Centre (docs/API.md). The Centre runs as its own process through the CLI, exactly as
 * an operator runs it; the client side uses only shared/ primitives.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseVerifierKey } from '../shared/crypto/index.ts';
import { KEY_PURPOSES, checkSignedWhileValid, usableKeys, verifyArchivedObject, walkRootChain } from '../shared/trust/index.ts';
import { decodeRootList } from '../shared/wire/delta-chain.ts';
import { groupEntries } from '../shared/wire/indicator-group.ts';
import { decodeSnapshot } from '../shared/wire/snapshot.ts';
import { feedHashLayout } from '../shared/wire/hash-layout.ts';
import { encodeEnvelope, generateSigningKey, signEnvelope, verifyEnvelope } from '../shared/crypto/index.ts';
import {
  ACCESS_PAYLOAD_TYPE,
  checkSealedAgrees,
  decodeAccessList,
  decodeSealedObject,
  ENCRYPTION_KEM,
  ENCRYPTION_KEY_PAYLOAD_TYPE,
  encodeEncryptionKeyRegistration,
  generateEncryptionKeyPair,
  openSealedObject,
  SEALED_SNAPSHOT_PAYLOAD_TYPE,
  unwrapEpochKey,
} from '../shared/seal/index.ts';
import { snapshotAccumulator } from '../shared/wire/snapshot-state.ts';
import { createToken, hashfeed, serveCentreProcess } from './centre-process.ts';
import { benchEpochWraps } from './epoch-wraps.ts';
import { printTable, writeResults } from './harness.ts';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '1000000' }, format: { type: 'string', default: 'csv' }, keep: { type: 'boolean', default: false }, providers: { type: 'string' } },
});
const format = values.format === 'ndjson' ? 'ndjson' : 'csv';
const rows = Number(values.rows);


const ms = (t0: number): number => performance.now() - t0;

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hf-bench-centre-'));
  const init = hashfeed('centre', 'init', '--data', dataDir);
  const token = (role: string, name: string): string => createToken(dataDir, role, name);
  const authority = token('authority', 'DE-BKA');
  const operator = token('operator', 'op');
  const provider = token('provider', 'bench-host');

  const { url, server } = await serveCentreProcess(dataDir);
  const call = async (method: string, path: string, bearer: string, body?: string | Uint8Array, type?: string): Promise<Response> => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, ...(type ? { 'content-type': type } : {}) }, body });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  };

  try {
    const lines = format === 'csv' ? ['algorithm,hash,category,reference'] : [];
    for (let i = 0; i < rows; i++) {
      const [hash, category, reference] = [randomBytes(32).toString('hex'), i % 7 === 0 ? 'B2' : 'A1', `case-${i}`];
      lines.push(format === 'csv' ? `pdq,${hash},${category},${reference}` : JSON.stringify({ algorithm: 'pdq', hash, category, reference }));
    }
    // Bytes, not a string: encoding 100 MB inside fetch would stall this process and count as Centre latency.
    const body = Buffer.from(lines.join('\n'));
    lines.length = 0;

    // /healthz every 50 ms while the upload is parsed and imported: how long does another request wait?
    let t0 = performance.now();
    let importing = true;
    const healthMs: number[] = [];
    let slowest = { ms: 0, at: 0 };
    const poller = (async () => {
      while (importing) {
        const t = performance.now();
        await call('GET', '/healthz', provider);
        healthMs.push(ms(t));
        if (ms(t) > slowest.ms) slowest = { ms: ms(t), at: t - t0 };
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const submitted = (await (await call('POST', '/v1/indicators', authority, body, format === 'csv' ? 'text/csv' : 'application/x-ndjson')).json()) as { batchId: number };
    const importMs = ms(t0);
    importing = false;
    await poller;
    healthMs.sort((a, b) => a - b);
    const quantile = (q: number): number => Math.round(healthMs[Math.min(healthMs.length - 1, Math.floor(q * healthMs.length))] ?? 0);
    t0 = performance.now();
    await call('POST', `/v1/batches/${submitted.batchId}/approve`, operator);
    const approveMs = ms(t0);
    t0 = performance.now();
    const published = (await (await call('POST', '/v1/publish', operator)).json()) as { envelopeBytes: number };
    const publishMs = ms(t0);

    // The provider is entitled by an order and registers an encryption key signed by its approved report key (PROTOCOL 13.5).
    const now = Date.now();
    const order = { orderId: 'BENCH-1', issuingAuthority: 'Bench Court', legalReference: 'B-1', provider: 'bench-host', surfaces: ['public-posts'], targets: { users: ['u-1'], groups: [], channels: [] }, notBefore: now - 60_000, notAfter: now + 86_400_000 };
    await call('POST', '/v1/orders', operator, JSON.stringify(order), 'application/json');
    const reportKey = generateSigningKey('bench-host-sidecar');
    await call('POST', '/v1/provider/keys', provider, JSON.stringify({ verifierKey: reportKey.verifier.text }), 'application/json');
    await call('POST', `/v1/provider/keys/${reportKey.keyIdHex}/approve`, operator, JSON.stringify({ provider: 'bench-host' }), 'application/json');
    const encryption = await generateEncryptionKeyPair();
    const registration = encodeEncryptionKeyRegistration({ provider: 'bench-host', kem: ENCRYPTION_KEM, publicKey: encryption.publicKey, createdAt: now });
    await call('POST', '/v1/provider/encryption-keys', provider, encodeEnvelope(signEnvelope(ENCRYPTION_KEY_PAYLOAD_TYPE, registration, [reportKey])), 'application/msgpack');

    // An empty client: the root chain from the pin, its access list, then the snapshot, verified before decrypting and decoding, its digests checked.
    t0 = performance.now();
    const roots = decodeRootList(new Uint8Array(await (await call('GET', '/v1/feed/keys', provider)).arrayBuffer()), 1 << 22);
    const accessBytes = new Uint8Array(await (await call('GET', '/v1/feed/access', provider)).arrayBuffer());
    const bytes = new Uint8Array(await (await call('GET', '/v1/feed/snapshot', provider)).arrayBuffer());
    const downloadMs = ms(t0);
    const { root } = walkRootChain({ keys: [parseVerifierKey(String(init.rootVerifierKey))], threshold: 1 }, null, roots);
    const access = decodeAccessList(verifyEnvelope(accessBytes, ACCESS_PAYLOAD_TYPE, usableKeys(root.document, KEY_PURPOSES.providerList, Date.now()).map((k) => k.verifierKey)));
    const { payload: sealedPayload, signers } = verifyArchivedObject(bytes, SEALED_SNAPSHOT_PAYLOAD_TYPE, root.document, KEY_PURPOSES.feed, 1 << 30);
    const sealed = decodeSealedObject('snapshot', sealedPayload, 1 << 30);
    const wrap = access.keys.find((k) => k.epoch === sealed.epoch);
    if (wrap === undefined) throw new Error(`the access list holds no key of epoch ${sealed.epoch}`);
    const epochKey = await unwrapEpochKey(encryption.privateKey, { feed: sealed.feed, provider: 'bench-host', recipient: wrap.recipient, epoch: wrap.epoch }, wrap);
    const tOpen = performance.now();
    const payload = await openSealedObject(sealed, epochKey);
    const decryptMs = ms(tOpen);
    const snapshot = decodeSnapshot(payload, feedHashLayout, 1 << 30);
    checkSealedAgrees(sealed, snapshot);
    checkSignedWhileValid(root.document, signers, KEY_PURPOSES.feed, snapshot.createdAt);
    // What the replica's prepareSnapshot checks (docs/PROTOCOL.md 8.4): one SHA-256 pass and the carried accumulator's hash.
    const entries = snapshot.groups.flatMap((g) => [...groupEntries(g, snapshot.categories)]).sort((a, b) => a.id - b.id);
    if ((await snapshotAccumulator(snapshot, entries)) === undefined) throw new Error('snapshot digest mismatch');
    const clientMs = ms(t0);

    const dbBytes = ['centre.db', 'centre.db-wal'].map((f) => join(dataDir, f)).filter(existsSync).reduce((n, f) => n + statSync(f).size, 0);
    const result = {
      rows,
      format,
      body_bytes: body.byteLength,
      import_ms: Math.round(importMs),
      import_rows_per_s: Math.round(rows / (importMs / 1000)),
      import_mb_per_s: Number((body.byteLength / 1e6 / (importMs / 1000)).toFixed(1)),
      healthz_during_import_n: healthMs.length,
      healthz_during_import_p50_ms: quantile(0.5),
      healthz_during_import_p99_ms: quantile(0.99),
      healthz_during_import_max_ms: Math.round(slowest.ms),
      healthz_slowest_at_ms: Math.round(slowest.at),
      load_average_1m: Number(loadavg()[0]?.toFixed(1)),
      approve_ms: Math.round(approveMs),
      // The snapshot is signed and logged at publication, so this includes it.
      publish_ms: Math.round(publishMs),
      db_bytes: dbBytes,
      db_bytes_per_indicator: dbBytes / rows,
      delta_bytes_per_indicator: published.envelopeBytes / rows,
      snapshot_bytes_per_indicator: bytes.byteLength / rows,
      client_download_ms: Math.round(downloadMs),
      client_download_verify_ms: Math.round(clientMs),
      // Opening the sealed snapshot (docs/PROTOCOL.md 13.6), included in client_download_verify_ms.
      client_decrypt_ms: Math.round(decryptMs),
      client_decrypt_share: Number((decryptMs / clientMs).toFixed(3)),
    };
    printTable(Object.entries(result).map(([metric, value]) => ({ metric, value })));
    console.log(
      `targets: delta <= 48 B/indicator (${result.delta_bytes_per_indicator.toFixed(1)}), empty client download+verify <= 10 s (${(clientMs / 1000).toFixed(2)} s), decryption <= 10% of it (${(100 * (decryptMs / (clientMs - decryptMs))).toFixed(1)}% added)`,
    );
    console.log(`results: ${writeResults('centre', result)}`);
  } finally {
    server.kill('SIGTERM');
    if (values.keep !== true) rmSync(dataDir, { recursive: true, force: true });
  }
}

// --providers N: the epoch key wrapping benchmark alone (bench/epoch-wraps.ts).
if (values.providers !== undefined) benchEpochWraps(Number(values.providers));
else await main();
