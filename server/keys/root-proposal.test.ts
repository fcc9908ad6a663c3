import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKey, VerifierKey } from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import type { RootDocument } from '../../shared/trust/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { proposeRoot, type RootChange } from './root-proposal.ts';

const NOW = Date.UTC(2026, 10, 1);
const [r1, r2] = [1, 2].map((i) => generateSigningKey(`hashfeed/test/root-${i}`));
const feedKey = generateSigningKey('hashfeed/test/feed');
const current: RootDocument = {
  feed: 'test',
  version: 4,
  issuedAt: NOW - 1,
  rootKeys: [r1?.verifier ?? feedKey.verifier, r2?.verifier ?? feedKey.verifier],
  rootThreshold: 2,
  keys: [{ verifierKey: feedKey.verifier, purpose: 'feed', notBefore: 0, notAfter: NOW * 2 }],
  revoked: [],
};

const dirs = tempDirs();
let dataDir: string;
beforeEach(() => {
  dataDir = dirs.make('hf-proposal-');
});
afterEach(() => dirs.removeAll());
const code = (change: RootChange): string | undefined => {
  try {
    proposeRoot(current, change, dataDir, NOW, 365);
    return undefined;
  } catch (err) {
    return err instanceof CodedError ? err.code : String(err);
  }
};

describe('proposeRoot', () => {
  it('revokes a key and gives its purpose a fresh one, keeping every earlier key listed', () => {
    const next = proposeRoot(current, { revoke: { key: feedKey.keyIdHex, reason: 'stolen', revokedAt: NOW - 5 } }, dataDir, NOW, 365);
    expect(next).toMatchObject({ version: 5, issuedAt: NOW, rootThreshold: 2, revoked: [{ revokedAt: NOW - 5, reason: 'stolen' }] });
    expect(next.keys.map((k) => k.purpose)).toEqual(['feed', 'feed']);
    expect(readdirSync(join(dataDir, 'keys'))).toEqual([`feed-${next.keys[1]?.verifierKey.keyIdHex ?? ''}.key`]);
  });

  it.each<[string, RootChange, string]>([
    ['nothing', {}, 'ROOT_PROPOSAL_EMPTY'],
    ['a threshold above the root keys', { rootThreshold: 3 }, 'ROOT_PROPOSAL_BAD_THRESHOLD'],
    ['removing a root key under a threshold it then exceeds', { removeRootKeys: [r1?.keyIdHex ?? ''] }, 'ROOT_PROPOSAL_BAD_THRESHOLD'],
    ['removing every root key', { removeRootKeys: [r1?.keyIdHex ?? '', r2?.keyIdHex ?? ''], rootThreshold: 1 }, 'ROOT_PROPOSAL_BAD_THRESHOLD'],
    ['a root key of another feed', { addRootKeys: [generateSigningKey('hashfeed/other/root-3').verifier] }, 'ROOT_PROPOSAL_BAD_ROOT_KEY'],
    ['a root key listed already', { addRootKeys: [r1?.verifier ?? feedKey.verifier] }, 'ROOT_PROPOSAL_BAD_ROOT_KEY'],
    ['an online key as a root key', { addRootKeys: [feedKey.verifier] }, 'ROOT_PROPOSAL_BAD_ROOT_KEY'],
    ['a root key listed already, under another name', { addRootKeys: [new VerifierKey('hashfeed/test/root-3', r1?.verifier.publicKey ?? new Uint8Array())] }, 'ROOT_PROPOSAL_BAD_ROOT_KEY'],
    ['an online key as a root key, under another name', { addRootKeys: [new VerifierKey('hashfeed/test/root-3', feedKey.verifier.publicKey)] }, 'ROOT_PROPOSAL_BAD_ROOT_KEY'],
    ['a revocation in the future', { revoke: { key: feedKey.keyIdHex, reason: 'x', revokedAt: NOW + 1 } }, 'ROOT_PROPOSAL_FUTURE_REVOCATION'],
  ])('refuses %s, writing no key', (_, change, expected) => {
    expect(code(change)).toBe(expected);
    expect(() => readdirSync(join(dataDir, 'keys'))).toThrow();
  });
});
