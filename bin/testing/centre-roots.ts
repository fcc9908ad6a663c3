import type { AccessRing } from '../../client/access/index.ts';
import { join } from 'node:path';
import type { SigningKey } from '../../shared/crypto/index.ts';
import { generateSigningKey, writePrivateKeyFile } from '../../shared/crypto/index.ts';
import { signRootDocument, type RootDocument, type TrustedRoot } from '../../shared/trust/index.ts';
import { localRootKeys } from '../../server/keys/local-root-keys.ts';
import { proposeRoot } from '../../server/keys/root-proposal.ts';
import { RootStore } from '../../server/keys/root-store.ts';
import { openDatabase } from '../../server/store/database.ts';
import type { Db } from '../../server/store/database.ts';
import { keysDir } from '../../server/keys/online-keys.ts';
import type { Replica } from '../../client/replica/replica.ts';
import { rootPinOf, TrustedStore } from '../../client/sync/trusted-store/index.ts';
import { decodeRootList } from '../../shared/wire/delta-chain.ts';

/**
 * Tests: root operations on a Centre's data folder, as `centre keys` would
 * do them with the root keys at hand (keys/root.key from init). A running
 * Centre re-reads its root at its next signature.
 */
export function withCentreDb<T>(dataDir: string, fn: (db: Db) => T): T {
  const db = openDatabase(join(dataDir, 'centre.db'));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The root keys init wrote (keys/root.key, or root-<i>.key). */
export function centreRootKeys(dataDir: string): SigningKey[] {
  return localRootKeys(dataDir, undefined, {});
}

export function currentRoot(dataDir: string): TrustedRoot {
  const root = withCentreDb(dataDir, (db) => new RootStore(db).latest());
  if (root === undefined) throw new Error('the Centre has no root');
  return root;
}

/** `centre keys rotate --purpose ...`: fresh online keys for `purposes` in the next root, signed by the root keys init wrote. */
export function rotateCentreKeys(dataDir: string, purposes: readonly string[], now = Date.now()): TrustedRoot {
  const next = proposeRoot(currentRoot(dataDir).document, { rotate: purposes }, dataDir, now, 365);
  return installRoot(dataDir, signRootDocument(next, centreRootKeys(dataDir)));
}

/** Signs `next(current)` with `signers` (default: the root keys init wrote) and returns the envelope, uninstalled. */
export function signNextRoot(dataDir: string, next: (current: RootDocument) => RootDocument, signers?: readonly SigningKey[]): Uint8Array {
  const current = currentRoot(dataDir).document;
  return signRootDocument(next({ ...current, version: current.version + 1, issuedAt: Date.now() }), signers ?? centreRootKeys(dataDir));
}

/** Installs a signed root (RootStore.install verifies the link as a client would). */
export function installRoot(dataDir: string, envelope: Uint8Array): TrustedRoot {
  return withCentreDb(dataDir, (db) => db.transaction(() => new RootStore(db).install(envelope, Date.now())).immediate());
}

/**
 * New root keys (`count`, named root-<i>), their private halves written to
 * keys/ under the Centre's own names, so that later operations sign with
 * them. Returns them; the caller puts them in a root document.
 */
export function newRootKeys(dataDir: string, feed: string, count: number): SigningKey[] {
  return Array.from({ length: count }, (_, i) => {
    const key = generateSigningKey(`hashfeed/${feed}/root-${i + 1}`);
    writePrivateKeyFile(join(keysDir(dataDir), `new-root-${i + 1}.key`), key);
    return key;
  });
}

/** Tests: a sidecar's trusted store pinning `rootKeys` (threshold `threshold`) for feed eu-centre. */
export function pinnedStore(replica: Replica, rootKeys: string | readonly string[], options: { threshold?: number; feed?: string; maxClockSkewMs?: number; alert?: (code: string, message: string) => void; access?: AccessRing } = {}): TrustedStore {
  const keys = typeof rootKeys === 'string' ? [rootKeys] : rootKeys;
  return new TrustedStore({
    replica,
    pin: rootPinOf(keys, options.threshold ?? 1),
    feed: options.feed ?? 'eu-centre',
    ...(options.maxClockSkewMs === undefined ? {} : { maxClockSkewMs: options.maxClockSkewMs }),
    ...(options.alert === undefined ? {} : { alert: options.alert }),
    ...(options.access === undefined ? {} : { access: options.access }),
  });
}

/** Tests: a trusted store over `replica` that has read and walked the Centre's root chain (GET /v1/feed/keys), as a sidecar's first round does. */
export async function anchoredStore(centre: { readonly url: string; readonly rootKey: string; readonly tokens: { readonly provider: string } }, replica: Replica): Promise<TrustedStore> {
  const store = pinnedStore(replica, centre.rootKey);
  const res = await fetch(`${centre.url}/v1/feed/keys`, { headers: { authorization: `Bearer ${centre.tokens.provider}` } });
  store.acceptRoots(decodeRootList(new Uint8Array(await res.arrayBuffer()), 1 << 22));
  return store;
}
