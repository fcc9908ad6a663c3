import { CodedError } from '../errors.ts';

/** Signed notes, checkpoints and witness cosignatures that cannot be relied on. */
export type NoteCode =
  | 'NOTE_MALFORMED'
  | 'NOTE_TOO_LARGE'
  | 'NOTE_BAD_SIGNATURE'
  | 'NOTE_UNVERIFIED'
  | 'CHECKPOINT_MALFORMED'
  | 'CHECKPOINT_WRONG_ORIGIN'
  | 'COSIGNATURE_QUORUM_NOT_MET';

export class NoteError extends CodedError<NoteCode> {}
