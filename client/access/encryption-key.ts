import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CryptoError, readSecretFile, writeSecretFile } from '../../shared/crypto/index.ts';
import { encryptionPublicKeyOf, formatEncryptionPrivateKey, generateEncryptionKeyPair, parseEncryptionPrivateKey, type EncryptionKeyPair } from '../../shared/seal/index.ts';

/**
 * The sidecar's X25519 encryption key (docs/PROTOCOL.md 13.5): read from
 * `path`, or generated and written there on first run (mode 0600 from the
 * first byte, atomically; the folder is created 0700), as the report key is
 * (client/report/provider-key.ts). If another process creates the file at
 * the same moment, its key is read and used. A file that exists but cannot
 * be used is refused, never replaced: KEY_FILE_PERMISSIONS when group or
 * others may read it, KEY_FILE_UNREADABLE, KEY_MALFORMED (CryptoError), or
 * SealError SEAL_KEY_MALFORMED for a text that is not an encryption key.
 * Replacing it silently would lose access until the new key is registered
 * and its report key approved.
 */
export async function loadOrCreateEncryptionKey(path: string): Promise<EncryptionKeyPair> {
  if (existsSync(path)) return readEncryptionKey(path);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const pair = await generateEncryptionKeyPair();
  try {
    writeSecretFile(path, `${formatEncryptionPrivateKey(pair.privateKey)}\n`);
    return pair;
  } catch (cause) {
    // Lost a race with another process: its file won (writeSecretFile never overwrites).
    if (cause instanceof CryptoError && cause.code === 'KEY_FILE_WRITE_FAILED' && existsSync(path)) return readEncryptionKey(path);
    throw cause;
  }
}

async function readEncryptionKey(path: string): Promise<EncryptionKeyPair> {
  const privateKey = parseEncryptionPrivateKey(readSecretFile(path));
  return { privateKey, publicKey: await encryptionPublicKeyOf(privateKey) };
}
