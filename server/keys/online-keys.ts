import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKey, loadSigningKey, writePrivateKeyFile, type SigningKey } from '../../shared/crypto/index.ts';
import { feedOrigin } from '../../shared/note/index.ts';
import { KEY_PURPOSES, type DelegatedKey, type KeyPurpose } from '../../shared/trust/index.ts';

/** The purposes the running Centre signs for, one online key each (docs/PROTOCOL.md 4.2). */
export const ONLINE_PURPOSES: readonly KeyPurpose[] = [KEY_PURPOSES.timestamp, KEY_PURPOSES.feed, KEY_PURPOSES.providerList, KEY_PURPOSES.checkpoint, KEY_PURPOSES.forwarding];

const DAY_MS = 86_400_000;
/** New keys are valid from a little before now, so that a client whose clock runs behind accepts them at once. */
const CLOCK_SKEW_MS = 10 * 60_000;

export const keysDir = (dataDir: string): string => join(dataDir, 'keys');

/** Where an online key's private half lives: one file per key, named by purpose and key ID. */
export const onlineKeyPath = (dataDir: string, purpose: string, keyIdHex: string): string => join(keysDir(dataDir), `${purpose}-${keyIdHex}.key`);

/** The environment variable that may hold the private key for `purpose` instead of a file: HASHFEED_FEED_KEY, HASHFEED_PROVIDER_LIST_KEY, ... */
export const onlineKeyEnv = (purpose: string): string => `HASHFEED_${purpose.toUpperCase().replaceAll('-', '_')}_KEY`;

/** Checkpoint keys carry the log origin as their name (C2SP tlog-checkpoint), stable across rotations; the others name their purpose. */
export function onlineKeyName(feed: string, purpose: string): string {
  return purpose === KEY_PURPOSES.checkpoint ? feedOrigin(feed) : `hashfeed/${feed}/${purpose}`;
}

/**
 * Generates a key for each purpose and writes its private half (0600)
 * before anything names it: a crash after leaves an unused file, never a
 * listed key without its private half.
 */
export function createOnlineKeys(dataDir: string, feed: string, purposes: readonly string[], now: number, validityDays: number): DelegatedKey[] {
  mkdirSync(keysDir(dataDir), { recursive: true, mode: 0o700 });
  return purposes.map((purpose) => {
    const key = generateSigningKey(onlineKeyName(feed, purpose));
    writePrivateKeyFile(onlineKeyPath(dataDir, purpose, key.verifier.keyIdHex), key);
    return { verifierKey: key.verifier, purpose, notBefore: now - CLOCK_SKEW_MS, notAfter: now + validityDays * DAY_MS };
  });
}

/** The private half of a listed key, from its environment variable (if it holds this key) or its file; undefined when absent. */
export function loadOnlineKey(dataDir: string, listed: DelegatedKey, env: NodeJS.ProcessEnv): SigningKey | undefined {
  const variable = onlineKeyEnv(listed.purpose);
  if ((env[variable] ?? '').trim() !== '') {
    const key = loadSigningKey({ envVariable: variable, env });
    if (key.verifier.equals(listed.verifierKey)) return key;
  }
  const path = onlineKeyPath(dataDir, listed.purpose, listed.verifierKey.keyIdHex);
  if (!existsSync(path)) return undefined;
  const key = loadSigningKey({ path });
  return key.verifier.equals(listed.verifierKey) ? key : undefined;
}
