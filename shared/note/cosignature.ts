import { NoteError } from './errors.ts';

/**
 * Ed25519 witness cosignatures (c2sp.org/tlog-cosignature, signature type
 * 0x04). The signed message is
 * `cosignature/v1\ntime <POSIX seconds>\n` followed by the whole note text;
 * the signature bytes are an 8-byte big-endian timestamp, then the 64-byte
 * Ed25519 signature.
 */
const COSIGNATURE_HEADER = 'cosignature/v1\n';
const ED25519_SIGNATURE_BYTES = 64;

export function cosignatureMessage(text: string, timestamp: number): Uint8Array {
  requireTimestamp(timestamp);
  return Buffer.from(`${COSIGNATURE_HEADER}time ${timestamp}\n${text}`, 'utf8');
}

export function encodeTimestampedSignature(timestamp: number, signature: Uint8Array): Uint8Array {
  requireTimestamp(timestamp);
  const out = new Uint8Array(8 + signature.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(timestamp));
  out.set(signature, 8);
  return out;
}

/** Splits 8-byte timestamp || 64-byte signature; null when the shape is wrong. */
export function decodeTimestampedSignature(bytes: Uint8Array): { timestamp: number; signature: Uint8Array } | null {
  if (bytes.byteLength !== 8 + ED25519_SIGNATURE_BYTES) return null;
  const raw = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  // The spec caps it at 2^63 - 1; hashfeed also needs it to be a safe integer.
  if (raw > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { timestamp: Number(raw), signature: bytes.subarray(8) };
}

function requireTimestamp(timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new NoteError('NOTE_MALFORMED', 'a cosignature timestamp is a non-negative integer number of seconds');
  }
}
