import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBase64, encodeBase64, readSecretFile, writeSecretFile } from '../../shared/crypto/index.ts';
import { keysDir } from '../keys/online-keys.ts';
import { AccessError } from './errors.ts';

/**
 * The key-wrapping key (docs/PROTOCOL.md 13.2): 32 random bytes under which
 * the Centre stores every epoch key (AES-256-GCM), so that no epoch key is
 * ever on disk in the clear. Kept like an online signing key: a 0600 file
 * `keys/epoch-wrap-<id>.key` or the variable HASHFEED_EPOCH_WRAP_KEY, never both.
 */
export const EPOCH_WRAP_KEY_ENV = 'HASHFEED_EPOCH_WRAP_KEY';
const PREFIX = 'hashfeed-epoch-wrap-key-v1:';
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const FILE_PATTERN = /^epoch-wrap-([0-9a-f]{8})\.key$/;

export interface EpochWrapKey {
  /** 8 hex digits naming the key (not secret): which key an epoch's stored key is sealed under. */
  readonly id: string;
  readonly key: Uint8Array;
}

export const epochWrapKeyPath = (dataDir: string, id: string): string => join(keysDir(dataDir), `epoch-wrap-${id}.key`);

export function epochWrapKeyId(key: Uint8Array): string {
  return createHash('sha256').update('hashfeed-epoch-wrap-key-id-v1\n', 'utf8').update(key).digest('hex').slice(0, 8);
}

export function formatEpochWrapKey(key: Uint8Array): string {
  return `${PREFIX}${encodeBase64(key)}`;
}

/** The error names the source, never the text. */
export function parseEpochWrapKey(text: string, source: string): EpochWrapKey {
  const trimmed = text.trim();
  const key = trimmed.startsWith(PREFIX) ? decodeBase64(trimmed.slice(PREFIX.length)) : null;
  if (key === null || key.byteLength !== KEY_BYTES) throw new AccessError('EPOCH_WRAP_KEY_MALFORMED', `${source} does not hold a key-wrapping key (${PREFIX} and 32 bytes in base64)`);
  return { id: epochWrapKeyId(key), key };
}

/** Makes a key-wrapping key and writes its file (0600, never over an existing file). */
export function createEpochWrapKey(dataDir: string): EpochWrapKey {
  const key = new Uint8Array(randomBytes(KEY_BYTES));
  const id = epochWrapKeyId(key);
  mkdirSync(keysDir(dataDir), { recursive: true, mode: 0o700 });
  writeSecretFile(epochWrapKeyPath(dataDir, id), `${formatEpochWrapKey(key)}\n`);
  return { id, key };
}

/** The ids of the key files present under keys/, sorted. */
function keyFileIds(dataDir: string): string[] {
  const dir = keysDir(dataDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => FILE_PATTERN.exec(name)?.[1])
    .filter((id): id is string => id !== undefined)
    .sort();
}

/**
 * The key-wrapping key of a data folder: from the variable, else the file
 * named `preferredId` (the one the current epoch was sealed under), else the
 * only file there is. Undefined when none can be found (the caller makes a
 * new one: earlier epoch keys are then unreadable, PROTOCOL 13.2 rule 4).
 */
export function loadEpochWrapKey(dataDir: string, preferredId: string | undefined, env: NodeJS.ProcessEnv): EpochWrapKey | undefined {
  const ids = keyFileIds(dataDir);
  const fromEnv = (env[EPOCH_WRAP_KEY_ENV] ?? '').trim();
  if (fromEnv !== '') {
    if (ids.length > 0) throw new AccessError('EPOCH_WRAP_KEY_AMBIGUOUS', `both ${EPOCH_WRAP_KEY_ENV} and a key file under keys/ are present; keep only one`);
    return parseEpochWrapKey(fromEnv, `environment variable ${EPOCH_WRAP_KEY_ENV}`);
  }
  const id = preferredId !== undefined && ids.includes(preferredId) ? preferredId : ids.length === 1 ? ids[0] : undefined;
  if (id === undefined) return undefined;
  const path = epochWrapKeyPath(dataDir, id);
  const loaded = parseEpochWrapKey(readSecretFile(path), `key file ${path}`);
  if (loaded.id !== id) throw new AccessError('EPOCH_WRAP_KEY_MALFORMED', `key file ${path} holds another key than its name says`);
  return loaded;
}

/** AES-256-GCM under the key-wrapping key, bound to the epoch it stores: nonce || ciphertext || tag. */
export function sealEpochKey(wrapKey: EpochWrapKey, feed: string, epoch: number, epochKey: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', wrapKey.key, nonce);
  cipher.setAAD(storedKeyContext(feed, epoch));
  return new Uint8Array(Buffer.concat([nonce, cipher.update(epochKey), cipher.final(), cipher.getAuthTag()]));
}

/** EPOCH_KEY_UNREADABLE when the stored key does not open (another key-wrapping key, or altered). */
export function openEpochKey(wrapKey: EpochWrapKey, feed: string, epoch: number, sealed: Uint8Array): Uint8Array {
  if (sealed.byteLength !== NONCE_BYTES + KEY_BYTES + TAG_BYTES) throw new AccessError('EPOCH_KEY_UNREADABLE', `the stored key of epoch ${epoch} is malformed`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', wrapKey.key, sealed.subarray(0, NONCE_BYTES));
    decipher.setAAD(storedKeyContext(feed, epoch));
    decipher.setAuthTag(sealed.subarray(NONCE_BYTES + KEY_BYTES));
    return new Uint8Array(Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, NONCE_BYTES + KEY_BYTES)), decipher.final()]));
  } catch (cause) {
    throw new AccessError('EPOCH_KEY_UNREADABLE', `the stored key of epoch ${epoch} does not open under the key-wrapping key held now`, { cause });
  }
}

function storedKeyContext(feed: string, epoch: number): Buffer {
  return Buffer.from(`hashfeed-epoch-key-at-rest-v1\n${feed}\n${epoch}`, 'utf8');
}
