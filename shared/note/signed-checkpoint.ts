import type { SigningKey, VerifierKey } from '../crypto/index.ts';
import { formatCheckpoint, parseCheckpoint, type Checkpoint } from './checkpoint.ts';
import { NoteError } from './errors.ts';
import { formatNote, parseNote, type NoteLimits } from './note.ts';
import { createNoteSignature } from './sign.ts';
import { verifyNote } from './verify.ts';

/** The log's signed checkpoint: a signed note whose text is the checkpoint body. */
export function signCheckpoint(checkpoint: Checkpoint, logKey: SigningKey): string {
  const text = formatCheckpoint(checkpoint);
  return formatNote({ text, signatures: [createNoteSignature(text, logKey)] });
}

/**
 * A witness adds its cosignature line to a signed checkpoint. The witness
 * must already have verified the log's signature and a consistency proof
 * from the last checkpoint it cosigned: this function only signs.
 */
export function cosignCheckpoint(signedCheckpoint: string, witnessKey: SigningKey, timestamp: number): string {
  const note = parseNote(signedCheckpoint);
  parseCheckpoint(note.text);
  return formatNote({ text: note.text, signatures: [...note.signatures, createNoteSignature(note.text, witnessKey, { timestamp })] });
}

export interface CheckpointTrust {
  /** The origin the client expects, e.g. feedOrigin('eu-csam'). */
  readonly origin: string;
  /** The log's key (type 0x01); its signature is always required. */
  readonly logKey: VerifierKey;
  /** Witness keys (type 0x04) the client trusts. */
  readonly witnesses?: readonly VerifierKey[];
  /** How many distinct trusted witnesses must have cosigned; default 0. */
  readonly witnessQuorum?: number;
  readonly limits?: NoteLimits;
}

export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  /**
   * Trusted witnesses whose signatures verified, with the POSIX-second
   * timestamp of cosignature/v1 (type 0x04) keys; a witness configured with
   * a plain Ed25519 key (type 0x01) signs the checkpoint text and has none.
   */
  readonly cosignatures: readonly { readonly witness: VerifierKey; readonly timestamp: number | undefined }[];
}

/**
 * Verifies a signed checkpoint: the note verifies under the log key and the
 * trusted witnesses (NOTE_* codes as verifyNote), the log key is among the
 * signers (NOTE_UNVERIFIED), the body parses (CHECKPOINT_MALFORMED), the
 * origin is the expected one (CHECKPOINT_WRONG_ORIGIN), and at least
 * `witnessQuorum` trusted witnesses cosigned (COSIGNATURE_QUORUM_NOT_MET).
 * Freshness of cosignature timestamps is the caller's policy.
 */
export function verifyCheckpoint(signedCheckpoint: Uint8Array | string, trust: CheckpointTrust): VerifiedCheckpoint {
  const witnesses = trust.witnesses ?? [];
  const quorum = trust.witnessQuorum ?? 0;
  if (!Number.isSafeInteger(quorum) || quorum < 0 || quorum > witnesses.length) {
    throw new RangeError('witnessQuorum must be an integer from 0 to the number of witnesses');
  }
  const note = verifyNote(signedCheckpoint, [trust.logKey, ...witnesses], trust.limits);
  if (!note.verified.some((v) => v.key.equals(trust.logKey))) {
    throw new NoteError('NOTE_UNVERIFIED', `checkpoint is not signed by the log key ${trust.logKey.name}+${trust.logKey.keyIdHex}`);
  }
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== trust.origin) {
    throw new NoteError('CHECKPOINT_WRONG_ORIGIN', `checkpoint is for origin '${checkpoint.origin}', expected '${trust.origin}'`);
  }
  const cosignatures = note.verified.flatMap((v) => (witnesses.some((w) => w.equals(v.key)) ? [{ witness: v.key, timestamp: v.timestamp }] : []));
  if (cosignatures.length < quorum) {
    throw new NoteError('COSIGNATURE_QUORUM_NOT_MET', `${cosignatures.length} trusted witness(es) cosigned, ${quorum} required`);
  }
  return { checkpoint, cosignatures };
}
