import { isRecordSql } from '../store/indicator-variants.ts';
import { SUSPENDED_REASON } from '../store/indicators.ts';
import { UNFOUNDED_REASONS, type UnfoundedReason } from '../review/report-lifecycle.ts';
import type { Db } from '../store/database.ts';
import type { Month } from './months.ts';

/** The key for figures whose Member State is not known (an authority or an order from before Member States). */
export const UNSPECIFIED = 'unspecified';

/** The sealed feed's access log in a month (docs/SAFEGUARDS.md, "Access to the indicators"): counts only. */
export interface AccessFigures {
  /** Providers that became entitled. */
  grants: number;
  /** Epoch keys wrapped for a provider's encryption key. */
  wraps: number;
  /** Access lists served. */
  fetches: number;
  /** Of those, lists that carried no key (not entitled, no usable encryption key). */
  refusedFetches: number;
  /** Distinct providers given at least one wrapped key. */
  providersGivenKeys: number;
}

export interface IndicatorFigures {
  submitted: number;
  approved: number;
  revoked: number;
  suspended: number;
}

/**
 * One month's public figures: counts only, never an identifier, a hash, a
 * subject, a target or a provider. Keyed by Member State (ISO 3166-1
 * alpha-2, or `unspecified`).
 */
export interface MonthFigures {
  readonly month: string;
  readonly reports: {
    /** Reports the Centre received this month. */
    readonly received: number;
    /** Reports judged unfounded this month, by reason. */
    readonly unfounded: { readonly total: number; readonly byReason: Readonly<Record<UnfoundedReason, number>> };
    /** Reports forwarded this month; each counts once per recipient Member State and once for Europol. */
    readonly forwarded: { readonly total: number; readonly memberStates: Readonly<Record<string, number>>; readonly europol: number };
    /** Receipt to decision of the reports decided this month, nearest-rank percentiles; null when none was decided. */
    readonly decisionTime: { readonly decided: number; readonly p50Ms: number | null; readonly p90Ms: number | null };
  };
  /** By the submitting authority's Member State. */
  readonly indicators: Readonly<Record<string, Readonly<IndicatorFigures>>>;
  /** Orders in force at some time in the month, by issuing Member State. */
  readonly activeOrders: Readonly<Record<string, number>>;
  /** Indicators on the published list at the end of the month (or now, for the month under way). */
  readonly listSize: number;
  readonly access: Readonly<AccessFigures>;
}

type MonthCount = { month: string; n: number };
type StateCount = { month: string; member_state: string | null; n: number };
type DecidedRow = { month: string; decision: string; reason: string | null; reports: number; n: number; p50: number | null; p90: number | null };

// The months asked for, as rows (key, start, end): every figure joins on a time range, one index range per month.
const MONTHS = `m AS (SELECT json_extract(value, '$[0]') AS month, json_extract(value, '$[1]') AS start, json_extract(value, '$[2]') AS end FROM json_each(@months))`;

// The authority that submitted an indicator, through its (latest) batch.
const SUBMITTER_STATE = (indicatorId: string): string =>
  `(SELECT a.member_state FROM indicators i JOIN batches b ON b.id = i.batch_id JOIN accounts a ON a.id = b.authority_id WHERE i.id = ${indicatorId})`;

/**
 * Public statistics per UTC month, each figure one SQL aggregate over index
 * ranges (migration 11), so a month costs what happened in it, not what the
 * Centre ever held. Everything is counted from rows that are never deleted
 * and are written at the time of their event: report ids and times, review
 * decisions (append-only), forwarding records and inbox items, batches, the
 * published versions and changes, orders, and the audit (approvals and
 * suspensions). Report envelopes, which retention purges, are never read.
 * So a month that has ended never changes again (PublicStatistics relies
 * on that).
 *
 * Decisions are counted when taken: a report reopened and decided again
 * counts in the month of each decision.
 */
export class MonthlyStatistics {
  readonly #statements;

  constructor(db: Db) {
    type Months = { months: string };
    this.#statements = {
      received: db.prepare<Months, MonthCount>(
        `WITH ${MONTHS} SELECT m.month, (SELECT count(*) FROM reports WHERE received_at >= m.start AND received_at < m.end) AS n FROM m`,
      ),
      // Every report of each decision's bundle, with the time it waited: counts by decision and reason, and
      // the nearest-rank percentiles (the p-th of n values is the ceil(p * n / 100)-th smallest) of the month,
      // which land in one of its groups, in one sort. A report that joined the bundle after a reopen was not
      // part of the earlier decision: received after it, with a later decision of the bundle, keeps it out. A report
      // received "after" its bundle's latest decision, the bundle still decided, joined before it: the Centre's clock
      // stepped back, and the report counts, with a wait of 0. (A step back before an earlier decision of a
      // reopened bundle is not told apart from a late joiner, the schema keeping no order between the two: such a
      // report leaves that decision's count when its bundle is reopened, the one case where an ended month changes.)
      decided: db.prepare<Months, DecidedRow>(
        `WITH ${MONTHS},
         decided AS (
           SELECT m.month, d.decision, d.reason, max(d.decided_at - r.received_at, 0) AS waited
           FROM m JOIN review_decisions d ON d.decided_at >= m.start AND d.decided_at < m.end
           JOIN report_reviews rr ON rr.bundle_id = d.bundle_id
           JOIN reports r ON r.report_id = rr.report_id
           WHERE r.received_at <= d.decided_at
             OR NOT EXISTS (SELECT 1 FROM review_decisions later WHERE later.bundle_id = d.bundle_id AND later.id > d.id)
               AND (SELECT state FROM review_bundles b WHERE b.id = d.bundle_id) IN ('forwarded', 'unfounded')),
         ranked AS (
           SELECT month, decision, reason, waited, row_number() OVER byTime AS rank,
             count(*) OVER (byTime ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n
           FROM decided WINDOW byTime AS (PARTITION BY month ORDER BY waited))
         SELECT month, decision, reason, count(*) AS reports, max(n) AS n,
           max(CASE WHEN rank = (n * 50 + 99) / 100 THEN waited END) AS p50, max(CASE WHEN rank = (n * 90 + 99) / 100 THEN waited END) AS p90
         FROM ranked GROUP BY month, decision, reason`,
      ),
      // A forwarding record per report and decision, delivered to each recipient account: counted once per
      // recipient Member State however many of its authorities received it.
      recipients: db.prepare<Months, { month: string; role: string; member_state: string | null; n: number }>(
        `WITH ${MONTHS}
         SELECT m.month, a.role, a.member_state, count(DISTINCT f.id) AS n
         FROM m JOIN forwarding_records f ON f.decided_at >= m.start AND f.decided_at < m.end AND f.decision = 'forwarded'
         JOIN inbox_items i ON i.report_id = f.report_id AND i.record_id = f.id
         JOIN accounts a ON a.id = i.account_id
         GROUP BY m.month, a.role, a.member_state`,
      ),
      // Min and max of indexed or small columns: the first and the latest event the figures can count.
      span: db.prepare<[], { first: number | null; last: number | null }>(
        `SELECT min((SELECT at FROM audit ORDER BY id LIMIT 1), coalesce((SELECT min(received_at) FROM reports), 1e15),
                    coalesce((SELECT min(created_at) FROM orders), 1e15), coalesce((SELECT min(created_at) FROM batches), 1e15)) AS first,
                (SELECT at FROM audit ORDER BY id DESC LIMIT 1) AS last`,
      ),
      submitted: db.prepare<Months, StateCount>(
        `WITH ${MONTHS}
         SELECT m.month, a.member_state, sum(b.row_count) AS n FROM m JOIN batches b ON b.created_at >= m.start AND b.created_at < m.end
         JOIN accounts a ON a.id = b.authority_id GROUP BY m.month, a.member_state`,
      ),
      // From the audit: an approval overwritten by a later resubmission still happened. A batch approval counts the indicators it approved.
      approved: db.prepare<Months, StateCount>(
        `WITH ${MONTHS}
         SELECT m.month,
           CASE au.action WHEN 'batch.approve'
             THEN (SELECT a.member_state FROM batches b JOIN accounts a ON a.id = b.authority_id WHERE b.id = CAST(substr(au.subject, 7) AS INTEGER))
             ELSE ${SUBMITTER_STATE('CAST(substr(au.subject, 11) AS INTEGER)')} END AS member_state,
           sum(CASE au.action WHEN 'batch.approve' THEN coalesce(json_extract(au.detail, '$.approved'), 0) ELSE 1 END) AS n
         FROM m JOIN audit au ON au.action IN ('batch.approve', 'indicator.approve') AND au.at >= m.start AND au.at < m.end
         GROUP BY m.month, member_state`,
      ),
      // Revoked: taken off the published list (a tombstone in a published version) for any reason but a suspension;
      // a record's linked variants (crops) go with it and are not counted again.
      revoked: db.prepare<Months, StateCount>(
        `WITH ${MONTHS}
         SELECT m.month, ${SUBMITTER_STATE('fc.indicator_id')} AS member_state, count(*) AS n
         FROM m JOIN versions v ON v.created_at >= m.start AND v.created_at < m.end
         JOIN feed_changes fc ON fc.version = v.version AND fc.op = 'remove'
         WHERE coalesce(fc.reason, '') <> '${SUSPENDED_REASON}'
           AND ${isRecordSql('fc.indicator_id')}
         GROUP BY m.month, member_state`,
      ),
      // The indicator quality loop (issue 11, item 6) audits each suspension as `indicator.suspend` on `indicator:ID`.
      suspended: db.prepare<Months, StateCount>(
        `WITH ${MONTHS}
         SELECT m.month, ${SUBMITTER_STATE('CAST(substr(au.subject, 11) AS INTEGER)')} AS member_state, count(*) AS n
         FROM m JOIN audit au ON au.action = 'indicator.suspend' AND au.at >= m.start AND au.at < m.end
         GROUP BY m.month, member_state`,
      ),
      // In force at some time in the month: registered by its end, started before it, not expired or ended before it began.
      activeOrders: db.prepare<Months, StateCount>(
        `WITH ${MONTHS}
         SELECT m.month, o.member_state, count(*) AS n FROM m JOIN orders o
           ON o.created_at < m.end AND o.not_before < m.end AND min(o.not_after, coalesce(o.ended_at, o.not_after)) > m.start
         GROUP BY m.month, o.member_state`,
      ),
      // The access log is append-only and written at the time of each event (server/access/access-log.ts).
      access: db.prepare<Months, AccessFigures & { month: string }>(
        `WITH ${MONTHS}
         SELECT m.month,
           (SELECT count(*) FROM access_log WHERE event = 'grant' AND at >= m.start AND at < m.end) AS grants,
           (SELECT count(*) FROM access_log WHERE event = 'wrap' AND at >= m.start AND at < m.end) AS wraps,
           (SELECT count(*) FROM access_log WHERE event = 'fetch' AND at >= m.start AND at < m.end) AS fetches,
           (SELECT count(*) FROM access_log WHERE event = 'fetch' AND reason IS NOT NULL AND at >= m.start AND at < m.end) AS refusedFetches,
           (SELECT count(DISTINCT provider_id) FROM access_log WHERE event = 'wrap' AND at >= m.start AND at < m.end) AS providersGivenKeys
         FROM m`,
      ),
      providersGivenKeys: db.prepare<[number, number], { n: number }>("SELECT count(DISTINCT provider_id) AS n FROM access_log WHERE event = 'wrap' AND at >= ? AND at < ?"),
      listSize: db.prepare<Months, MonthCount>(
        `WITH ${MONTHS}
         SELECT m.month, coalesce((SELECT v.active FROM versions v WHERE v.created_at < m.end ORDER BY v.version DESC LIMIT 1), 0) AS n FROM m`,
      ),
    };
  }

  /**
   * When the Centre's records begin (its first audit entry, or an earlier
   * report, order or batch, as in a Centre that imported them) and its latest
   * audited event; null when it has none.
   */
  span(): { first: number; last: number } | null {
    const row = this.#statements.span.get();
    return row === undefined || row.first === null || row.last === null ? null : { first: row.first, last: row.last };
  }

  /** Receipt to decision of every report decided from `from` (inclusive) to `to` (exclusive): a year's percentiles are not its months'. */
  decisionTime(from: number, to: number): MonthFigures['reports']['decisionTime'] {
    return this.#decided([{ key: 'span', start: from, end: to }]).get('span')?.time ?? NO_DECISIONS;
  }

  /** Distinct providers given a wrapped key from `from` (inclusive) to `to` (exclusive): a year's is not the sum of its months'. */
  providersGivenKeys(from: number, to: number): number {
    return this.#statements.providersGivenKeys.get(from, to)?.n ?? 0;
  }

  /** The figures of `months` (consecutive or not, in the order given), every month present even when nothing happened in it. */
  compute(months: readonly Month[]): MonthFigures[] {
    if (months.length === 0) return [];
    const param = { months: JSON.stringify(months.map((m) => [m.key, m.start, m.end])) };
    const s = this.#statements;

    const byMonth = <T>(make: () => T): ((key: string) => T) => {
      const map = new Map<string, T>();
      return (key) => {
        let value = map.get(key);
        if (value === undefined) map.set(key, (value = make()));
        return value;
      };
    };
    const received = new Map(s.received.all(param).map((r) => [r.month, r.n]));
    const listSize = new Map(s.listSize.all(param).map((r) => [r.month, r.n]));
    const access = new Map(s.access.all(param).map(({ month, ...figures }) => [month, figures]));
    const decided = this.#decided(months);
    const recipients = byMonth(() => ({ memberStates: {} as Record<string, number>, europol: 0 }));
    for (const row of s.recipients.all(param)) {
      const entry = recipients(row.month);
      if (row.role === 'europol') entry.europol += row.n;
      else add(entry.memberStates, row.member_state, row.n);
    }
    const indicators = byMonth(() => ({}) as Record<string, IndicatorFigures>);
    for (const [figure, statement] of [
      ['submitted', s.submitted],
      ['approved', s.approved],
      ['revoked', s.revoked],
      ['suspended', s.suspended],
    ] as const) {
      for (const row of statement.all(param)) {
        const states = indicators(row.month);
        const entry = (states[row.member_state ?? UNSPECIFIED] ??= { submitted: 0, approved: 0, revoked: 0, suspended: 0 });
        entry[figure] += row.n;
      }
    }
    const orders = byMonth(() => ({}) as Record<string, number>);
    for (const row of s.activeOrders.all(param)) add(orders(row.month), row.member_state, row.n);

    return months.map(({ key }) => {
      const month = decided.get(key);
      const reasons = month?.unfounded ?? noReasons();
      return {
        month: key,
        reports: {
          received: received.get(key) ?? 0,
          unfounded: { total: Object.values(reasons).reduce((a, b) => a + b, 0), byReason: reasons },
          forwarded: { total: month?.forwarded ?? 0, ...recipients(key) },
          decisionTime: month?.time ?? NO_DECISIONS,
        },
        indicators: sortedKeys(indicators(key)),
        activeOrders: sortedKeys(orders(key)),
        listSize: listSize.get(key) ?? 0,
        access: access.get(key) ?? { grants: 0, wraps: 0, fetches: 0, refusedFetches: 0, providersGivenKeys: 0 },
      };
    });
  }

  /** Decisions of each month: forwarded and unfounded (by reason) reports, and the times they waited. */
  #decided(months: readonly Month[]): Map<string, { forwarded: number; unfounded: Record<UnfoundedReason, number>; time: MonthFigures['reports']['decisionTime'] }> {
    const result = new Map<string, { forwarded: number; unfounded: Record<UnfoundedReason, number>; time: { decided: number; p50Ms: number | null; p90Ms: number | null } }>();
    for (const row of this.#statements.decided.all({ months: JSON.stringify(months.map((m) => [m.key, m.start, m.end])) })) {
      let month = result.get(row.month);
      if (month === undefined) result.set(row.month, (month = { forwarded: 0, unfounded: noReasons(), time: { decided: row.n, p50Ms: null, p90Ms: null } }));
      if (row.p50 !== null) month.time.p50Ms = row.p50;
      if (row.p90 !== null) month.time.p90Ms = row.p90;
      const reason = UNFOUNDED_REASONS.find((r) => r === row.reason);
      if (row.decision === 'forwarded') month.forwarded += row.reports;
      else if (reason !== undefined) month.unfounded[reason] += row.reports;
    }
    return result;
  }
}

const NO_DECISIONS = { decided: 0, p50Ms: null, p90Ms: null } as const;
const noReasons = (): Record<UnfoundedReason, number> => Object.fromEntries(UNFOUNDED_REASONS.map((r) => [r, 0])) as Record<UnfoundedReason, number>;

function add(counts: Record<string, number>, memberState: string | null, n: number): void {
  const key = memberState ?? UNSPECIFIED;
  counts[key] = (counts[key] ?? 0) + n;
}

/** The same record with its keys in order, so that the same data always renders the same bytes. */
function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
