import { describeRootChange, type TrustedRoot } from '../../shared/trust/index.ts';
import type { Centre } from '../centre.ts';
import type { PublishResult } from '../publish/publisher.ts';
import { ONLINE_PURPOSES } from './online-keys.ts';

export interface RootInstallation {
  readonly root: TrustedRoot;
  /** What the new version changes, one line each (audited). */
  readonly change: readonly string[];
  /** The publication made because the latest snapshot's feed key is now revoked for it (docs/PROTOCOL.md 4.7), if one was needed. */
  readonly recovery: PublishResult | null;
}

/**
 * Installs a signed root version in a Centre (`keys root publish`, `keys
 * rotate`, `keys revoke`): RootStore.install verifies it as the next link
 * (ROOT_THRESHOLD_NOT_MET and the other ROOT_* codes), and in the same
 * transaction the keyring must find a usable key with its private half for
 * every purpose, or nothing is installed (KEYRING_NO_SIGNING_KEY): a root
 * never leaves the running Centre unable to sign. Then the timestamp is
 * re-signed at once, naming the new version, so that sidecars fetch it at
 * their next round; and when the new root revokes the feed key that signed
 * the latest snapshot by then, a version is published (empty if nothing is
 * staged) whose snapshot a good key signs, so that lagging and fresh
 * replicas have a way through.
 */
export function installRoot(centre: Centre, envelope: Uint8Array, actor: string, now: number): RootInstallation {
  const { root, change } = centre.write(() => {
    const previous = centre.keyring.root.document;
    const installed = centre.keyring.roots.install(envelope, now);
    for (const purpose of ONLINE_PURPOSES) centre.keyring.signerFor(purpose, now);
    const lines = describeRootChange(previous, installed.document);
    centre.audit.record(now, actor, 'keys.root.install', `root:${installed.document.version}`, { change: lines });
    return { root: installed, change: lines };
  });
  centre.publisher.refreshTimestamp(now);
  const recovery = centre.publisher.latestSnapshotSignedWhileValid() ? null : centre.publisher.publish(actor, now);
  return { root, change, recovery };
}
