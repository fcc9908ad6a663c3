import { generateSigningKey, type SigningKey } from '../../../shared/crypto/index.ts';
import { feedOrigin } from '../../../shared/note/index.ts';
import { KEY_PURPOSES, signRootDocument, type DelegatedKey, type KeyPurpose, type RootDocument } from '../../../shared/trust/index.ts';
import type { Replica } from '../../replica/replica.ts';
import { rootPinOf, TrustedStore } from '../trusted-store/index.ts';

const YEAR = 365 * 86_400_000;

/** Tests: a Centre's root of trust made here: one root key, one online key per purpose valid a year either side of `now`. */
export interface TestRoot {
  readonly feed: string;
  readonly rootKey: SigningKey;
  readonly online: Readonly<Record<KeyPurpose, SigningKey>>;
  readonly document: RootDocument;
  readonly envelope: Uint8Array;
}

export function makeTestRoot(now: number, feed = 'test'): TestRoot {
  const rootKey = generateSigningKey(`hashfeed/${feed}/root`);
  const online: Record<KeyPurpose, SigningKey> = {
    timestamp: generateSigningKey(`hashfeed/${feed}/timestamp`),
    feed: generateSigningKey(`hashfeed/${feed}/feed`),
    'provider-list': generateSigningKey(`hashfeed/${feed}/provider-list`),
    checkpoint: generateSigningKey(feedOrigin(feed)),
    forwarding: generateSigningKey(`hashfeed/${feed}/forwarding`),
  };
  const keys: DelegatedKey[] = Object.values(KEY_PURPOSES).map((purpose) => ({ verifierKey: online[purpose].verifier, purpose, notBefore: now - YEAR, notAfter: now + YEAR }));
  const document: RootDocument = { feed, version: 1, issuedAt: now, rootKeys: [rootKey.verifier], rootThreshold: 1, keys, revoked: [] };
  return { feed, rootKey, online, document, envelope: signRootDocument(document, [rootKey]) };
}

/** Tests: a trusted store over `replica` pinning `root`'s root key, its root already accepted. */
export function storeTrusting(replica: Replica, root: TestRoot, maxClockSkewMs?: number): TrustedStore {
  const store = new TrustedStore({ replica, pin: rootPinOf([root.rootKey.verifier.text], 1), feed: root.feed, ...(maxClockSkewMs === undefined ? {} : { maxClockSkewMs }) });
  store.acceptRoots([root.envelope]);
  return store;
}
