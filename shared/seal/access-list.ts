import { decodeMsgpack, encodeMsgpack } from '../wire/codec.ts';
import { WireError } from '../wire/errors.ts';
import { array, bytes, exactRecord, str, timestampMs, uint } from '../wire/guards.ts';
import { FEED_NAME_PATTERN } from '../wire/delta.ts';
import { ORDER_ID_PATTERN, PROVIDER_NAME_PATTERN } from '../wire/order.ts';

/**
 * The access list (docs/PROTOCOL.md 13.4): one provider's epoch keys, each
 * wrapped for one of its registered encryption keys, with what entitles it.
 * Signed afresh per request by a `provider-list` key, like the order list.
 */
export const ACCESS_PAYLOAD_TYPE = 'hashfeed/access/v1';
export const MAX_ACCESS_KEYS = 256;
export const MAX_ACCESS_LIST_BYTES = 256 * 1024;

export const ACCESS_POLICIES = ['order', 'account'] as const;
export type AccessPolicy = (typeof ACCESS_POLICIES)[number];

/**
 * Why a provider gets no keys (stable codes, shown in sidecar health):
 * NO_ACTIVE_ORDER (policy `order`, no order in force), ACCOUNT_DISABLED,
 * NO_ENCRYPTION_KEY (entitled, but no encryption key registered),
 * ENCRYPTION_KEY_PENDING (entitled, but the report key that vouched for its
 * encryption key awaits an operator's approval), NO_EPOCH_KEY (entitled, but
 * the Centre has no epoch to give yet: nothing sealed is published, or the
 * current epoch's key is unreadable until the publication that replaces it).
 */
export const ACCESS_DENIAL_REASONS = ['NO_ACTIVE_ORDER', 'ACCOUNT_DISABLED', 'NO_ENCRYPTION_KEY', 'ENCRYPTION_KEY_PENDING', 'NO_EPOCH_KEY'] as const;
export type AccessDenialReason = (typeof ACCESS_DENIAL_REASONS)[number];

/** The basis of an entitlement: the id of the order in force, or `account` under the account policy. */
export const ACCOUNT_BASIS = 'account';

export const RECIPIENT_KEY_ID_PATTERN = /^[0-9a-f]{16}$/;

export interface AccessKey {
  readonly epoch: number;
  /** encryptionKeyId of the public key it is wrapped for. */
  readonly recipient: string;
  /** The epoch key's commitment (13.2), equal to the one its sealed objects carry. */
  readonly keyCommitment: Uint8Array;
  readonly enc: Uint8Array;
  readonly wrapped: Uint8Array;
}

export interface AccessList {
  readonly provider: string;
  readonly feed: string;
  readonly issuedAt: number;
  readonly policy: AccessPolicy;
  readonly entitled: boolean;
  /** Present exactly when `entitled`: an order id, or `account`. */
  readonly basis?: string;
  /** Present exactly when `keys` is empty. */
  readonly reason?: AccessDenialReason;
  /** The epoch the Centre seals new objects under (0 before its first sealed publication). */
  readonly currentEpoch: number;
  readonly keys: readonly AccessKey[];
}

export function encodeAccessList(list: AccessList): Uint8Array {
  return encodeMsgpack({
    provider: list.provider,
    feed: list.feed,
    issuedAt: list.issuedAt,
    policy: list.policy,
    entitled: list.entitled,
    ...(list.basis !== undefined ? { basis: list.basis } : {}),
    ...(list.reason !== undefined ? { reason: list.reason } : {}),
    currentEpoch: list.currentEpoch,
    keys: list.keys.map((k) => ({ epoch: k.epoch, recipient: k.recipient, keyCommitment: k.keyCommitment, enc: k.enc, wrapped: k.wrapped })),
  });
}

export function decodeAccessList(payload: Uint8Array, maxBytes = MAX_ACCESS_LIST_BYTES): AccessList {
  return parseAccessList(decodeMsgpack(payload, maxBytes));
}

export function parseAccessList(value: unknown): AccessList {
  const r = exactRecord(value, 'access list', ['provider', 'feed', 'issuedAt', 'policy', 'entitled', 'currentEpoch', 'keys'], ['basis', 'reason']);
  const policy = r['policy'];
  if (policy !== 'order' && policy !== 'account') throw new WireError('WIRE_BAD_FIELD', "access list.policy must be 'order' or 'account'");
  const entitled = r['entitled'];
  if (typeof entitled !== 'boolean') throw new WireError('WIRE_BAD_FIELD', 'access list.entitled must be a boolean');
  const basis = r['basis'] === undefined ? undefined : r['basis'] === ACCOUNT_BASIS ? ACCOUNT_BASIS : str(r['basis'], 'access list.basis', 128, ORDER_ID_PATTERN);
  const reason = r['reason'] === undefined ? undefined : denialReason(r['reason']);
  const keys = array(r['keys'], 'access list.keys', MAX_ACCESS_KEYS).map((k, i) => parseAccessKey(k, `access list.keys[${i}]`));
  if (entitled !== (basis !== undefined)) throw new WireError('WIRE_BAD_FIELD', 'access list.basis is present exactly when the provider is entitled');
  if ((keys.length === 0) !== (reason !== undefined)) throw new WireError('WIRE_BAD_FIELD', 'access list.reason is present exactly when it holds no keys');
  if (!entitled && reason !== 'NO_ACTIVE_ORDER' && reason !== 'ACCOUNT_DISABLED') throw new WireError('WIRE_BAD_FIELD', 'a provider that is not entitled is refused for NO_ACTIVE_ORDER or ACCOUNT_DISABLED');
  const seen = new Set<string>();
  for (const k of keys) {
    const id = `${k.epoch}/${k.recipient}`;
    if (seen.has(id)) throw new WireError('WIRE_BAD_FIELD', `access list wraps epoch ${k.epoch} twice for ${k.recipient}`);
    seen.add(id);
  }
  return {
    provider: str(r['provider'], 'access list.provider', 64, PROVIDER_NAME_PATTERN),
    feed: str(r['feed'], 'access list.feed', 63, FEED_NAME_PATTERN),
    issuedAt: timestampMs(r['issuedAt'], 'access list.issuedAt'),
    policy,
    entitled,
    ...(basis !== undefined ? { basis } : {}),
    ...(reason !== undefined ? { reason } : {}),
    currentEpoch: uint(r['currentEpoch'], 'access list.currentEpoch', Number.MAX_SAFE_INTEGER),
    keys,
  };
}

function denialReason(value: unknown): AccessDenialReason {
  const found = ACCESS_DENIAL_REASONS.find((reason) => reason === value);
  if (found === undefined) throw new WireError('WIRE_BAD_FIELD', `access list.reason must be one of ${ACCESS_DENIAL_REASONS.join(', ')}`);
  return found;
}

function parseAccessKey(value: unknown, what: string): AccessKey {
  const r = exactRecord(value, what, ['epoch', 'recipient', 'keyCommitment', 'enc', 'wrapped']);
  const epoch = uint(r['epoch'], `${what}.epoch`, Number.MAX_SAFE_INTEGER);
  if (epoch < 1) throw new WireError('WIRE_BAD_FIELD', `${what}.epoch starts at 1`);
  return {
    epoch,
    recipient: str(r['recipient'], `${what}.recipient`, 16, RECIPIENT_KEY_ID_PATTERN),
    keyCommitment: bytes(r['keyCommitment'], `${what}.keyCommitment`, 32),
    enc: bytes(r['enc'], `${what}.enc`, 32),
    wrapped: bytes(r['wrapped'], `${what}.wrapped`, 48),
  };
}
