import { SIGNATURE_TYPE_COSIGNATURE_V1, type SigningKey } from '../crypto/index.ts';
import { cosignatureMessage, encodeTimestampedSignature } from './cosignature.ts';
import { NoteError } from './errors.ts';
import { formatNote, textProblem, type NoteSignature } from './note.ts';

export interface NoteSigningOptions {
  /** POSIX seconds for cosignature keys (type 0x04); required for them, unused otherwise. */
  readonly timestamp?: number;
}

/**
 * One signature over note `text`: plain Ed25519 over the text for type 0x01
 * keys; a timestamped cosignature/v1 for type 0x04 keys (witnesses).
 */
export function createNoteSignature(text: string, signer: SigningKey, options: NoteSigningOptions = {}): NoteSignature {
  const problem = textProblem(text);
  if (problem !== null) throw new NoteError('NOTE_MALFORMED', `note text ${problem}`);
  const keyId = signer.verifier.keyId;
  if (signer.signatureType === SIGNATURE_TYPE_COSIGNATURE_V1) {
    if (options.timestamp === undefined) throw new NoteError('NOTE_MALFORMED', 'a cosignature needs a timestamp');
    const signature = signer.sign(cosignatureMessage(text, options.timestamp));
    return { name: signer.name, keyId, signature: encodeTimestampedSignature(options.timestamp, signature) };
  }
  return { name: signer.name, keyId, signature: signer.sign(Buffer.from(text, 'utf8')) };
}

/** The signed note: `text`, a blank line, one signature line per signer. */
export function signNote(text: string, signers: readonly SigningKey[], options: NoteSigningOptions = {}): string {
  return formatNote({ text, signatures: signers.map((signer) => createNoteSignature(text, signer, options)) });
}
