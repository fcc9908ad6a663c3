/**
 * RFC 6962 / RFC 9162 Merkle tree over SHA-256: hashing, roots and proofs
 * built from a store of leaf hashes, and proof verification.
 */
export { MerkleError } from './errors.ts';
export type { MerkleCode } from './errors.ts';
export { HASH_BYTES, hashLeaf, hashChildren, emptyRoot } from './hash.ts';
export { MerkleTree, rootFromLeafHashes } from './tree.ts';
export type { LeafHashSource, MerkleTreeOptions } from './tree.ts';
export { verifyInclusion } from './verify-inclusion.ts';
export type { InclusionClaim } from './verify-inclusion.ts';
export { verifyConsistency } from './verify-consistency.ts';
export type { ConsistencyClaim } from './verify-consistency.ts';
export { inclusionProofLength, consistencyProofLength } from './sizes.ts';
