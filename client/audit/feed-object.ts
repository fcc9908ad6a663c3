import { feedHashLayout } from '../../shared/wire/hash-layout.ts';
import { decodeEnvelope } from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import { checkSealedAgrees, decodeSealedObject, openSealedObject, SEALED_DELTA_PAYLOAD_TYPE, SEALED_SNAPSHOT_PAYLOAD_TYPE } from '../../shared/seal/index.ts';
import { checkSignedWhileValid, KEY_PURPOSES, verifyArchivedObject, type RootDocument } from '../../shared/trust/index.ts';
import { decodeDelta, DELTA_PAYLOAD_TYPE, type Delta } from '../../shared/wire/delta.ts';
import { decodeSnapshot, SNAPSHOT_PAYLOAD_TYPE, type Snapshot } from '../../shared/wire/snapshot.ts';
import type { ViolationCode } from './violations.ts';


/** Why a feed object could not be read: the violation it is. */
export class FeedObjectProblem extends Error {
  readonly code: ViolationCode;

  constructor(code: ViolationCode, message: string, cause?: unknown) {
    super(cause instanceof CodedError ? `${message} (${cause.code})` : message, { cause });
    this.code = code;
  }
}

/**
 * Opens a delta or snapshot envelope as the sidecar would (PROTOCOL 9.3
 * step 4, 13.6), judged against the newest trusted root: signed by a key
 * listed for `feed` and valid and unrevoked at the object's createdAt; a
 * sealed one opened with its epoch's key (whose commitment it carries).
 */
export function openDelta(envelope: Uint8Array, root: RootDocument, epochKeys: ReadonlyMap<number, Uint8Array>): Promise<{ value: Delta; epoch: number | null }> {
  return openFeedObject('delta', envelope, root, epochKeys, (bytes) => decodeDelta(bytes, feedHashLayout, bytes.byteLength));
}

export function openSnapshot(envelope: Uint8Array, root: RootDocument, epochKeys: ReadonlyMap<number, Uint8Array>): Promise<{ value: Snapshot; epoch: number | null }> {
  return openFeedObject('snapshot', envelope, root, epochKeys, (bytes) => decodeSnapshot(bytes, feedHashLayout, bytes.byteLength));
}

async function openFeedObject<T extends { readonly feed: string; readonly version: number; readonly createdAt: number }>(
  kind: 'delta' | 'snapshot',
  envelope: Uint8Array,
  root: RootDocument,
  epochKeys: ReadonlyMap<number, Uint8Array>,
  decoder: (bytes: Uint8Array) => T,
): Promise<{ value: T; epoch: number | null }> {
  let payloadType: string;
  try {
    payloadType = decodeEnvelope(envelope, envelope.byteLength).payloadType;
  } catch (cause) {
    throw new FeedObjectProblem('AUDIT_DELTA_SIGNATURE', `the ${kind} envelope does not decode`, cause);
  }
  const plainType = kind === 'delta' ? DELTA_PAYLOAD_TYPE : SNAPSHOT_PAYLOAD_TYPE;
  const sealedType = kind === 'delta' ? SEALED_DELTA_PAYLOAD_TYPE : SEALED_SNAPSHOT_PAYLOAD_TYPE;
  const sealed = payloadType === sealedType;
  if (!sealed && payloadType !== plainType) throw new FeedObjectProblem('AUDIT_DELTA_MALFORMED', `the ${kind} envelope has payload type ${payloadType.slice(0, 64)}`);
  let verified;
  try {
    verified = verifyArchivedObject(envelope, payloadType, root, KEY_PURPOSES.feed, envelope.byteLength);
  } catch (cause) {
    throw new FeedObjectProblem('AUDIT_DELTA_SIGNATURE', `the ${kind} is not signed by a key the root lists for 'feed'`, cause);
  }
  const decode = (bytes: Uint8Array): T => {
    try {
      return decoder(bytes);
    } catch (cause) {
      throw new FeedObjectProblem('AUDIT_DELTA_MALFORMED', `the ${kind} does not decode`, cause);
    }
  };
  const signedAt = (createdAt: number): void => {
    try {
      checkSignedWhileValid(root, verified.signers, KEY_PURPOSES.feed, createdAt);
    } catch (cause) {
      throw new FeedObjectProblem('AUDIT_DELTA_SIGNATURE', `the ${kind} was not signed while its key was valid`, cause);
    }
  };
  if (!sealed) {
    const value = decode(verified.payload);
    signedAt(value.createdAt);
    return { value, epoch: null };
  }
  let header;
  try {
    header = decodeSealedObject(kind, verified.payload, verified.payload.byteLength);
  } catch (cause) {
    throw new FeedObjectProblem('AUDIT_DELTA_MALFORMED', `the sealed ${kind} does not decode`, cause);
  }
  signedAt(header.createdAt);
  const key = epochKeys.get(header.epoch);
  if (key === undefined) throw new FeedObjectProblem('AUDIT_EPOCH_KEY', `the Centre gave no key for epoch ${header.epoch}`);
  let inner: Uint8Array;
  try {
    inner = await openSealedObject(header, key);
  } catch (cause) {
    throw new FeedObjectProblem('AUDIT_EPOCH_KEY', `the sealed ${kind} does not open with the key of epoch ${header.epoch}`, cause);
  }
  const value = decode(inner);
  try {
    checkSealedAgrees(header, value);
  } catch (cause) {
    throw new FeedObjectProblem('AUDIT_DELTA_MALFORMED', `the sealed ${kind} does not agree with its signed header`, cause);
  }
  return { value, epoch: header.epoch };
}
