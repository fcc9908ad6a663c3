/**
 * The root of trust (docs/PROTOCOL.md section 4): root documents with a
 * threshold of root keys, the chain from a pinned root, and the online keys
 * they delegate, one purpose each, with windows and revocations.
 */
export { TrustError } from './errors.ts';
export type { TrustCode } from './errors.ts';
export { KEY_PURPOSES, PURPOSE_PATTERN } from './key-purpose.ts';
export type { KeyPurpose } from './key-purpose.ts';
export {
  ROOT_PAYLOAD_TYPE,
  MAX_ROOT_PAYLOAD_BYTES,
  MAX_ROOT_KEYS,
  encodeRootDocument,
  decodeRootDocument,
  signRootDocument,
  checkRootDocument,
} from './root-document.ts';
export type { RootDocument, DelegatedKey, Revocation } from './root-document.ts';
export { walkRootChain, verifyAnchor, verifySuccessor, checkFollows, DEFAULT_MAX_ROOT_ROTATIONS, MAX_ROOT_ENVELOPE_BYTES } from './root-chain.ts';
export type { RootPin, TrustedRoot } from './root-chain.ts';
export { signerProblem, revocationTime, usableKeys, verifyFreshObject, verifyArchivedObject, checkSignedWhileValid } from './delegated-keys.ts';
export type { DelegatedPayload } from './delegated-keys.ts';
export { describeRoot, describeRootChange } from './root-description.ts';
export type { DescribedRoot, DescribedKey } from './root-description.ts';
export {
  ROOT_DRAFT_FORMAT,
  MAX_ROOT_DRAFT_BYTES,
  RootDraftError,
  createRootDraft,
  encodeRootDraft,
  parseRootDraft,
  rootDraftStatus,
  signRootDraft,
  rootDraftEnvelope,
} from './root-draft.ts';
export type { RootDraft, RootDraftStatus, RootDraftCode } from './root-draft.ts';
export { anchorRootDraft } from './root-draft-anchor.ts';
export { rootKeyNameProblem } from './root-key-name.ts';
export type { RootDraftTrust } from './root-draft-anchor.ts';
export { verifyForwardedReport, verifyForwardedItem, trustCustodyRoots, CustodyError } from './forwarded-report.ts';
export type { CustodyCode, CustodyRoots, ForwardedItem, ForwardedReportInput, VerifiedForwardedReport } from './forwarded-report.ts';
