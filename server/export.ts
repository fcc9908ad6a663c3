import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { encodeRootList } from '../shared/wire/delta-chain.ts';
import type { Centre } from './centre.ts';

export interface ExportResult {
  readonly outDir: string;
  readonly latestVersion: number;
  readonly logSize: number;
  readonly files: number;
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/**
 * `hashfeed centre export`: the feed as static files under the API's own
 * paths, so any static HTTP server or CDN can mirror it. Trust comes from
 * the signatures, not the transport. Versioned objects are immutable and
 * written once; current objects (timestamp, checkpoint, keys, latest
 * snapshot, proofs to the current size) are replaced atomically, each by
 * rename, so a mirror never serves a half-written file.
 *
 * Only sealed objects are written (docs/PROTOCOL.md 13.7): deltas from the
 * first sealed version on and the latest snapshot if sealed, so that a
 * mirror holds ciphertext and needs no credentials; plaintext deltas and
 * snapshots an earlier export left are deleted. The access list and every
 * key stay on the Centre.
 */
export function exportFeed(centre: Centre, outDir: string, now: number): ExportResult {
  const { publisher, log } = centre;
  let files = 0;
  const put = (path: string, data: Uint8Array | string, immutable: boolean): void => {
    const target = join(outDir, path);
    if (immutable && existsSync(target)) return;
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.tmp-${process.pid}`;
    writeFileSync(temp, data);
    renameSync(temp, target);
    files++;
  };

  const latest = publisher.latestVersion();
  for (const v of publisher.versions()) {
    if (v.epoch === null) {
      // Published before sealing: never on a mirror (an export from before sealing may have left it there).
      rmSync(join(outDir, `v1/feed/deltas/${v.version}`), { force: true });
      rmSync(join(outDir, `v1/feed/snapshots/${v.version}`), { force: true });
      continue;
    }
    const envelope = publisher.deltaEnvelope(v.version);
    if (envelope !== undefined) put(`v1/feed/deltas/${v.version}`, envelope, true);
  }
  const snapshot = latest > 0 ? publisher.snapshot(latest) : undefined;
  if (snapshot !== undefined && snapshot.epoch !== null) {
    put(`v1/feed/snapshots/${latest}`, snapshot.envelope, true);
    put('v1/feed/snapshot', snapshot.envelope, false);
  } else {
    rmSync(join(outDir, 'v1/feed/snapshot'), { force: true });
  }
  // The timestamp and checkpoint come last among signed objects, so they never name a file not yet written.
  const timestamp = publisher.refreshTimestamp(now);
  // Signed by the current key (refreshTimestamp recorded the checkpoint of this size).
  const checkpoint = log.latestCheckpoint() === undefined ? undefined : centre.signedCheckpoint(now);
  const size = log.size();
  if (checkpoint !== undefined && size > 0) {
    for (const leaf of log.leaves(0, size)) {
      put(
        `v1/log/proof/inclusion/${leaf.kind}/${leaf.version}/${size}`,
        JSON.stringify({ kind: leaf.kind, version: leaf.version, leafIndex: leaf.index, treeSize: size, leafHash: b64(leaf.leafHash), proof: log.inclusionProof(leaf.index, size).map(b64) }),
        true,
      );
    }
    const sizes = centre.db.prepare<[number], { size: number }>('SELECT size FROM checkpoints WHERE size > 0 AND size < ? ORDER BY size').all(size);
    for (const { size: from } of sizes) {
      put(`v1/log/proof/consistency/${from}/${size}`, JSON.stringify({ from, to: size, proof: log.consistencyProof(from, size).map(b64) }), true);
    }
    // With the witnesses' cosignatures of its body, as GET /v1/log/checkpoint serves it.
    put('v1/log/checkpoint', checkpoint.served, false);
  }
  const roots = centre.keyring.roots.envelopes();
  // One file per version as well: once the whole list outgrows what a client reads in one body, it walks these (PROTOCOL 4.3).
  roots.forEach((envelope, i) => put(`v1/feed/root/${i + 1}`, envelope, true));
  put('v1/feed/keys', encodeRootList(roots), false);
  put('v1/feed/timestamp', timestamp, false);
  return { outDir, latestVersion: latest, logSize: size, files };
}
