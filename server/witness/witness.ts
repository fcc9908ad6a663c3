import type { SigningKey, VerifierKey } from '../../shared/crypto/index.ts';
import { MerkleError, verifyConsistency } from '../../shared/merkle/index.ts';
import { createNoteSignature, formatSignatureLine, NoteError, parseCheckpoint, parseNote, verifyNote, type Note } from '../../shared/note/index.ts';
import { WitnessError } from './errors.ts';
import { parseAddCheckpoint } from './request.ts';
import type { CosignedHead, WitnessState } from './state.ts';

export interface WitnessOptions {
  /** The witness's cosignature key (type 0x04, PROTOCOL 7). */
  readonly key: SigningKey;
  /** Each log the witness follows: origin to the log's verifier keys (more than one across a key rotation). */
  readonly logs: ReadonlyMap<string, readonly VerifierKey[]>;
  readonly state: WitnessState;
  readonly clock: () => number;
}

/**
 * The witness's one rule (c2sp.org/tlog-witness, "add-checkpoint"): cosign
 * a checkpoint only when it is signed by the log's configured key and
 * provably extends the checkpoint last cosigned for its origin, and record
 * it before answering. Checks, in the spec's order: origin known (404),
 * a log signature verifies (403), old size not above the new size (400),
 * old size equal to the size last cosigned (409 with that size), then at
 * equal sizes the same root (409), else the consistency proof (422).
 */
export class Witness {
  readonly #options: WitnessOptions;

  constructor(options: WitnessOptions) {
    this.#options = options;
  }

  get verifierKey(): VerifierKey {
    return this.#options.key.verifier;
  }

  /** The cosignature line(s) for the request's checkpoint (the 200 body), or a WitnessError. */
  addCheckpoint(body: Uint8Array): string {
    const request = parseAddCheckpoint(body);
    const note = noteOf(request.checkpoint);
    const origin = note.text.slice(0, note.text.indexOf('\n'));
    const keys = this.#options.logs.get(origin);
    if (keys === undefined) throw new WitnessError('WITNESS_UNKNOWN_ORIGIN', 'the checkpoint is for an origin this witness does not follow');
    try {
      verifyNote(note, keys);
    } catch (cause) {
      if (!(cause instanceof NoteError)) throw cause;
      throw new WitnessError('WITNESS_BAD_SIGNATURE', `the checkpoint is not signed by the configured log key (${cause.code})`, { cause });
    }
    let checkpoint;
    try {
      checkpoint = parseCheckpoint(note.text);
    } catch (cause) {
      if (!(cause instanceof NoteError)) throw cause;
      throw new WitnessError('WITNESS_MALFORMED', `the checkpoint body does not parse (${cause.code})`, { cause });
    }
    if (request.oldSize > checkpoint.size) throw new WitnessError('WITNESS_MALFORMED', `old size ${request.oldSize} is above the checkpoint's size ${checkpoint.size}`);
    const now = this.#options.clock();
    const head = { size: checkpoint.size, rootHash: checkpoint.rootHash };
    this.#options.state.advance(origin, (latest) => {
      checkExtends(latest, request.oldSize, request.proof, head);
      return { head, checkpoint: request.checkpoint };
    }, now);
    // Signed only once the new head is committed: a crash before this point leaves nothing cosigned.
    const timestamp = Math.floor(now / 1000);
    return formatSignatureLine(createNoteSignature(note.text, this.#options.key, { timestamp }));
  }
}

function noteOf(checkpoint: string): Note {
  try {
    return parseNote(checkpoint);
  } catch (cause) {
    if (!(cause instanceof NoteError)) throw cause;
    throw new WitnessError('WITNESS_MALFORMED', `the checkpoint is not a signed note (${cause.code})`, { cause });
  }
}

function checkExtends(latest: CosignedHead | undefined, oldSize: number, proof: readonly Uint8Array[], head: CosignedHead): void {
  const cosignedSize = latest?.size ?? 0;
  if (oldSize !== cosignedSize) {
    throw new WitnessError('WITNESS_OLD_SIZE_MISMATCH', `old size ${oldSize} is not the size last cosigned`, { latestSize: cosignedSize });
  }
  // Before the size-0 case: a second root for size 0 is a fork too.
  if (latest !== undefined && head.size === latest.size && !Buffer.from(head.rootHash).equals(latest.rootHash)) {
    throw new WitnessError('WITNESS_CONFLICT', `a different root for size ${head.size} was cosigned: this checkpoint forks the log`);
  }
  if (latest === undefined || oldSize === 0) {
    // The spec: the proof MUST be empty from size zero (every tree extends the empty one).
    if (proof.length !== 0) throw new WitnessError('WITNESS_BAD_PROOF', 'a consistency proof from size 0 must be empty');
    return;
  }
  try {
    verifyConsistency({ size1: latest.size, size2: head.size, root1: latest.rootHash, root2: head.rootHash, proof });
  } catch (cause) {
    if (!(cause instanceof MerkleError)) throw cause;
    throw new WitnessError('WITNESS_BAD_PROOF', `the consistency proof from ${latest.size} does not verify (${cause.code})`, { cause });
  }
}
