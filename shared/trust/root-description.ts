import type { VerifierKey } from '../crypto/index.ts';
import { signerProblem } from './delegated-keys.ts';
import type { DelegatedKey, RootDocument } from './root-document.ts';

/** A delegated key as operators read it: ISO times, and whether it is usable at the time asked. */
export interface DescribedKey {
  readonly verifierKey: string;
  readonly keyId: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly status: 'usable' | 'not-yet-valid' | 'expired' | 'revoked';
}

/** A root document as JSON for people (`centre keys list`, `keys sign`, GET /v1/transparency): never parsed back. */
export interface DescribedRoot {
  readonly feed: string;
  readonly version: number;
  readonly issuedAt: string;
  readonly rootKeys: readonly string[];
  readonly rootThreshold: number;
  /** Every listed key, grouped by purpose, oldest first. */
  readonly keys: Readonly<Record<string, readonly DescribedKey[]>>;
  readonly revoked: readonly { readonly verifierKey: string; readonly revokedAt: string; readonly reason: string }[];
}

export function describeRoot(root: RootDocument, now: number): DescribedRoot {
  const keys: Record<string, DescribedKey[]> = {};
  for (const key of root.keys) (keys[key.purpose] ??= []).push(describeKey(root, key, now));
  return {
    feed: root.feed,
    version: root.version,
    issuedAt: iso(root.issuedAt),
    rootKeys: root.rootKeys.map((k) => k.text),
    rootThreshold: root.rootThreshold,
    keys,
    revoked: root.revoked.map((r) => ({ verifierKey: r.verifierKey.text, revokedAt: iso(r.revokedAt), reason: r.reason })),
  };
}

function describeKey(root: RootDocument, key: DelegatedKey, now: number): DescribedKey {
  const problem = signerProblem(root, key, key.purpose, now)?.code;
  const status = problem === 'SIGNER_NOT_YET_VALID' ? 'not-yet-valid' : problem === 'SIGNER_EXPIRED' ? 'expired' : problem === 'SIGNER_REVOKED' ? 'revoked' : 'usable';
  return { verifierKey: key.verifierKey.text, keyId: key.verifierKey.keyIdHex, notBefore: iso(key.notBefore), notAfter: iso(key.notAfter), status };
}

/**
 * What `next` changes against `previous`, one line each, for the holders
 * who sign it: root keys and threshold, keys added, keys revoked. Computed
 * from the documents themselves, never from what a draft file claims.
 */
export function describeRootChange(previous: RootDocument | null, next: RootDocument): string[] {
  if (previous === null) return [`root version ${next.version} of feed '${next.feed}' (no predecessor given)`];
  const lines = [`root version ${previous.version} -> ${next.version} of feed '${next.feed}'`];
  if (next.feed !== previous.feed) lines.push(`FEED CHANGES (was '${previous.feed}')`);
  const has = (set: readonly VerifierKey[], key: VerifierKey): boolean => set.some((k) => k.equals(key));
  for (const key of next.rootKeys) if (!has(previous.rootKeys, key)) lines.push(`adds root key ${key.text}`);
  for (const key of previous.rootKeys) if (!has(next.rootKeys, key)) lines.push(`removes root key ${key.text}`);
  if (next.rootThreshold !== previous.rootThreshold) lines.push(`root threshold ${previous.rootThreshold} -> ${next.rootThreshold} of ${next.rootKeys.length}`);
  for (const key of next.keys) {
    if (!previous.keys.some((k) => k.verifierKey.equals(key.verifierKey))) {
      lines.push(`adds '${key.purpose}' key ${key.verifierKey.text}, valid ${iso(key.notBefore)} to ${iso(key.notAfter)}`);
    }
  }
  for (const key of previous.keys) if (!next.keys.some((k) => k.verifierKey.equals(key.verifierKey))) lines.push(`drops '${key.purpose}' key ${key.verifierKey.text}`);
  for (const entry of next.revoked) {
    if (!previous.revoked.some((r) => r.verifierKey.equals(entry.verifierKey))) {
      const purpose = next.keys.find((k) => k.verifierKey.equals(entry.verifierKey))?.purpose ?? '?';
      lines.push(`REVOKES '${purpose}' key ${entry.verifierKey.text} from ${iso(entry.revokedAt)}: ${entry.reason}`);
    }
  }
  return lines;
}

function iso(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? String(ms) : date.toISOString();
}
