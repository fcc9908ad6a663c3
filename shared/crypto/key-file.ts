import { closeSync, constants, fstatSync, fsyncSync, linkSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { CryptoError } from './errors.ts';
import { parseSignerKey, type SigningKey } from './signing-key.ts';

/** A signer key string is well under 1 KiB; anything larger is not a key file. */
const MAX_KEY_FILE_BYTES = 4096;

export interface WritePrivateKeyFileOptions {
  /** Replace an existing file at `path`; default false, so a key is never lost by accident. */
  readonly overwrite?: boolean;
}

/**
 * Writes the signer key string to `path` with mode 0600, atomically: a
 * temporary file in the same directory is written and fsynced, then moved to
 * `path` (a hard link that fails if `path` exists, or with `overwrite` a
 * rename), and the directory is fsynced so that the move survives a crash.
 * A reader sees no file, the old file or the new one, never a partial key.
 */
export function writePrivateKeyFile(path: string, key: SigningKey, options: WritePrivateKeyFileOptions = {}): void {
  writeSecretFile(path, `${key.exportSignerKey()}\n`, options);
}

/**
 * Writes a secret text (a key string and LF) to `path` as a private key file
 * is written (docs/PROTOCOL.md 2.5): mode 0600 from the first byte, fsynced,
 * moved into place atomically, the directory fsynced.
 */
export function writeSecretFile(path: string, text: string, options: WritePrivateKeyFileOptions = {}): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const content = Buffer.from(text, 'utf8');
  let fd: number | undefined;
  try {
    // O_EXCL: never write into a file someone else prepared; 0600 from the first byte.
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    let written = 0;
    while (written < content.byteLength) written += writeSync(fd, content, written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (options.overwrite === true) {
      renameSync(temp, path);
    } else {
      linkSync(temp, path);
      unlinkSync(temp);
    }
    syncDirectory(dirname(path));
  } catch (cause) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // The temporary file was never created or is already moved.
    }
    throw new CryptoError('KEY_FILE_WRITE_FAILED', `cannot write private key file ${path}`, { cause });
  } finally {
    content.fill(0);
  }
}

/**
 * Reads a signer key file. Refuses (KEY_FILE_PERMISSIONS) a file that group
 * or others may read or write, or that is not a regular file: the check is
 * made on the opened descriptor, so the file cannot be swapped between check
 * and read. Symbolic links are not followed.
 */
export function readPrivateKeyFile(path: string): SigningKey {
  return parseKeyText(readSecretFile(path), `private key file ${path}`);
}

/**
 * Reads a secret text file under the rules of a private key file (2.5):
 * KEY_FILE_PERMISSIONS for a file group or others may use or that is not a
 * regular file (checked on the opened descriptor, links not followed),
 * KEY_MALFORMED past 4 KiB. The caller parses the text.
 */
export function readSecretFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (cause) {
    throw new CryptoError('KEY_FILE_UNREADABLE', `cannot open private key file ${path}`, { cause });
  }
  const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new CryptoError('KEY_FILE_PERMISSIONS', `private key file ${path} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) {
      throw new CryptoError(
        'KEY_FILE_PERMISSIONS',
        `private key file ${path} has mode ${(stat.mode & 0o777).toString(8).padStart(4, '0')}; it must not be accessible to group or others (chmod 600)`,
      );
    }
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.byteLength - length, null);
      if (n === 0) break;
      length += n;
      if (length > MAX_KEY_FILE_BYTES) throw new CryptoError('KEY_MALFORMED', `private key file ${path} is larger than ${MAX_KEY_FILE_BYTES} bytes`);
    }
    return buffer.toString('utf8', 0, length);
  } catch (cause) {
    if (cause instanceof CryptoError) throw cause;
    throw new CryptoError('KEY_FILE_UNREADABLE', `cannot read private key file ${path}`, { cause });
  } finally {
    buffer.fill(0);
    closeSync(fd);
  }
}

/** Reads a signer key string from an environment variable (KEY_SOURCE_MISSING when unset or empty). */
export function readPrivateKeyFromEnv(variable: string, env: NodeJS.ProcessEnv = process.env): SigningKey {
  const value = env[variable];
  if (value === undefined || value.trim() === '') {
    throw new CryptoError('KEY_SOURCE_MISSING', `environment variable ${variable} holds no private key`);
  }
  return parseKeyText(value, `environment variable ${variable}`);
}

export interface SigningKeySource {
  /** Environment variable holding the signer key string. */
  readonly envVariable?: string;
  /** Path of a 0600 file holding the signer key string. */
  readonly path?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Loads a signing key from exactly one configured source: the environment
 * variable when it is set, else the file. Both set is an operator mistake
 * (KEY_SOURCE_AMBIGUOUS), neither is KEY_SOURCE_MISSING.
 */
export function loadSigningKey(source: SigningKeySource): SigningKey {
  const env = source.env ?? process.env;
  const fromEnv = source.envVariable !== undefined && (env[source.envVariable] ?? '').trim() !== '';
  if (fromEnv && source.path !== undefined) {
    throw new CryptoError('KEY_SOURCE_AMBIGUOUS', `both ${source.envVariable ?? ''} and a key file are configured; set only one`);
  }
  if (source.envVariable !== undefined && fromEnv) return readPrivateKeyFromEnv(source.envVariable, env);
  if (source.path !== undefined) return readPrivateKeyFile(source.path);
  throw new CryptoError('KEY_SOURCE_MISSING', `no private key configured${source.envVariable !== undefined ? ` (${source.envVariable} is unset)` : ''}`);
}

/** Surrounding whitespace (a trailing newline, a pasted space) is tolerated; the error names the source, never the text. */
function parseKeyText(text: string, source: string): SigningKey {
  try {
    return parseSignerKey(text.trim());
  } catch (cause) {
    const reason = cause instanceof CryptoError ? cause.message : 'unparseable';
    throw new CryptoError('KEY_MALFORMED', `${source}: ${reason}`, { cause });
  }
}

function syncDirectory(directory: string): void {
  const fd = openSync(directory, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
