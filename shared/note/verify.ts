import { bytesEqual, SIGNATURE_TYPE_COSIGNATURE_V1, type VerifierKey } from '../crypto/index.ts';
import { cosignatureMessage, decodeTimestampedSignature } from './cosignature.ts';
import { NoteError } from './errors.ts';
import { parseNote, type Note, type NoteLimits } from './note.ts';

export interface VerifiedSignature {
  readonly key: VerifierKey;
  /** POSIX seconds, for cosignatures (type 0x04) only. */
  readonly timestamp?: number;
}

export interface VerifiedNote extends Note {
  /** Known keys whose signatures verified, each once, in line order. */
  readonly verified: readonly VerifiedSignature[];
}

/**
 * Verifies a signed note against known keys (c2sp.org/signed-note,
 * "Signatures"): a line is from a known key only when both its key name and
 * key ID match one; other lines are ignored, even if they share a name or
 * an ID with a known key. Every line from a known key must verify, else the
 * whole note is rejected (NOTE_BAD_SIGNATURE); a note no known key verifies
 * is rejected (NOTE_UNVERIFIED). Parse errors as parseNote.
 */
export function verifyNote(input: Uint8Array | string | Note, knownKeys: readonly VerifierKey[], limits: NoteLimits = {}): VerifiedNote {
  const note = typeof input === 'string' || input instanceof Uint8Array ? parseNote(input, limits) : input;
  const textBytes = Buffer.from(note.text, 'utf8');
  const verified: VerifiedSignature[] = [];
  for (const line of note.signatures) {
    const key = knownKeys.find((k) => k.name === line.name && bytesEqual(k.keyId, line.keyId));
    if (key === undefined) continue;
    const result = verifyLine(key, note.text, textBytes, line.signature);
    if (result === null) throw new NoteError('NOTE_BAD_SIGNATURE', `signature by ${key.name}+${key.keyIdHex} does not verify`);
    if (!verified.some((v) => v.key.equals(key))) verified.push(result);
  }
  if (verified.length === 0) throw new NoteError('NOTE_UNVERIFIED', 'no signature on the note is by a known key');
  return { text: note.text, signatures: note.signatures, verified };
}

function verifyLine(key: VerifierKey, text: string, textBytes: Uint8Array, signature: Uint8Array): VerifiedSignature | null {
  if (key.signatureType === SIGNATURE_TYPE_COSIGNATURE_V1) {
    const parts = decodeTimestampedSignature(signature);
    if (parts === null) return null;
    return key.verify(cosignatureMessage(text, parts.timestamp), parts.signature) ? { key, timestamp: parts.timestamp } : null;
  }
  return key.verify(textBytes, signature) ? { key } : null;
}
