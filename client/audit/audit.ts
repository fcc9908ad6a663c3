import { parseVerifierKey } from '../../shared/crypto/index.ts';
import type { DescribedRoot, RootPin } from '../../shared/trust/index.ts';
import { loadAuditState, saveAuditState } from './audit-state.ts';
import { AuditFailure } from './errors.ts';
import { auditRootChain, fetchEpochKeys, replayFeed } from './feed-audit.ts';
import { auditLog } from './log-audit.ts';
import { auditOrdersAndReports, type OrderAuditSummary } from './order-audit.ts';
import { AuditSource, type AuditFetch, type AuditLimits } from './source.ts';
import { checkTimestamp, fetchTimestamp } from './timestamp-audit.ts';
import type { MonthStatistics } from './statistics.ts';
import { Violations, type Violation } from './violations.ts';

export interface AuditOptions {
  readonly centre: string;
  readonly mirror?: string | undefined;
  readonly token: string;
  readonly stateDir: string;
  /** Root verifier keys; required on the first audit, then read from the state. */
  readonly pin?: readonly string[] | undefined;
  readonly threshold?: number | undefined;
  /** Witness verifier keys whose cosignatures the report looks for. */
  readonly witnesses?: readonly string[] | undefined;
  readonly now: number;
  readonly limits?: AuditLimits;
  readonly fetch?: AuditFetch;
}

/** audit.json: everything the report says, for machines. */
export interface AuditResult {
  readonly auditedAt: string;
  readonly centre: string;
  readonly mirror: string | null;
  readonly feed: string;
  readonly clean: boolean;
  readonly checkpoint: { readonly size: number; readonly rootHash: string; readonly previousSize: number | null };
  readonly versions: { readonly latest: number; readonly replayedTo: number; readonly indicators: number; readonly epochs: number };
  readonly months: Readonly<Record<string, MonthStatistics>>;
  readonly authorities: string;
  readonly suspensions: { readonly count: number; readonly listed: readonly { version: number; id: number }[] };
  readonly keyChanges: readonly DescribedRoot[];
  readonly witnesses: { readonly cosigned: readonly string[]; readonly missing: readonly string[]; readonly otherSigners: readonly string[] };
  readonly orders: OrderAuditSummary;
  readonly violations: readonly Violation[];
  readonly violationsNotListed: number;
}

/**
 * One audit (docs/AUDIT.md, "Running an audit"): the root chain from the
 * pin, the log, every version replayed, orders and reports. Violations are
 * findings (exit 1); an AuditFailure means there could be no audit (exit 2).
 * The state advances to today's tree head only after a clean audit, so a
 * re-run (interrupted or not) judges today's log against the same head.
 */
export async function runAudit(options: AuditOptions): Promise<AuditResult> {
  const saved = loadAuditState(options.stateDir);
  const pinKeys = options.pin !== undefined && options.pin.length > 0 ? options.pin : saved?.pin.keys;
  if (pinKeys === undefined || pinKeys.length === 0) throw new AuditFailure('AUDIT_BAD_PIN', 'the first audit of a state folder needs --pin ROOTKEY');
  const threshold = options.threshold ?? (options.pin !== undefined && options.pin.length > 0 ? 1 : (saved?.pin.threshold ?? 1));
  let pin: RootPin;
  try {
    pin = { keys: pinKeys.map((k) => parseVerifierKey(k)), threshold };
  } catch (cause) {
    throw new AuditFailure('AUDIT_BAD_PIN', 'a pinned root key is not a verifier key', { cause });
  }
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > pin.keys.length) throw new AuditFailure('AUDIT_BAD_PIN', `the threshold must be from 1 to ${pin.keys.length}`);

  const source = new AuditSource({ centre: options.centre, mirror: options.mirror, token: options.token, ...(options.limits === undefined ? {} : { limits: options.limits }), ...(options.fetch === undefined ? {} : { fetch: options.fetch }) });
  const violations = new Violations();
  const roots = await auditRootChain(source, pin);
  const root = roots.latest.document;
  // Root versions only go up: a chain cut before a version the last audit verified hides a key change (a revocation, say).
  if (saved?.rootVersion !== undefined && root.version < saved.rootVersion) {
    violations.add({ code: 'AUDIT_ROOT_ROLLBACK', message: `the root chain ends at version ${root.version}, before version ${saved.rootVersion} the previous audit verified` });
  }
  // Before the checkpoint: whatever log the timestamp names, the checkpoint fetched after it reaches.
  const timestamp = await fetchTimestamp(source, root, options.now, violations);
  const log = await auditLog(source, root, options.now, options.witnesses ?? [], saved?.head, violations);
  if (timestamp !== undefined) checkTimestamp(timestamp, log, root, violations);
  const epochKeys = await fetchEpochKeys(source, violations);
  const replay = await replayFeed(source, roots.latest, epochKeys, log, violations);
  const orders = await auditOrdersAndReports(source, log, violations);

  const clean = violations.count === 0;
  saveAuditState(options.stateDir, {
    pin: { keys: [...pinKeys], threshold },
    head: clean ? log.head : saved?.head,
    rootVersion: clean ? root.version : saved?.rootVersion,
    auditedAt: clean ? options.now : saved?.auditedAt,
  });
  return {
    auditedAt: new Date(options.now).toISOString(),
    centre: options.centre,
    mirror: options.mirror ?? null,
    feed: root.feed,
    clean,
    checkpoint: { size: log.head.size, rootHash: Buffer.from(log.head.rootHash).toString('base64'), previousSize: saved?.head?.size ?? null },
    versions: { latest: replay.latestVersion, replayedTo: replay.replayedTo, indicators: replay.indicators, epochs: epochKeys.epochs },
    months: replay.statistics.months,
    authorities:
      'Feed objects do not name the submitting authority (providers need none, and the log must not reveal it): additions and tombstones are counted by category and algorithm; per-authority figures are in GET /v1/transparency.',
    suspensions: { count: replay.statistics.suspensions, listed: replay.statistics.suspended },
    keyChanges: roots.chain,
    witnesses: log.witnesses,
    orders,
    violations: violations.list,
    violationsNotListed: violations.dropped,
  };
}
