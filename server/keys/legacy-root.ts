import { existsSync } from 'node:fs';
import { CertificateError, decodeEnvelope, loadSigningKey, verifyCertificateSignature } from '../../shared/crypto/index.ts';
import { KEY_PURPOSES, signRootDocument, type DelegatedKey, type TrustedRoot } from '../../shared/trust/index.ts';
import type { Db } from '../store/database.ts';
import { KeyringError, ROOT_KEY_ENV, rootKeyPath } from './keyring.ts';
import { createOnlineKeys, ONLINE_PURPOSES } from './online-keys.ts';
import type { RootStore } from './root-store.ts';

/** The one purpose of protocol v1's certificates: every object was signed by a 'feed-signing' key. */
const LEGACY_PURPOSE = 'feed-signing';

/**
 * Moves a data folder from key certificates (protocol v1) to root documents
 * (docs/PROTOCOL.md 4.8): root version 1 has the old root key as its single
 * root key (threshold 1), so every replica that pinned it walks on without
 * a change; it lists each old signing key for `feed` only, with its old
 * window cut at the migration (the deltas and snapshots it signed stay
 * verifiable; nothing it signs later is), and a fresh
 * key for each purpose. Needs the old root's private key once (file
 * <data>/keys/root.key or HASHFEED_ROOT_KEY); without it the Centre stops
 * with KEYRING_ROOT_REQUIRED rather than serve a feed no client could
 * verify. Call inside a write transaction.
 */
export function migrateLegacyRoot(db: Db, roots: RootStore, dataDir: string, feed: string, now: number, validityDays: number, env: NodeJS.ProcessEnv): TrustedRoot {
  const recorded = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'root_verifier_key'").get()?.value ?? '';
  const fromEnv = (env[ROOT_KEY_ENV] ?? '').trim() !== '';
  const path = rootKeyPath(dataDir);
  if (!fromEnv && !existsSync(path)) {
    throw new KeyringError(
      'KEYRING_ROOT_REQUIRED',
      `this data folder predates root documents and its root key is not at ${path}: run the Centre once with the root key in ${ROOT_KEY_ENV} (or the file in place) to migrate it (docs/OPERATIONS.md, "Keys")`,
    );
  }
  const root = loadSigningKey(fromEnv ? { envVariable: ROOT_KEY_ENV, env } : { path });
  if (root.verifier.text !== recorded) throw new KeyringError('KEYRING_WRONG_ROOT_KEY', "the root key given is not this Centre's root");

  // The old signing keys signed everything until now, and nothing from now on: their 'feed' window ends here (or just
  // after the last object they signed, should this clock be behind the one that signed it), so that a copy of an old
  // key file on the host signs nothing clients accept, although its certificate ran for a year.
  const lastSigned = db.prepare<[], { t: number | null }>('SELECT max(t) AS t FROM (SELECT max(created_at) AS t FROM versions UNION ALL SELECT max(created_at) FROM snapshots)').get()?.t ?? 0;
  const retiredAt = Math.max(now, lastSigned + 1);
  const legacy: DelegatedKey[] = [];
  for (const row of db.prepare<[], { certificate: Buffer }>('SELECT certificate FROM signing_keys ORDER BY id').all()) {
    try {
      const certificate = verifyCertificateSignature(decodeEnvelope(new Uint8Array(row.certificate)), root.verifier);
      if (certificate.purpose !== LEGACY_PURPOSE) continue;
      const notAfter = Math.max(certificate.notBefore + 1, Math.min(certificate.notAfter, retiredAt));
      legacy.push({ verifierKey: certificate.verifierKey, purpose: KEY_PURPOSES.feed, notBefore: certificate.notBefore, notAfter });
    } catch (cause) {
      if (!(cause instanceof CertificateError)) throw cause;
    }
  }
  const envelope = signRootDocument(
    {
      feed,
      version: 1,
      issuedAt: now,
      rootKeys: [root.verifier],
      rootThreshold: 1,
      keys: [...legacy, ...createOnlineKeys(dataDir, feed, ONLINE_PURPOSES, now, validityDays)],
      revoked: [],
    },
    [root],
  );
  return roots.install(envelope, now);
}
