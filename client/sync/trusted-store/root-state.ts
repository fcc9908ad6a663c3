import { decodeEnvelope, EnvelopeError, parseVerifierKey } from '../../../shared/crypto/index.ts';
import { decodeRootDocument, KEY_PURPOSES, TrustError, verifyAnchor, type RootDocument, type RootPin, type TrustedRoot } from '../../../shared/trust/index.ts';
import type { TrustRecord } from '../../replica/trust-record.ts';
import { instant } from './rules.ts';

/** A pin as configured: one root key (threshold 1), or several and how many must sign. */
export function rootPinOf(keys: readonly string[], threshold: number): RootPin {
  return { keys: keys.map((text) => parseVerifierKey(text)), threshold };
}

/** The pin's canonical text, persisted with the root: when the operator changes the pin, the root is anchored again (PROTOCOL 9.3 step 1). */
export function pinText(pin: RootPin): string {
  return `${pin.threshold} of ${pin.keys.map((k) => k.text).sort().join(' ')}`;
}

/**
 * The root persisted for this pin, checked again against its own root keys
 * (a damaged row then re-anchors from the pin instead of naming keys), or
 * null: none yet (a replica written before migration 5), another pin, or
 * damage. Null is never stuck: the next round anchors from the pin.
 */
export function loadTrustedRoot(record: TrustRecord, pin: RootPin): TrustedRoot | null {
  const persisted = record.root();
  if (persisted === null || persisted.pin !== pinText(pin)) return null;
  try {
    const claimed = decodeRootDocument(decodeEnvelope(persisted.envelope).payload);
    const root = verifyAnchor(persisted.envelope, { keys: claimed.rootKeys, threshold: claimed.rootThreshold });
    return root.document.version === persisted.version ? root : null;
  } catch (cause) {
    if (cause instanceof TrustError || cause instanceof EnvelopeError) return null;
    throw cause;
  }
}

export interface RevocationEffects {
  /** 4.7: a timestamp key was revoked or dropped: the held timestamp no longer guards rollback (TUF 5.3.11). */
  readonly dropTimestamp: boolean;
  /**
   * 4.7: a timestamp or checkpoint key was revoked or dropped: the tree head
   * held may be one its thief showed (a log the Centre never wrote, which
   * only the two keys together can make acceptable), so it no longer stands
   * for the log the next heads must extend.
   */
  readonly dropHead: boolean;
  /** 4.7: why the replica must re-bootstrap (it applied objects a now-revoked feed key signed at or after its revokedAt), or null. */
  readonly snapshotRequired: string | null;
}

/**
 * What a newly trusted root changes for state already held (PROTOCOL 4.7):
 * `signed` holds, per feed key, the latest createdAt of what the replica
 * applied under it since its last snapshot.
 */
export function revocationEffects(before: RootDocument | null, after: RootDocument, signed: ReadonlyMap<string, number>): RevocationEffects {
  const purposeOf = (text: string): string | undefined => after.keys.find((k) => k.verifierKey.text === text)?.purpose;
  const newlyRevoked = after.revoked.filter((r) => before === null || !before.revoked.some((b) => b.verifierKey.equals(r.verifierKey)));
  const withdrawn = (purpose: string): boolean =>
    (before !== null && before.keys.some((k) => k.purpose === purpose && !after.keys.some((a) => a.verifierKey.equals(k.verifierKey)))) ||
    newlyRevoked.some((r) => purposeOf(r.verifierKey.text) === purpose);
  const dropTimestamp = withdrawn(KEY_PURPOSES.timestamp);
  const dropHead = dropTimestamp || withdrawn(KEY_PURPOSES.checkpoint);
  let snapshotRequired: string | null = null;
  for (const revocation of after.revoked) {
    if (purposeOf(revocation.verifierKey.text) !== KEY_PURPOSES.feed) continue;
    const last = signed.get(revocation.verifierKey.text);
    if (last !== undefined && last >= revocation.revokedAt) {
      snapshotRequired = `feed key ${revocation.verifierKey.name}+${revocation.verifierKey.keyIdHex} was revoked at ${instant(revocation.revokedAt)}; the replica applied what it signed at ${instant(last)}`;
    }
  }
  return { dropTimestamp, dropHead, snapshotRequired };
}
