import { bytesEqual, type VerifierKey } from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import { quote } from '../../shared/quote.ts';
import { MAX_ROOT_KEYS, rootKeyNameProblem, type DelegatedKey, type RootDocument } from '../../shared/trust/index.ts';
import { createOnlineKeys, ONLINE_PURPOSES } from './online-keys.ts';

/**
 * ROOT_PROPOSAL_UNKNOWN_KEY: --revoke or --remove-root-key names no key the root lists;
 * ROOT_PROPOSAL_AMBIGUOUS_KEY: several listed keys share the key ID given (name the full verifier key);
 * ROOT_PROPOSAL_ALREADY_REVOKED: the key is revoked already (a revocation is never moved);
 * ROOT_PROPOSAL_FUTURE_REVOCATION: revokedAt later than now;
 * ROOT_PROPOSAL_BAD_ROOT_KEY: an added root key already listed, or not named hashfeed/<feed>/root[-i];
 * ROOT_PROPOSAL_BAD_THRESHOLD: a root threshold outside 1..number of root keys, or a root left with 0 or more than 8 root keys;
 * ROOT_PROPOSAL_EMPTY: nothing would change.
 */
export type RootProposalCode =
  | 'ROOT_PROPOSAL_UNKNOWN_KEY'
  | 'ROOT_PROPOSAL_AMBIGUOUS_KEY'
  | 'ROOT_PROPOSAL_ALREADY_REVOKED'
  | 'ROOT_PROPOSAL_FUTURE_REVOCATION'
  | 'ROOT_PROPOSAL_BAD_ROOT_KEY'
  | 'ROOT_PROPOSAL_BAD_THRESHOLD'
  | 'ROOT_PROPOSAL_EMPTY';
export class RootProposalError extends CodedError<RootProposalCode> {}

/** What the next root version changes (docs/OPERATIONS.md, "Keys"). */
export interface RootChange {
  /** Purposes that get a fresh online key. */
  readonly rotate?: readonly string[];
  /** A listed online key to withdraw (key ID or verifier key); its purpose gets a fresh key too. */
  readonly revoke?: { readonly key: string; readonly reason: string; readonly revokedAt: number };
  readonly addRootKeys?: readonly VerifierKey[];
  /** Root keys to drop (key ID or verifier key). */
  readonly removeRootKeys?: readonly string[];
  readonly rootThreshold?: number;
}

/**
 * The successor of `current` with `change` applied. Fresh online keys are
 * generated and their private halves written to <data>/keys now, but the
 * Centre signs with a key only once an installed root lists it. Earlier
 * online keys stay listed with their windows (the deltas and snapshots
 * they signed stay verifiable: docs/PROTOCOL.md 4.6).
 */
export function proposeRoot(current: RootDocument, change: RootChange, dataDir: string, now: number, validityDays: number): RootDocument {
  const revoked = change.revoke === undefined ? [] : [revocation(current, change.revoke, now)];
  const rootKeys = nextRootKeys(current, change);
  const rootThreshold = change.rootThreshold ?? current.rootThreshold;
  if (!Number.isSafeInteger(rootThreshold) || rootThreshold < 1 || rootThreshold > rootKeys.length) {
    throw new RootProposalError('ROOT_PROPOSAL_BAD_THRESHOLD', `the root threshold must be from 1 to ${rootKeys.length} (the number of root keys): give --root-threshold`);
  }
  const purposes = new Set(change.rotate ?? []);
  for (const entry of revoked) {
    const purpose = current.keys.find((k) => k.verifierKey.equals(entry.verifierKey))?.purpose;
    // The Centre must keep a key for every purpose it signs for.
    if (purpose !== undefined && ONLINE_PURPOSES.some((p) => p === purpose)) purposes.add(purpose);
  }
  const rootChanged = rootThreshold !== current.rootThreshold || rootKeys.length !== current.rootKeys.length || rootKeys.some((k, i) => current.rootKeys[i]?.equals(k) !== true);
  if (purposes.size === 0 && revoked.length === 0 && !rootChanged) throw new RootProposalError('ROOT_PROPOSAL_EMPTY', 'the proposal changes nothing');
  const newKeys: DelegatedKey[] = createOnlineKeys(dataDir, current.feed, [...purposes], now, validityDays);
  return {
    ...current,
    version: current.version + 1,
    issuedAt: now,
    rootKeys,
    rootThreshold,
    keys: [...current.keys, ...newKeys],
    revoked: [...current.revoked, ...revoked],
  };
}

function revocation(current: RootDocument, revoke: NonNullable<RootChange['revoke']>, now: number): RootDocument['revoked'][number] {
  if (revoke.revokedAt > now) throw new RootProposalError('ROOT_PROPOSAL_FUTURE_REVOCATION', 'revokedAt is later than now: a revocation takes effect at once or in the past');
  const [key] = find(current.keys.map((k) => k.verifierKey), revoke.key, 'online key');
  if (key === undefined) throw new RangeError('find returned nothing');
  if (current.revoked.some((r) => r.verifierKey.equals(key))) {
    throw new RootProposalError('ROOT_PROPOSAL_ALREADY_REVOKED', `key ${key.name}+${key.keyIdHex} is revoked already`);
  }
  return { verifierKey: key, revokedAt: revoke.revokedAt, reason: revoke.reason };
}

function nextRootKeys(current: RootDocument, change: RootChange): VerifierKey[] {
  const removed = (change.removeRootKeys ?? []).flatMap((selector) => find(current.rootKeys, selector, 'root key'));
  const kept = current.rootKeys.filter((k) => !removed.some((r) => r.equals(k)));
  for (const key of change.addRootKeys ?? []) {
    // By public key: the same key under another name would count twice towards the threshold (docs/PROTOCOL.md 4.1).
    const same = (other: VerifierKey): boolean => bytesEqual(other.publicKey, key.publicKey);
    if (kept.some(same) || current.keys.some((k) => same(k.verifierKey))) {
      throw new RootProposalError('ROOT_PROPOSAL_BAD_ROOT_KEY', `key ${key.name}+${key.keyIdHex} is listed already`);
    }
    // Clients derive the feed name from a root key's name (docs/PROTOCOL.md 4.1).
    const problem = rootKeyNameProblem(key.name, current.feed);
    if (problem !== null) throw new RootProposalError('ROOT_PROPOSAL_BAD_ROOT_KEY', problem);
  }
  const next = [...kept, ...(change.addRootKeys ?? [])];
  if (next.length === 0 || next.length > MAX_ROOT_KEYS) throw new RootProposalError('ROOT_PROPOSAL_BAD_THRESHOLD', `a root has 1 to ${MAX_ROOT_KEYS} root keys, not ${next.length}`);
  return next;
}

/** The listed key `selector` names: its 8-hex-digit key ID or its full verifier key string. */
function find(keys: readonly VerifierKey[], selector: string, what: string): VerifierKey[] {
  const found = keys.filter((k) => k.text === selector || k.keyIdHex === selector);
  if (found.length === 0) throw new RootProposalError('ROOT_PROPOSAL_UNKNOWN_KEY', `the root lists no ${what} ${quote(selector)}`);
  if (found.length > 1) throw new RootProposalError('ROOT_PROPOSAL_AMBIGUOUS_KEY', `several ${what}s have key ID ${quote(selector)}: name the full verifier key`);
  return found;
}
