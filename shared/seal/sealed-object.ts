import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { decodeMsgpack, encodeMsgpack } from '../wire/codec.ts';
import { bytes, exactRecord, str, timestampMs, uint } from '../wire/guards.ts';
import { FEED_NAME_PATTERN } from '../wire/delta.ts';
import { SealError } from './errors.ts';
import { EPOCH_KEY_BYTES, checkEpochKeyCommitment } from './epoch-key.ts';

/**
 * Sealed feed objects (docs/PROTOCOL.md 13.1): a delta or snapshot payload
 * encrypted under its epoch's key, inside a signed envelope whose payload is
 * this header plus the ciphertext. Signatures, log leaves and inclusion
 * proofs cover the sealed envelope's exact bytes, so anyone can check the
 * log's growth without learning a hash; only a holder of the epoch key
 * reads the indicators.
 */
export const SEALED_DELTA_PAYLOAD_TYPE = 'hashfeed/sealed-delta/v1';
export const SEALED_SNAPSHOT_PAYLOAD_TYPE = 'hashfeed/sealed-snapshot/v1';

export type SealedKind = 'delta' | 'snapshot';

export const SEALED_PAYLOAD_TYPES: Readonly<Record<SealedKind, string>> = { delta: SEALED_DELTA_PAYLOAD_TYPE, snapshot: SEALED_SNAPSHOT_PAYLOAD_TYPE };

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Decrypted in slices of this many bytes, yielding to the event loop between them (STYLE 15). */
const OPEN_SLICE_BYTES = 4 * 1024 * 1024;

export interface SealedHeader {
  readonly feed: string;
  readonly version: number;
  /** Deltas only: the version the delta applies to. */
  readonly previous?: number;
  readonly createdAt: number;
  readonly epoch: number;
  /** epochKeyCommitment(feed, epoch, key) (13.2). */
  readonly keyCommitment: Uint8Array;
}

export interface SealedObject extends SealedHeader {
  readonly kind: SealedKind;
  readonly nonce: Uint8Array;
  /** AES-256-GCM ciphertext followed by its 16-byte tag. */
  readonly ciphertext: Uint8Array;
}

/** The bytes that bind a ciphertext to its header (13.1): HKDF info for its key, and its AEAD associated data. */
function sealContext(kind: SealedKind, header: SealedHeader): Buffer {
  return Buffer.from(`hashfeed-sealed-v1\n${SEALED_PAYLOAD_TYPES[kind]}\n${header.feed}\n${header.version}\n${header.epoch}`, 'utf8');
}

function objectKey(epochKey: Uint8Array, context: Buffer): Buffer {
  if (epochKey.byteLength !== EPOCH_KEY_BYTES) throw new SealError('SEAL_KEY_MALFORMED', `an epoch key is ${EPOCH_KEY_BYTES} bytes`);
  return Buffer.from(hkdfSync('sha256', epochKey, new Uint8Array(0), context, 32));
}

/**
 * Encrypts `inner` (the exact `hashfeed/delta/v1` or `hashfeed/snapshot/v1`
 * payload bytes) and returns the sealed payload, ready to be signed as
 * SEALED_PAYLOAD_TYPES[kind]. The caller supplies the header, including the
 * commitment to `epochKey`.
 */
export function sealFeedObject(kind: SealedKind, header: SealedHeader, epochKey: Uint8Array, inner: Uint8Array): Uint8Array {
  checkEpochKeyCommitment(header.feed, header.epoch, epochKey, header.keyCommitment);
  if ((kind === 'delta') !== (header.previous !== undefined)) throw new SealError('SEAL_BROKEN', 'a sealed delta names its previous version; a sealed snapshot does not');
  const context = sealContext(kind, header);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', objectKey(epochKey, context), nonce);
  cipher.setAAD(context);
  const ciphertext = Buffer.concat([cipher.update(inner), cipher.final(), cipher.getAuthTag()]);
  return encodeMsgpack({
    feed: header.feed,
    version: header.version,
    ...(kind === 'delta' ? { previous: header.previous } : {}),
    createdAt: header.createdAt,
    epoch: header.epoch,
    keyCommitment: header.keyCommitment,
    nonce: new Uint8Array(nonce),
    ciphertext: new Uint8Array(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength),
  });
}

/** Decodes a sealed payload (after its envelope verified) with the strict guard; nothing is decrypted yet. */
export function decodeSealedObject(kind: SealedKind, payload: Uint8Array, maxBytes: number): SealedObject {
  const what = `sealed ${kind}`;
  const fields = kind === 'delta' ? ['feed', 'version', 'previous', 'createdAt', 'epoch', 'keyCommitment', 'nonce', 'ciphertext'] : ['feed', 'version', 'createdAt', 'epoch', 'keyCommitment', 'nonce', 'ciphertext'];
  const r = exactRecord(decodeMsgpack(payload, maxBytes), what, fields);
  const ciphertext = bytes(r['ciphertext'], `${what}.ciphertext`);
  if (ciphertext.byteLength < TAG_BYTES) throw new SealError('SEAL_BROKEN', `${what}: the ciphertext is shorter than its tag`);
  const epoch = uint(r['epoch'], `${what}.epoch`, Number.MAX_SAFE_INTEGER);
  if (epoch < 1) throw new SealError('SEAL_BROKEN', `${what}: epochs start at 1`);
  return {
    kind,
    feed: str(r['feed'], `${what}.feed`, 63, FEED_NAME_PATTERN),
    version: uint(r['version'], `${what}.version`, Number.MAX_SAFE_INTEGER),
    ...(kind === 'delta' ? { previous: uint(r['previous'], `${what}.previous`, Number.MAX_SAFE_INTEGER) } : {}),
    createdAt: timestampMs(r['createdAt'], `${what}.createdAt`),
    epoch,
    keyCommitment: bytes(r['keyCommitment'], `${what}.keyCommitment`, 32),
    nonce: bytes(r['nonce'], `${what}.nonce`, NONCE_BYTES),
    ciphertext,
  };
}

/**
 * Decrypts a sealed object with its epoch's key (13.3): the key must match
 * the signed commitment (SEAL_KEY_MISMATCH), and the ciphertext must open
 * under it in this header's context (SEAL_BROKEN). Slices of 4 MiB with a
 * yield between them, so a large snapshot never holds the event loop; the
 * plaintext is returned only once the tag has verified.
 */
export async function openSealedObject(sealed: SealedObject, epochKey: Uint8Array): Promise<Uint8Array> {
  checkEpochKeyCommitment(sealed.feed, sealed.epoch, epochKey, sealed.keyCommitment);
  const context = sealContext(sealed.kind, sealed);
  const decipher = createDecipheriv('aes-256-gcm', objectKey(epochKey, context), sealed.nonce);
  decipher.setAAD(context);
  const bodyLength = sealed.ciphertext.byteLength - TAG_BYTES;
  decipher.setAuthTag(sealed.ciphertext.subarray(bodyLength));
  const plaintext = new Uint8Array(bodyLength);
  let written = 0;
  for (let offset = 0; offset < bodyLength; offset += OPEN_SLICE_BYTES) {
    if (offset > 0) await yieldToEventLoop();
    const chunk = decipher.update(sealed.ciphertext.subarray(offset, Math.min(bodyLength, offset + OPEN_SLICE_BYTES)));
    plaintext.set(chunk, written);
    written += chunk.byteLength;
  }
  try {
    const last = decipher.final();
    plaintext.set(last, written);
  } catch (cause) {
    plaintext.fill(0);
    throw new SealError('SEAL_BROKEN', `sealed ${sealed.kind} ${sealed.version} does not open under the key of epoch ${sealed.epoch}`, { cause });
  }
  return plaintext;
}

/**
 * SEAL_BROKEN unless the decrypted object says what its signed header says:
 * same feed, version, createdAt (and previous, for a delta). The header is
 * what the signature, the log and the key-validity rule (4.6) judged.
 */
export function checkSealedAgrees(sealed: SealedObject, inner: { readonly feed: string; readonly version: number; readonly createdAt: number; readonly previous?: number }): void {
  const agrees = inner.feed === sealed.feed && inner.version === sealed.version && inner.createdAt === sealed.createdAt && (sealed.kind === 'snapshot' || inner.previous === sealed.previous);
  if (!agrees) throw new SealError('SEAL_BROKEN', `sealed ${sealed.kind} ${sealed.version}: the decrypted object disagrees with its signed header`);
}
