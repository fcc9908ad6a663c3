import type { SigningKey } from '../../shared/crypto/index.ts';
import { signRootDocument, type DelegatedKey, type RootDocument, type TrustedRoot } from '../../shared/trust/index.ts';
import type { Db } from '../store/database.ts';
import { createOnlineKeys } from './online-keys.ts';
import { RootStore } from './root-store.ts';

/**
 * The next root version with fresh online keys for `purposes`. Earlier keys
 * stay listed with their windows: the deltas and snapshots they signed must
 * stay verifiable (docs/PROTOCOL.md 4.6); the Centre signs with the newest
 * usable key of each purpose from the moment the new root is installed.
 */
export function successorWithNewKeys(current: RootDocument, newKeys: readonly DelegatedKey[], now: number): RootDocument {
  return { ...current, version: current.version + 1, issuedAt: now, keys: [...current.keys, ...newKeys] };
}

/**
 * `centre keys rotate` where the root keys are at hand: new online keys
 * (private halves written first), the successor root signed by `rootSigners`
 * (a threshold of the current root keys, which stay the root keys), and its
 * installation, which verifies the link like any client would.
 */
export function rotateOnlineKeys(db: Db, dataDir: string, current: TrustedRoot, rootSigners: readonly SigningKey[], purposes: readonly string[], now: number, validityDays: number): TrustedRoot {
  const newKeys = createOnlineKeys(dataDir, current.document.feed, purposes, now, validityDays);
  const envelope = signRootDocument(successorWithNewKeys(current.document, newKeys, now), rootSigners);
  return db.transaction(() => new RootStore(db).install(envelope, now)).immediate();
}
