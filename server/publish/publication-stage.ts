import { createHash } from 'node:crypto';
import type { Indicator } from '../store/indicators.ts';
import { isRecordSql } from '../store/indicator-variants.ts';

/**
 * What the next publication changes (docs/API.md, POST /v1/publish): the one
 * definition, read by `Publisher.publish` (staged into its temporary table)
 * and by `Publisher.plan` (the dry run, as a CTE that writes nothing).
 * Both selects yield (id, op, category, reason).
 *
 * Additions: every approved pending indicator with at least
 * `minConfirmations` live confirmations (the two-source rule), video
 * indicators only while `publishVideoIndicators` is on (docs/PROTOCOL.md
 * 8.1, "Introducing an algorithm"); its two parameters, in that order:
 * stageParams(config). Removals: every active indicator with a queued
 * removal (an authority's revocation, or a suspension: reason SUSPENDED).
 */
export const STAGE_ADDS_SQL = `SELECT i.id AS id, 'add' AS op, i.category AS category, NULL AS reason FROM indicators i
  WHERE i.status = 'pending' AND i.approved_at IS NOT NULL
    AND (? OR i.algorithm <> 'vpdq')
    AND (SELECT count(*) FROM confirmations c WHERE c.indicator_id = i.id AND c.withdrawn_at IS NULL) >= ?`;

/** STAGE_ADDS_SQL's parameters. */
export const stageParams = (config: { readonly publishVideoIndicators: boolean; readonly minConfirmations: number }): [number, number] => [
  config.publishVideoIndicators ? 1 : 0,
  config.minConfirmations,
];

export const STAGE_REMOVES_SQL = `SELECT id, 'remove' AS op, category, removal_reason AS reason FROM indicators
  WHERE status = 'active' AND removal_reason IS NOT NULL`;

/**
 * A publication's changes counted by dimension (category, algorithm,
 * authority) over the staged rows in `stage`, records only (a linked
 * variant travels with its record and is not counted again): an addition counts for each
 * authority with a live confirmation, a removal for every authority that
 * ever confirmed it. Columns (dimension, key, adds, removes, active = 0), one
 * row per staged change and authority: the caller groups them.
 */
export const changeCountsSql = (stage: string): string => `
  SELECT 'category' AS dimension, s.category AS key, s.op = 'add' AS adds, s.op = 'remove' AS removes, 0 AS active FROM ${stage} s
    WHERE ${isRecordSql('s.id')}
  UNION ALL SELECT 'algorithm', i.algorithm, s.op = 'add', s.op = 'remove', 0 FROM ${stage} s JOIN indicators i ON i.id = s.id WHERE ${isRecordSql('s.id')}
  UNION ALL SELECT 'authority', a.name, s.op = 'add', s.op = 'remove', 0 FROM ${stage} s
    JOIN confirmations c ON c.indicator_id = s.id JOIN accounts a ON a.id = c.authority_id
    WHERE ${isRecordSql('s.id')} AND ((s.op = 'add' AND c.withdrawn_at IS NULL) OR s.op = 'remove')`;

/** The staged rows in the order the plan digest reads them. */
export const stagedChangesSql = (stage: string): string => `SELECT op, id, category, reason FROM ${stage} ORDER BY op, id`;

/** One key of a dry run's counts: how many additions and tombstones it has. */
export interface PlanCount {
  readonly key: string;
  readonly adds: number;
  readonly removes: number;
}

/** What the next publication would do (`Publisher.plan`, server/publish/publisher.ts). */
export interface PublicationPlan {
  /** The version it would make. */
  readonly version: number;
  /** False: publishing would answer NOTHING_TO_PUBLISH. */
  readonly publishable: boolean;
  readonly adds: number;
  /** Tombstones, suspensions included. */
  readonly removes: number;
  readonly suspended: number;
  /** Why an empty version would be made anyway (recovery, or an epoch reason); null otherwise. */
  readonly emptyReason: string | null;
  readonly byCategory: readonly PlanCount[];
  readonly byAlgorithm: readonly PlanCount[];
  /** By authority account name: an addition counts for each live confirmation, a tombstone for every confirmation. */
  readonly byAuthority: readonly PlanCount[];
  /** Hex; publish(..., { expectedPlan }) refuses with PUBLISH_PLAN_CHANGED when its own differs. */
  readonly digest: string;
  /** Video indicators that would be added but are held: publishVideoIndicators is off (docs/PROTOCOL.md 8.1). */
  readonly heldVideo: number;
}

export interface StagedChange {
  readonly op: string;
  readonly id: number;
  readonly category: string;
  readonly reason: string | null;
}

/**
 * A digest of what publishing `version` would do: its number, why an
 * empty version would be made (if it would), and every staged change. A
 * dry run carries it; a publication refuses when its own differs
 * (PUBLISH_PLAN_CHANGED), so nobody publishes what they have not seen.
 */
export function planDigest(version: number, emptyReason: string | undefined, changes: Iterable<StagedChange>): string {
  const hash = createHash('sha256').update(`hashfeed-publication-plan\n${version}\n${emptyReason ?? ''}\n`);
  for (const c of changes) hash.update(`${c.op} ${c.id} ${c.category} ${c.reason ?? ''}\n`);
  return hash.digest('hex');
}

/**
 * The two-source rule for one indicator, in the terms STAGE_ADDS_SQL uses:
 * its live confirmations, and whether they reach `minConfirmations`
 * (approved, it is then added by the next publication).
 */
export function twoSourceStatus(indicator: Indicator, minConfirmations: number): { readonly live: number; readonly needed: number; readonly met: boolean } {
  const live = indicator.confirmations.filter((c) => c.withdrawnAt === null).length;
  return { live, needed: minConfirmations, met: live >= minConfirmations };
}
