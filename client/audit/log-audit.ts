import { parseVerifierKey, SIGNATURE_TYPE_COSIGNATURE_V1, type VerifierKey } from '../../shared/crypto/index.ts';
import { bytesEqual } from '../../shared/crypto/index.ts';
import { rootFromLeafHashes } from '../../shared/merkle/index.ts';
import { feedOrigin, NoteError, parseNote, verifyCheckpoint } from '../../shared/note/index.ts';
import { KEY_PURPOSES, usableKeys, type RootDocument } from '../../shared/trust/index.ts';
import { AuditFailure } from './errors.ts';
import type { AuditSource } from './source.ts';
import type { Violations } from './violations.ts';

export interface LogLeaf {
  readonly index: number;
  readonly leafHash: Uint8Array;
  readonly kind: string;
  readonly version: number;
  readonly appendedAt: number;
}

/** The tree head an audit ends with, saved in --state for the next one. */
export interface SavedHead {
  readonly size: number;
  readonly rootHash: Uint8Array;
}

export interface LogView {
  readonly head: SavedHead;
  readonly note: string;
  readonly leaves: readonly LogLeaf[];
  /** Leaf index by `${kind}:${version}`. */
  readonly byKey: ReadonlyMap<string, LogLeaf>;
  /** The highest version a delta leaf of the log has: the audit replays up to it. */
  readonly latestVersion: number;
  readonly witnesses: { readonly cosigned: readonly string[]; readonly missing: readonly string[]; readonly otherSigners: readonly string[] };
}

const LEAF_PAGE = 1000;
/** The kinds of leaf the log holds (PROTOCOL 8.6, 10.4). A leaf's kind and version are not in its hash: only the audit's accounting binds them. */
const LEAF_KINDS: ReadonlySet<string> = new Set(['delta', 'snapshot', 'order', 'order-end']);
const MAX_LEAVES = 50_000_000;

/**
 * The public log, audited whole: the checkpoint verified under a key the
 * trusted root lists for `checkpoint`; every leaf hash fetched (they are
 * public) and the tree rebuilt, so its root must equal the checkpoint's
 * (faster than a proof per version); the tree of the previous audit's size
 * must have the root saved then (a history rewritten between audits).
 */
export async function auditLog(source: AuditSource, root: RootDocument, now: number, witnessKeys: readonly string[], previous: SavedHead | undefined, violations: Violations): Promise<LogView> {
  const note = await source.logText('/v1/log/checkpoint');
  const witnesses = witnessKeys.map((key) => parseWitness(key));
  let head: SavedHead | undefined;
  let cosigned: string[] = [];
  for (const key of usableKeys(root, KEY_PURPOSES.checkpoint, now)) {
    try {
      const verified = verifyCheckpoint(note, { origin: feedOrigin(root.feed), logKey: key.verifierKey, witnesses });
      head = { size: verified.checkpoint.size, rootHash: verified.checkpoint.rootHash };
      cosigned = verified.cosignatures.map((c) => `${c.witness.name}+${c.witness.keyIdHex}`);
      break;
    } catch (cause) {
      if (!(cause instanceof NoteError)) throw cause;
    }
  }
  if (head === undefined) {
    violations.add({ code: 'AUDIT_CHECKPOINT_SIGNATURE', message: `the checkpoint is not signed by a key root ${root.version} lists for 'checkpoint'` });
    throw new AuditFailure('AUDIT_MALFORMED_ANSWER', 'no checkpoint verifies: the log cannot be audited');
  }
  const logKeyNames = new Set(usableKeys(root, KEY_PURPOSES.checkpoint, now).map((k) => k.verifierKey.name));
  const otherSigners = parseNote(note).signatures.map((s) => s.name).filter((name) => !logKeyNames.has(name) && !witnesses.some((w) => w.name === name));
  const missing = witnesses.filter((w) => !cosigned.includes(`${w.name}+${w.keyIdHex}`)).map((w) => `${w.name}+${w.keyIdHex}`);

  if (head.size > MAX_LEAVES) throw new AuditFailure('AUDIT_MALFORMED_ANSWER', `the log claims ${head.size} leaves, more than the ${MAX_LEAVES} an audit reads`);
  const leaves: LogLeaf[] = [];
  while (leaves.length < head.size) {
    const page = parseLeaves(await source.getJson(`/v1/log/leaves?start=${leaves.length}&limit=${LEAF_PAGE}`));
    if (page.length === 0) break;
    // The log may have grown since its checkpoint was fetched: the audit reads the checkpoint's tree, and no further.
    for (const leaf of page.slice(0, head.size - leaves.length)) {
      if (leaf.index !== leaves.length) throw new AuditFailure('AUDIT_MALFORMED_ANSWER', `leaf ${leaf.index} came where leaf ${leaves.length} was expected`);
      leaves.push(leaf);
    }
  }
  const hashes = leaves.map((l) => l.leafHash);
  if (leaves.length !== head.size || !bytesEqual(rootFromLeafHashes(hashes), head.rootHash)) {
    violations.add({ code: 'AUDIT_LOG_ROOT_MISMATCH', message: `the ${leaves.length} published leaf hashes do not make the checkpoint's tree of size ${head.size}` });
  }
  if (previous !== undefined) {
    if (previous.size > head.size) {
      violations.add({ code: 'AUDIT_LOG_REWRITTEN', message: `the log shrank from ${previous.size} leaves at the previous audit to ${head.size}` });
    } else if (previous.size > 0 && !bytesEqual(rootFromLeafHashes(hashes.slice(0, previous.size)), previous.rootHash)) {
      violations.add({ code: 'AUDIT_LOG_REWRITTEN', message: `the first ${previous.size} leaves no longer have the root the previous audit saved: the history was rewritten` });
    }
  }
  const byKey = new Map<string, LogLeaf>();
  for (const leaf of leaves) {
    const key = `${leaf.kind}:${leaf.version}`;
    const earlier = byKey.get(key);
    // Two leaves for one version are two histories in one log: the Centre can prove either to whom it likes (PROTOCOL 6).
    if (earlier !== undefined) {
      violations.add({ code: 'AUDIT_LOG_DUPLICATE_LEAF', message: `leaves ${earlier.index} and ${leaf.index} are both ${leaf.kind} ${leaf.version}: two histories in one log` });
    }
    byKey.set(key, leaf);
  }
  // Log times only go forward: with each delta's leaf no earlier than its signed createdAt (replayFeed) and an order
  // leaf's time in its hash, an order commitment cannot be dated before a version logged ahead of it (PROTOCOL 10.4).
  for (let i = 1; i < leaves.length; i++) {
    const [before, leaf] = [leaves[i - 1], leaves[i]];
    if (before !== undefined && leaf !== undefined && leaf.appendedAt < before.appendedAt) {
      violations.add({ code: 'AUDIT_LOG_TIME_REVERSED', message: `leaf ${leaf.index} is logged at ${leaf.appendedAt}, before leaf ${before.index} ahead of it (${before.appendedAt}): backdated, or the Centre's clock went back` });
    }
  }
  let latestVersion = 0;
  for (const leaf of leaves) if (leaf.kind === 'delta' && leaf.version > latestVersion) latestVersion = leaf.version;
  // A leaf the replay never reaches could hold a version hidden from the audit (its delta labelled as something else).
  for (const leaf of leaves) {
    const feedLeaf = leaf.kind === 'delta' || leaf.kind === 'snapshot';
    const problem = !LEAF_KINDS.has(leaf.kind)
      ? `of kind '${leaf.kind}', which the log does not have`
      : feedLeaf && leaf.version < 1
        ? `${leaf.kind} 0, a version that does not exist`
        : leaf.kind === 'snapshot' && leaf.version > latestVersion
          ? `a snapshot of version ${leaf.version}, which no delta in the log reaches`
          : undefined;
    if (problem !== undefined) violations.add({ code: 'AUDIT_LOG_LEAF_UNACCOUNTED', message: `leaf ${leaf.index} is ${problem}` });
  }
  return { head, note, leaves, byKey, latestVersion, witnesses: { cosigned, missing, otherSigners } };
}

function parseWitness(text: string): VerifierKey {
  try {
    return parseVerifierKey(text, { signatureTypes: [SIGNATURE_TYPE_COSIGNATURE_V1] });
  } catch (cause) {
    throw new AuditFailure('AUDIT_BAD_PIN', 'a --witness is not a witness verifier key', { cause });
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseLeaves(value: unknown): LogLeaf[] {
  if (!isRecord(value) || !Array.isArray(value.leaves)) throw new AuditFailure('AUDIT_MALFORMED_ANSWER', 'the leaves page has no leaves');
  return value.leaves.map((leaf: unknown) => {
    if (!isRecord(leaf)) throw new AuditFailure('AUDIT_MALFORMED_ANSWER', 'a leaf is not an object');
    const { index, leafHash, kind, version, appendedAt } = leaf;
    if (!isCount(index) || typeof leafHash !== 'string' || typeof kind !== 'string' || kind.length > 32 || !isCount(version) || !isCount(appendedAt)) {
      throw new AuditFailure('AUDIT_MALFORMED_ANSWER', 'a leaf is malformed');
    }
    const hash = Buffer.from(leafHash, 'base64');
    if (hash.byteLength !== 32) throw new AuditFailure('AUDIT_MALFORMED_ANSWER', `leaf ${index} has no 32-byte hash`);
    return { index, leafHash: new Uint8Array(hash), kind, version, appendedAt };
  });
}

export function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
