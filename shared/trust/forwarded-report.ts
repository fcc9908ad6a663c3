import { createHash } from 'node:crypto';
import { bytesEqual, CryptoError, EnvelopeError, parseVerifierKey, verifyEnvelopeSigners } from '../crypto/index.ts';
import { CodedError } from '../errors.ts';
import { decodeForwardingRecord, FORWARDING_RECORD_PAYLOAD_TYPE, MAX_FORWARDING_RECORD_BYTES, type ForwardingRecord } from '../wire/forwarding-record.ts';
import { MAX_ROOT_LIST_LENGTH } from '../wire/delta-chain.ts';
import { WireError } from '../wire/errors.ts';
import { decodeReport, MAX_REPORT_BYTES, MAX_REPORT_CLOCK_SKEW_MS, REPORT_PAYLOAD_TYPE, type Report } from '../wire/report.ts';
import { checkSignedWhileValid, revocationTime, signerProblem, verifyArchivedObject } from './delegated-keys.ts';
import { TrustError } from './errors.ts';
import { KEY_PURPOSES } from './key-purpose.ts';
import { walkRootChain, type RootPin, type TrustedRoot } from './root-chain.ts';

/**
 * Why a forwarded report does not verify (docs/PROTOCOL.md 11.5; exit 1 of
 * `hashfeed verify-report`). Codes are public and never renamed.
 *
 * CUSTODY_ROOT_UNTRUSTED: the root list does not chain from the pinned root key(s);
 * CUSTODY_RECORD_MALFORMED / CUSTODY_REPORT_MALFORMED: an envelope or its payload breaks the format;
 * CUSTODY_RECORD_UNTRUSTED: the record is not signed by a key some root of the chain lists for
 *   `forwarding`, valid and unrevoked at the record's decidedAt;
 * CUSTODY_REPORT_HASH_MISMATCH: the report is not the exact envelope the record names (SHA-256);
 * CUSTODY_REPORT_UNTRUSTED: the report is not signed by the provider key the record names;
 * CUSTODY_BINDING_MISMATCH: report id, provider or decision differ between the record, the report and the item,
 *   or the record is dated before the report was detected (beyond the largest clock skew the Centre allows);
 * CUSTODY_REPORT_PURGED: the record verified, but retention purged the report envelope: nothing to check it against.
 */
export type CustodyCode =
  | 'CUSTODY_ROOT_UNTRUSTED'
  | 'CUSTODY_RECORD_MALFORMED'
  | 'CUSTODY_RECORD_UNTRUSTED'
  | 'CUSTODY_REPORT_MALFORMED'
  | 'CUSTODY_REPORT_HASH_MISMATCH'
  | 'CUSTODY_REPORT_UNTRUSTED'
  | 'CUSTODY_BINDING_MISMATCH'
  | 'CUSTODY_REPORT_PURGED';
export class CustodyError extends CodedError<CustodyCode> {}

/** One inbox item: what is checked under a trusted root chain. */
export interface ForwardedItem {
  /** The provider's report envelope, exactly as the inbox served it; null once retention purged it. */
  readonly reportEnvelope: Uint8Array | null;
  /** The Centre's forwarding record envelope. */
  readonly recordEnvelope: Uint8Array;
  /** What the inbox item says beside the envelopes, checked against them when given. */
  readonly claimed?: { readonly reportId?: string; readonly decision?: string };
}

export interface ForwardedReportInput extends ForwardedItem {
  readonly pin: RootPin;
  /** The Centre's root documents from version 1 (a saved `GET /v1/feed/keys` body, decoded). */
  readonly roots: readonly Uint8Array[];
}

/** A root list walked from the pin (PROTOCOL 11.5 step 1): made by trustCustodyRoots only, then reused for every item under it. */
export interface CustodyRoots {
  readonly chain: readonly TrustedRoot[];
}

export interface VerifiedForwardedReport {
  readonly record: ForwardingRecord;
  readonly report: Report;
  /** The root version that lists the forwarding key that signed. */
  readonly rootVersion: number;
  readonly forwardingKey: string;
}

/**
 * The recipient's chain of custody, checked offline (PROTOCOL 11.5):
 * 1. the root list chains from the pin; 2. the record is signed by a
 * `forwarding` key of a root of that chain, valid at its decidedAt and not
 * revoked by then in the newest root; 3. the report envelope's SHA-256 is
 * the record's reportSha256; 4. the report is signed by the record's
 * providerKey; 5. report id and provider agree between record, report and
 * the item's own fields, and the record is not dated before the report.
 */
export function verifyForwardedReport(input: ForwardedReportInput): VerifiedForwardedReport {
  return verifyForwardedItem(trustCustodyRoots(input.pin, input.roots), input);
}

/** Step 1, once for any number of items: the root list chains from the pin (CUSTODY_ROOT_UNTRUSTED otherwise). */
export function trustCustodyRoots(pin: RootPin, roots: readonly Uint8Array[]): CustodyRoots {
  try {
    return { chain: walkRootChain(pin, null, roots, MAX_ROOT_LIST_LENGTH).walked };
  } catch (cause) {
    throw new CustodyError('CUSTODY_ROOT_UNTRUSTED', `the root list does not chain from the pinned root key(s): ${cause instanceof Error ? cause.message : 'unknown'}`, { cause });
  }
}

/** Steps 2 to 5 of verifyForwardedReport, for one item under a chain trustCustodyRoots walked. */
export function verifyForwardedItem(trusted: CustodyRoots, input: ForwardedItem): VerifiedForwardedReport {
  const chain = trusted.chain;
  const { record, root, forwardingKey } = verifyRecord(input.recordEnvelope, chain);
  if ((input.claimed?.reportId ?? record.reportId) !== record.reportId || (input.claimed?.decision ?? record.decision) !== record.decision) {
    throw new CustodyError('CUSTODY_BINDING_MISMATCH', "the inbox item's reportId or decision differs from its signed record");
  }
  // The record alone still verified (steps 1 and 2, and the item's own fields): only the report is missing.
  if (input.reportEnvelope === null) throw new CustodyError('CUSTODY_REPORT_PURGED', 'the record verified, but retention purged the report envelope it names');

  if (!bytesEqual(new Uint8Array(createHash('sha256').update(input.reportEnvelope).digest()), record.reportSha256)) {
    throw new CustodyError('CUSTODY_REPORT_HASH_MISMATCH', 'the report envelope is not the one the forwarding record names (SHA-256 differs)');
  }
  let payload: Uint8Array;
  try {
    payload = verifyEnvelopeSigners(input.reportEnvelope, REPORT_PAYLOAD_TYPE, [parseVerifierKey(record.providerKey)], { maxBytes: MAX_REPORT_BYTES + 4096 }).payload;
  } catch (cause) {
    if (cause instanceof EnvelopeError && cause.code === 'ENVELOPE_MALFORMED') throw new CustodyError('CUSTODY_REPORT_MALFORMED', `report: ${cause.message}`, { cause });
    if (cause instanceof EnvelopeError || cause instanceof CryptoError) throw new CustodyError('CUSTODY_REPORT_UNTRUSTED', `report: ${cause.message}`, { cause });
    throw cause;
  }
  let report: Report;
  try {
    report = decodeReport(payload);
  } catch (cause) {
    if (cause instanceof WireError) throw new CustodyError('CUSTODY_REPORT_MALFORMED', `report: ${cause.message}`, { cause });
    throw cause;
  }
  if (report.reportId !== record.reportId || report.provider !== record.provider) {
    throw new CustodyError('CUSTODY_BINDING_MISMATCH', 'the report and the forwarding record name different reports or providers');
  }
  // decidedAt is the signer's claim (records are not logged): a forwarding key stolen, then revoked, could still date
  // a record before its revocation. No genuine decision precedes the report's detection by more than the Centre lets
  // a sidecar clock run ahead, so a report made after the theft cannot be given a forged decision.
  if (record.decidedAt < report.detectedAt - MAX_REPORT_CLOCK_SKEW_MS) {
    throw new CustodyError('CUSTODY_BINDING_MISMATCH', 'the forwarding record is dated before the report it names was detected');
  }
  return { record, report, rootVersion: root.document.version, forwardingKey };
}

function verifyRecord(envelope: Uint8Array, chain: readonly TrustedRoot[]): { record: ForwardingRecord; root: TrustedRoot; forwardingKey: string } {
  const newest = chain.at(-1);
  if (newest === undefined) throw new CustodyError('CUSTODY_ROOT_UNTRUSTED', 'the root list is empty');
  let problem: unknown;
  // Newest root first: a forwarding key rotated out since the decision is still found in the root that listed it.
  for (const root of [...chain].reverse()) {
    try {
      const { payload, signers } = verifyArchivedObject(envelope, FORWARDING_RECORD_PAYLOAD_TYPE, root.document, KEY_PURPOSES.forwarding, MAX_FORWARDING_RECORD_BYTES + 4096);
      const record = decodeForwardingRecord(payload);
      checkSignedWhileValid(root.document, signers, KEY_PURPOSES.forwarding, record.decidedAt);
      // One signer must pass both checks: valid at decidedAt in this root, and not revoked by then in the newest (a
      // revocation is never dropped by a later root, 4.3 step 5). A revoked key beside an expired one is no signer.
      const signer = signers.find((s) => {
        const revokedAt = revocationTime(newest.document, s.verifierKey);
        return signerProblem(root.document, s, KEY_PURPOSES.forwarding, record.decidedAt) === null && (revokedAt === undefined || revokedAt > record.decidedAt);
      });
      if (signer === undefined) throw new TrustError('SIGNER_REVOKED', `no key that signed the record was valid at its decidedAt and unrevoked by then in root ${newest.document.version}`);
      return { record, root, forwardingKey: signer.verifierKey.text };
    } catch (cause) {
      if (cause instanceof EnvelopeError && cause.code === 'ENVELOPE_MALFORMED') throw new CustodyError('CUSTODY_RECORD_MALFORMED', `forwarding record: ${cause.message}`, { cause });
      if (cause instanceof WireError) throw new CustodyError('CUSTODY_RECORD_MALFORMED', `forwarding record: ${cause.message}`, { cause });
      if (!(cause instanceof EnvelopeError || cause instanceof TrustError || cause instanceof CryptoError)) throw cause;
      problem ??= cause;
    }
  }
  throw new CustodyError('CUSTODY_RECORD_UNTRUSTED', `forwarding record: ${problem instanceof Error ? problem.message : 'not signed by a forwarding key of the chain'}`, { cause: problem });
}
