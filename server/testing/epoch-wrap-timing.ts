/**
 * Child process of `npm run bench:centre -- --providers N` (bench/epoch-wraps.ts):
 * a real Centre data folder with N provider accounts, each with an approved
 * report key and one encryption key, under policy `account`; it begins an
 * epoch as a publication does and times wrapping its key for all of them
 * (WrapService.wrapEpochForAll), and the event loop's longest wait meanwhile.
 * Prints one JSON line. bench/ may not import server/, so it runs this file.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey } from '../../shared/crypto/index.ts';
import { encryptionKeyId } from '../../shared/seal/index.ts';
import { WRAP_CONCURRENCY } from '../access/wrap-service.ts';
import { openCentre } from '../centre.ts';
import { initCentre } from '../init.ts';
import { ProviderKeyStore } from '../store/provider-keys.ts';

function x25519PublicKey(): Uint8Array {
  const { publicKey } = generateKeyPairSync('x25519');
  return new Uint8Array(Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url'));
}

const providers = Number(process.argv[2]);
if (!Number.isInteger(providers) || providers < 1) throw new Error('usage: epoch-wrap-timing <providers>');
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
    process.stdout.write(`${JSON.stringify({ providers, concurrency: WRAP_CONCURRENCY, setupMs, wrapped: round.wrapped, failed: round.failed, wrapMs, maxLagMs })}\n`);
  } finally {
    centre.close();
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
