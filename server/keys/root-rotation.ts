import type { SigningKey } from '../../shared/crypto/index.ts';
import { signRootDocument } from '../../shared/trust/index.ts';
import type { Centre } from '../centre.ts';
import { KeyringError } from './keyring.ts';
import { installRoot, type RootInstallation } from './root-installation.ts';
import { proposeRoot, type RootChange } from './root-proposal.ts';

/**
 * `centre keys rotate` and `centre keys revoke` where the root keys are at
 * hand: the proposal of `keys root propose`, signed at once by every given
 * root key of the current root, installed as `keys root publish` does
 * (which checks the threshold: ROOT_THRESHOLD_NOT_MET when too few are
 * here). KEYRING_WRONG_ROOT_KEY, before any key is generated, when none of
 * the keys given is a root key of the current root.
 */
export function changeRootLocally(centre: Centre, dataDir: string, change: RootChange, rootSigners: readonly SigningKey[], actor: string, now: number): RootInstallation {
  const current = centre.keyring.root.document;
  const holders = rootSigners.filter((key) => current.rootKeys.some((k) => k.equals(key.verifier)));
  if (holders.length === 0) {
    throw new KeyringError('KEYRING_WRONG_ROOT_KEY', `none of the ${rootSigners.length} key(s) given is a root key of root ${current.version}: give --root-key FILE`);
  }
  const next = proposeRoot(current, change, dataDir, now, centre.config.signingKeyValidityDays);
  return installRoot(centre, signRootDocument(next, holders), actor, now);
}
