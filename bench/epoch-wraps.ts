/**
 * `npm run bench:centre -- --providers N`: how long the Centre takes to wrap
 * a new epoch's key for N entitled providers (docs/PROTOCOL.md 13.3; target
 * under 10 s for 10,000 on one core), and how long the event loop waits
 * meanwhile: the wraps run WRAP_CONCURRENCY at a time, stored in one small
 * transaction per batch, yielding between batches. In process, on a real
 * Centre data folder: N provider accounts, each with an approved report key
 * and one encryption key, under policy `account`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey } from '../shared/crypto/index.ts';
import { encryptionKeyId } from '../shared/seal/index.ts';
import { WRAP_CONCURRENCY } from '../server/access/wrap-service.ts';
import { openCentre } from '../server/centre.ts';
import { initCentre } from '../server/init.ts';
import { ProviderKeyStore } from '../server/store/provider-keys.ts';
import { printTable, writeResults } from './harness.ts';

function x25519PublicKey(): Uint8Array {
  const { publicKey } = generateKeyPairSync('x25519');
  const jwk = publicKey.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'));
}

export async function benchEpochWraps(providers: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hf-bench-wraps-'));
  try {
    const now = Date.now();
    initCentre(dataDir, now, { accessPolicy: 'account' });
    const centre = openCentre(dataDir, now, {});
    try {
      const reportKeys = new ProviderKeyStore(centre.db);
      let t0 = performance.now();
      centre.write(() => {
        for (let i = 0; i < providers; i++) {
          const { account } = centre.accounts.ensure(`bench-${i}`, 'provider', now);
          const key = generateSigningKey(`bench-${i}-sidecar`);
          reportKeys.register(account.id, key.verifier, now);
          const signer = reportKeys.find(account.id, key.keyIdHex)[0];
          if (signer === undefined) throw new Error('report key not stored');
          reportKeys.approve(signer.id, 'bench', now);
          const publicKey = x25519PublicKey();
          centre.encryptionKeys.register({ keyId: encryptionKeyId(publicKey), accountId: account.id, publicKey, signerId: signer.id, envelope: new Uint8Array(0), now });
        }
      });
      const setupMs = performance.now() - t0;
      // An epoch begun as a publication begins one (no feed object is needed to wrap its key).
      const epoch = centre.db.transaction(() => centre.epochs.begin(0, 'requested', now)).immediate().record.epoch;

      // The event loop's longest wait while wrapping: a 10 ms timer, late by how much.
      let maxLagMs = 0;
      let expected = performance.now() + 10;
      const probe = setInterval(() => {
        maxLagMs = Math.max(maxLagMs, performance.now() - expected);
        expected = performance.now() + 10;
      }, 10);
      t0 = performance.now();
      const round = await centre.wraps.wrapEpochForAll(epoch, now);
      const wrapMs = performance.now() - t0;
      clearInterval(probe);
      const result = {
        providers,
        concurrency: WRAP_CONCURRENCY,
        setup_ms: Math.round(setupMs),
        wrapped: round.wrapped,
        failed: round.failed,
        wrap_all_ms: Math.round(wrapMs),
        wrap_ms_each: Number((wrapMs / Math.max(1, round.wrapped)).toFixed(3)),
        event_loop_max_lag_ms: Math.round(maxLagMs),
      };
      printTable(Object.entries(result).map(([metric, value]) => ({ metric, value })));
      console.log(`target: an epoch key wrapped for ${providers} providers in under 10 s (${(wrapMs / 1000).toFixed(2)} s)`);
      console.log(`results: ${writeResults('centre-epoch-wraps', result)}`);
    } finally {
      centre.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
