import { CodedError } from '../errors.ts';

/** Why a Merkle proof was refused or could not be built. */
export type MerkleCode =
  | 'MERKLE_BAD_HASH_LENGTH'
  | 'MERKLE_BAD_SIZE'
  | 'MERKLE_EMPTY_TREE'
  | 'MERKLE_INDEX_OUT_OF_RANGE'
  | 'MERKLE_BAD_PROOF_LENGTH'
  | 'MERKLE_ROOT_MISMATCH';

export class MerkleError extends CodedError<MerkleCode> {}
