/**
 * C2SP signed notes, tlog checkpoints and Ed25519 witness cosignatures.
 * Formats: docs/PROTOCOL.md.
 */
export { NoteError } from './errors.ts';
export type { NoteCode } from './errors.ts';
export { parseNote, formatNote, formatSignatureLine, DEFAULT_MAX_NOTE_BYTES, DEFAULT_MAX_NOTE_SIGNATURES } from './note.ts';
export type { Note, NoteSignature, NoteLimits } from './note.ts';
export { createNoteSignature, signNote } from './sign.ts';
export type { NoteSigningOptions } from './sign.ts';
export { verifyNote } from './verify.ts';
export type { VerifiedNote, VerifiedSignature } from './verify.ts';
export { cosignatureMessage } from './cosignature.ts';
export { feedOrigin, formatCheckpoint, parseCheckpoint } from './checkpoint.ts';
export type { Checkpoint } from './checkpoint.ts';
export { signCheckpoint, cosignCheckpoint, verifyCheckpoint } from './signed-checkpoint.ts';
export type { CheckpointTrust, VerifiedCheckpoint } from './signed-checkpoint.ts';
