import {
  decodeBase64,
  decodeEnvelope,
  encodeBase64,
  encodeEnvelope,
  preAuthEncoding,
  signEnvelope,
  type EnvelopeSignature,
  type SigningKey,
  type VerifierKey,
} from '../crypto/index.ts';
import { CodedError } from '../errors.ts';
import { TrustError } from './errors.ts';
import { checkFollows, verifyAnchor } from './root-chain.ts';
import { describeRootChange } from './root-description.ts';
import { decodeRootDocument, MAX_ROOT_KEYS, MAX_ROOT_PAYLOAD_BYTES, ROOT_PAYLOAD_TYPE, type RootDocument } from './root-document.ts';

/**
 * ROOT_DRAFT_MALFORMED: a draft file that is not the JSON of 4.7;
 * ROOT_DRAFT_NOT_A_HOLDER: a key that is a root key of neither the current
 * root nor the proposed one (its signature would count for nothing);
 * ROOT_DRAFT_BAD_SIGNATURE: a signature in the draft that does not verify;
 * ROOT_DRAFT_STALE: a draft proposed against another root than the one the Centre holds now;
 * ROOT_DRAFT_UNANCHORED: a draft whose previous root is not, and does not descend from, the root the holder trusts.
 */
export type RootDraftCode = 'ROOT_DRAFT_MALFORMED' | 'ROOT_DRAFT_NOT_A_HOLDER' | 'ROOT_DRAFT_BAD_SIGNATURE' | 'ROOT_DRAFT_STALE' | 'ROOT_DRAFT_UNANCHORED';
export class RootDraftError extends CodedError<RootDraftCode> {}

export const ROOT_DRAFT_FORMAT = 'hashfeed/root-draft/v1';
/** Two root envelopes in base64, with room for the summary. */
export const MAX_ROOT_DRAFT_BYTES = 4 * (MAX_ROOT_PAYLOAD_BYTES + 32 * 1024);

/**
 * The next root version on its way between the Centre and the root key
 * holders (docs/PROTOCOL.md 4.7): the exact payload bytes to sign, the
 * signatures so far, and the current root's envelope so that a holder can
 * see what changes. `summary` is for people reading the file; tools show
 * the change computed from the payloads instead.
 */
export interface RootDraft {
  readonly payload: Uint8Array;
  readonly previous: Uint8Array;
  readonly signatures: readonly EnvelopeSignature[];
  readonly summary: readonly string[];
}

/** What a draft holds, decoded: the documents, and whose signatures count towards which threshold. */
export interface RootDraftStatus {
  readonly document: RootDocument;
  readonly previous: RootDocument;
  readonly change: readonly string[];
  /** Distinct keys of the current root that signed, and how many must. */
  readonly previousSigners: readonly VerifierKey[];
  readonly previousThreshold: number;
  /** Distinct keys of the proposed root that signed, and how many must. */
  readonly ownSigners: readonly VerifierKey[];
  readonly ownThreshold: number;
  readonly complete: boolean;
}

export function createRootDraft(payload: Uint8Array, previous: Uint8Array): RootDraft {
  const draft: RootDraft = { payload, previous, signatures: [], summary: [] };
  return { ...draft, summary: rootDraftStatus(draft).change };
}

export function encodeRootDraft(draft: RootDraft): string {
  const json = {
    format: ROOT_DRAFT_FORMAT,
    summary: draft.summary,
    payload: encodeBase64(draft.payload),
    previous: encodeBase64(draft.previous),
    signatures: draft.signatures.map((s) => ({ keyId: s.keyId, sig: encodeBase64(s.sig) })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Parses a draft file's text (at most MAX_ROOT_DRAFT_BYTES); the payloads stay undecoded until rootDraftStatus. */
export function parseRootDraft(text: string): RootDraft {
  if (text.length > MAX_ROOT_DRAFT_BYTES) throw malformed(`a draft is at most ${MAX_ROOT_DRAFT_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw malformed('the draft is not JSON', cause);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('the draft is not a JSON object');
  const fields = new Map(Object.entries(value));
  if (fields.get('format') !== ROOT_DRAFT_FORMAT) throw malformed(`the draft's format is not '${ROOT_DRAFT_FORMAT}'`);
  const summary = fields.get('summary');
  const signatures = fields.get('signatures');
  if (!Array.isArray(summary) || !summary.every((line): line is string => typeof line === 'string')) throw malformed('summary must be a list of strings');
  if (!Array.isArray(signatures) || signatures.length > 2 * MAX_ROOT_KEYS) throw malformed(`signatures must be a list of at most ${2 * MAX_ROOT_KEYS}`);
  return {
    payload: base64(fields.get('payload'), 'payload'),
    previous: base64(fields.get('previous'), 'previous'),
    summary,
    signatures: signatures.map((entry: unknown, i): EnvelopeSignature => {
      if (typeof entry !== 'object' || entry === null) throw malformed(`signatures[${i}] must be an object`);
      const keyId = 'keyId' in entry ? entry.keyId : undefined;
      if (typeof keyId !== 'string' || !/^[0-9a-f]{8}$/.test(keyId)) throw malformed(`signatures[${i}].keyId must be 8 hex digits`);
      return { keyId, sig: base64('sig' in entry ? entry.sig : undefined, `signatures[${i}].sig`) };
    }),
  };
}

/**
 * Decodes both documents and checks every signature against the root keys
 * of the current and the proposed root (ROOT_DRAFT_BAD_SIGNATURE for one
 * that does not verify). Says nothing about trust: the Centre's RootStore
 * and every client check the link again (4.3).
 */
export function rootDraftStatus(draft: RootDraft): RootDraftStatus {
  const document = decodeRootDocument(draft.payload);
  const previousEnvelope = decodeEnvelope(draft.previous, MAX_ROOT_DRAFT_BYTES);
  if (previousEnvelope.payloadType !== ROOT_PAYLOAD_TYPE) throw malformed('previous is not a root envelope');
  const previous = decodeRootDocument(previousEnvelope.payload);
  try {
    // The change shown to a holder is computed from `previous`: it must be a root as its own keys signed it, and the
    // proposal its next link. (Whether it is the Centre's current root, the Centre checks at publication.)
    verifyAnchor(draft.previous, { keys: previous.rootKeys, threshold: previous.rootThreshold });
    checkFollows(previous, document);
  } catch (cause) {
    if (cause instanceof TrustError) throw malformed(`previous is not a root the proposal follows: ${cause.message}`, cause);
    throw cause;
  }
  const message = preAuthEncoding(ROOT_PAYLOAD_TYPE, draft.payload);
  const holders = [...previous.rootKeys, ...document.rootKeys];
  const signed: VerifierKey[] = [];
  for (const signature of draft.signatures) {
    const candidates = holders.filter((key) => key.keyIdHex === signature.keyId);
    const signer = candidates.find((key) => key.verify(message, signature.sig));
    if (signer === undefined) throw new RootDraftError('ROOT_DRAFT_BAD_SIGNATURE', `the signature by key ${signature.keyId} does not verify under a root key of version ${previous.version} or ${document.version}`);
    if (!signed.some((key) => key.equals(signer))) signed.push(signer);
  }
  const previousSigners = signed.filter((key) => previous.rootKeys.some((k) => k.equals(key)));
  const ownSigners = signed.filter((key) => document.rootKeys.some((k) => k.equals(key)));
  return {
    document,
    previous,
    change: describeRootChange(previous, document),
    previousSigners,
    previousThreshold: previous.rootThreshold,
    ownSigners,
    ownThreshold: document.rootThreshold,
    complete: previousSigners.length >= previous.rootThreshold && ownSigners.length >= document.rootThreshold,
  };
}

/** Adds `key`'s signature (replacing an earlier one by the same key). ROOT_DRAFT_NOT_A_HOLDER for a key neither root lists. */
export function signRootDraft(draft: RootDraft, key: SigningKey): RootDraft {
  const status = rootDraftStatus(draft);
  const holder = [...status.previous.rootKeys, ...status.document.rootKeys].some((k) => k.equals(key.verifier));
  if (!holder) {
    throw new RootDraftError('ROOT_DRAFT_NOT_A_HOLDER', `key ${key.name}+${key.keyIdHex} is a root key of neither version ${status.previous.version} nor ${status.document.version}`);
  }
  const [signature] = signEnvelope(ROOT_PAYLOAD_TYPE, draft.payload, [key]).signatures;
  if (signature === undefined) throw new RangeError('signEnvelope returned no signature');
  return { ...draft, signatures: [...draft.signatures.filter((s) => s.keyId !== signature.keyId), signature] };
}

/** The root envelope the signatures make, for RootStore.install; it checks the thresholds. */
export function rootDraftEnvelope(draft: RootDraft): Uint8Array {
  return encodeEnvelope({ payloadType: ROOT_PAYLOAD_TYPE, payload: draft.payload, signatures: draft.signatures });
}

function base64(value: unknown, what: string): Uint8Array {
  const bytes = typeof value === 'string' ? decodeBase64(value) : null;
  if (bytes === null) throw malformed(`${what} must be base64`);
  return bytes;
}

function malformed(message: string, cause?: unknown): RootDraftError {
  return new RootDraftError('ROOT_DRAFT_MALFORMED', message, cause === undefined ? {} : { cause });
}
