import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateSigningKey,
  parseVerifierKey,
  readPrivateKeyFile,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
  writePrivateKeyFile,
  type SigningKey,
  type VerifierKey,
} from '../../shared/crypto/index.ts';
import { WitnessError } from './errors.ts';
import { WitnessState } from './state.ts';

/** A witness's data folder: its cosignature key (0600) and its state database. */
export const witnessKeyPath = (dataDir: string): string => join(dataDir, 'witness.key');
export const witnessDatabasePath = (dataDir: string): string => join(dataDir, 'witness.db');

/**
 * `hashfeed witness init`: a fresh cosignature key (signature type 0x04,
 * PROTOCOL 7) named `name`, written as a private key file (mode 0600,
 * PROTOCOL 2.5). Never replaces a key: a witness with a new key is a new
 * witness. Returns the verifier key string logs and clients configure.
 */
export function initWitness(dataDir: string, name: string): VerifierKey {
  if (existsSync(witnessKeyPath(dataDir))) throw new WitnessError('WITNESS_CONFIG_INVALID', `${witnessKeyPath(dataDir)} exists: this folder already holds a witness`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // The state first: serve refuses a key without it (requireWitnessState), and a crash here leaves no key.
  new WitnessState(witnessDatabasePath(dataDir)).close();
  const key = generateSigningKey(name, { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 });
  writePrivateKeyFile(witnessKeyPath(dataDir), key);
  return key.verifier;
}

/** The witness key of an initialised folder (KEY_FILE_PERMISSIONS for a key others can read). */
export function loadWitnessKey(dataDir: string): SigningKey {
  if (!existsSync(witnessKeyPath(dataDir))) throw new WitnessError('WITNESS_CONFIG_INVALID', `no witness key in ${dataDir}: run hashfeed witness init first`);
  const key = readPrivateKeyFile(witnessKeyPath(dataDir));
  if (key.signatureType !== SIGNATURE_TYPE_COSIGNATURE_V1) throw new WitnessError('WITNESS_CONFIG_INVALID', 'the witness key is not a cosignature/v1 key (type 0x04)');
  return key;
}

/** `ORIGIN=VKEY` values of --log, grouped by origin (a log rotating its key is listed with both). */
export function parseLogs(values: readonly string[]): Map<string, VerifierKey[]> {
  const logs = new Map<string, VerifierKey[]>();
  for (const value of values) {
    const split = value.indexOf('=');
    if (split <= 0) throw new WitnessError('WITNESS_CONFIG_INVALID', '--log takes ORIGIN=VKEY');
    const origin = value.slice(0, split);
    let key: VerifierKey;
    try {
      key = parseVerifierKey(value.slice(split + 1), { signatureTypes: [SIGNATURE_TYPE_ED25519] });
    } catch (cause) {
      throw new WitnessError('WITNESS_CONFIG_INVALID', `--log ${origin.slice(0, 80)}: the log key is not an Ed25519 verifier key`, { cause });
    }
    logs.set(origin, [...(logs.get(origin) ?? []), key]);
  }
  return logs;
}

/**
 * The state database `witness init` created must still be there: a witness
 * whose state is lost would answer `old 0` and cosign any fork under a key
 * that already vouched for another history. Such a witness is retired (a
 * new `init`, a new key), not restarted.
 */
export function requireWitnessState(dataDir: string): void {
  if (!existsSync(witnessDatabasePath(dataDir))) {
    throw new WitnessError('WITNESS_CONFIG_INVALID', `${witnessDatabasePath(dataDir)} is missing: this witness forgot what it cosigned; retire its key and init a new witness`);
  }
}
