import { UNFOUNDED_REASONS, type UnfoundedReason } from '../review/report-lifecycle.ts';
import type { Db } from '../store/database.ts';
import type { Month } from './months.ts';

/** The key for figures whose Member State is not known (an authority or an order from before Member States). */
export const UNSPECIFIED = 'unspecified';

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
}

type MonthCount = { month: string; n: number };
type StateCount = { month: string; member_state: string | null; n: number };

const month = (column: string): string => `strftime('%Y-%m', ${column} / 1000, 'unixepoch')`;

// Every report of the bundle a decision was taken on, with the time it waited. A report that joined the
// bundle after a reopen was not part of the earlier decision: received_at <= decided_at keeps it out.
const DECIDED_REPORTS = `
  SELECT ${month('d.decided_at')} AS month, d.decision, d.reason, d.decided_at - r.received_at AS waited
  FROM review_decisions d
  JOIN report_reviews rr ON rr.bundle_id = d.bundle_id
  JOIN reports r ON r.report_id = rr.report_id
  WHERE d.decided_at >= @from AND d.decided_at < @to AND r.received_at <= d.decided_at`;

// The authority that submitted an indicator, through its (latest) batch.
const SUBMITTER_STATE = (indicatorId: string): string =>
  `(SELECT a.member_state FROM indicators i JOIN batches b ON b.id = i.batch_id JOIN accounts a ON a.id = b.authority_id WHERE i.id = ${indicatorId})`;

const MONTHS = `m AS (SELECT json_extract(value, '$[0]') AS month, json_extract(value, '$[1]') AS start, json_extract(value, '$[2]') AS end FROM json_each(@months))`;

/**
 * Public statistics per UTC month, each figure one SQL aggregate over an
 * index range (migration 11), so a month costs what happened in it, not
 * what the Centre ever held. Everything is counted from rows that are never
 * deleted and are written at the time of the event: report ids and times,
 * review decisions (append-only), forwarding records and inbox items,
 * batches, the published versions and changes, orders, and the audit
 * (approvals and suspensions). Report envelopes, which retention purges,
 * are never read. So a month that has ended never changes again
 * (server/statistics/statistics-cache.ts relies on that).
 *
 * Decisions are counted when taken: a report reopened and decided again
 * counts in the month of each decision.
 */
export class MonthlyStatistics {
  readonly #statements;

  constructor(db: Db) {
    type Range = { from: number; to: number };
    this.#statements = {
      received: db.prepare<Range, MonthCount>(
        `SELECT ${month('received_at')} AS month, count(*) AS n FROM reports WHERE received_at >= @from AND received_at < @to GROUP BY month`,
      ),
      unfounded: db.prepare<Range, { month: string; reason: string | null; n: number }>(
        `SELECT month, reason, count(*) AS n FROM (${DECIDED_REPORTS}) WHERE decision = 'unfounded' GROUP BY month, reason`,
      ),
      forwarded: db.prepare<Range, MonthCount>(`SELECT month, count(*) AS n FROM (${DECIDED_REPORTS}) WHERE decision = 'forwarded' GROUP BY month`),
      // One forwarding record per report and decision; count it once per recipient Member State however many of its authorities received it.
      recipients: db.prepare<Range, { month: string; role: string; member_state: string | null; n: number }>(
        `SELECT ${month('d.decided_at')} AS month, a.role, a.member_state, count(DISTINCT f.id) AS n
         FROM review_decisions d
         JOIN report_reviews rr ON rr.bundle_id = d.bundle_id
         JOIN forwarding_records f ON f.report_id = rr.report_id AND f.decision_id = d.id
         JOIN inbox_items i ON i.report_id = f.report_id AND i.record_id = f.id
         JOIN accounts a ON a.id = i.account_id
         WHERE d.decided_at >= @from AND d.decided_at < @to AND d.decision = 'forwarded'
         GROUP BY month, a.role, a.member_state`,
      ),
      // Nearest rank: the p-th percentile of n values is the ceil(p * n / 100)-th smallest.
      decisionTimes: db.prepare<Range, { month: string; n: number; p50: number | null; p90: number | null }>(
        `WITH ranked AS (
           SELECT month, waited, row_number() OVER (PARTITION BY month ORDER BY waited) AS rank, count(*) OVER (PARTITION BY month) AS n
           FROM (${DECIDED_REPORTS}))
         SELECT month, max(n) AS n, max(CASE WHEN rank = (n * 50 + 99) / 100 THEN waited END) AS p50, max(CASE WHEN rank = (n * 90 + 99) / 100 THEN waited END) AS p90
         FROM ranked GROUP BY month`,
      ),
      decisionTimeOverall: db.prepare<Range, { n: number; p50: number | null; p90: number | null }>(
        `WITH ranked AS (SELECT waited, row_number() OVER (ORDER BY waited) AS rank, count(*) OVER () AS n FROM (${DECIDED_REPORTS}))
         SELECT count(*) AS n, max(CASE WHEN rank = (n * 50 + 99) / 100 THEN waited END) AS p50, max(CASE WHEN rank = (n * 90 + 99) / 100 THEN waited END) AS p90
         FROM ranked`,
      ),
      // Min and max of indexed or small columns: the first and the latest event the figures can count.
      span: db.prepare<[], { first: number | null; last: number | null }>(
        `SELECT min((SELECT at FROM audit ORDER BY id LIMIT 1), coalesce((SELECT min(received_at) FROM reports), 1e15),
                    coalesce((SELECT min(created_at) FROM orders), 1e15), coalesce((SELECT min(created_at) FROM batches), 1e15)) AS first,
                (SELECT at FROM audit ORDER BY id DESC LIMIT 1) AS last`,
      ),
      submitted: db.prepare<Range, StateCount>(
        `SELECT ${month('b.created_at')} AS month, a.member_state, sum(b.row_count) AS n FROM batches b JOIN accounts a ON a.id = b.authority_id
         WHERE b.created_at >= @from AND b.created_at < @to GROUP BY month, a.member_state`,
      ),
      // From the audit: an approval overwritten by a later resubmission still happened. A batch approval counts the indicators it approved.
      approved: db.prepare<Range, StateCount>(
        `SELECT ${month('au.at')} AS month,
           CASE au.action WHEN 'batch.approve'
             THEN (SELECT a.member_state FROM batches b JOIN accounts a ON a.id = b.authority_id WHERE b.id = CAST(substr(au.subject, 7) AS INTEGER))
             ELSE ${SUBMITTER_STATE('CAST(substr(au.subject, 11) AS INTEGER)')} END AS member_state,
           sum(CASE au.action WHEN 'batch.approve' THEN coalesce(json_extract(au.detail, '$.approved'), 0) ELSE 1 END) AS n
         FROM audit au WHERE au.action IN ('batch.approve', 'indicator.approve') AND au.at >= @from AND au.at < @to
         GROUP BY month, member_state`,
      ),
      // Revoked: taken off the published list (a tombstone in a published version) for any reason but a suspension.
      revoked: db.prepare<Range, StateCount>(
        `SELECT ${month('v.created_at')} AS month, ${SUBMITTER_STATE('fc.indicator_id')} AS member_state, count(*) AS n
         FROM versions v JOIN feed_changes fc ON fc.version = v.version AND fc.op = 'remove'
         WHERE v.created_at >= @from AND v.created_at < @to AND coalesce(fc.reason, '') <> 'suspended'
         GROUP BY month, member_state`,
      ),
      // The indicator quality loop (issue 11, item 6) audits each suspension as `indicator.suspend` on `indicator:ID`.
      suspended: db.prepare<Range, StateCount>(
        `SELECT ${month('au.at')} AS month, ${SUBMITTER_STATE('CAST(substr(au.subject, 11) AS INTEGER)')} AS member_state, count(*) AS n
         FROM audit au WHERE au.action = 'indicator.suspend' AND au.at >= @from AND au.at < @to
         GROUP BY month, member_state`,
      ),
      // In force at some time in the month: registered by its end, started before it, not expired or ended before it began.
      activeOrders: db.prepare<{ months: string }, StateCount>(
        `WITH ${MONTHS}
         SELECT m.month, o.member_state, count(*) AS n FROM m JOIN orders o
           ON o.created_at < m.end AND o.not_before < m.end AND min(o.not_after, coalesce(o.ended_at, o.not_after)) > m.start
         GROUP BY m.month, o.member_state`,
      ),
      listSize: db.prepare<{ months: string }, MonthCount>(
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
    const row = this.#statements.decisionTimeOverall.get({ from, to });
    return { decided: row?.n ?? 0, p50Ms: row?.p50 ?? null, p90Ms: row?.p90 ?? null };
  }

  /** The figures of `months` (consecutive, oldest first), every month present even when nothing happened in it. */
  compute(months: readonly Month[]): MonthFigures[] {
    const first = months[0];
    const last = months.at(-1);
    if (first === undefined || last === undefined) return [];
    const range = { from: first.start, to: last.end };
    const monthsParam = { months: JSON.stringify(months.map((m) => [m.key, m.start, m.end])) };
    const s = this.#statements;

    const byMonth = <T>(make: () => T): ((key: string) => T) => {
      const map = new Map<string, T>();
      return (key) => {
        let value = map.get(key);
        if (value === undefined) map.set(key, (value = make()));
        return value;
      };
    };
    const received = new Map(s.received.all(range).map((r) => [r.month, r.n]));
    const forwardedTotal = new Map(s.forwarded.all(range).map((r) => [r.month, r.n]));
    const times = new Map(s.decisionTimes.all(range).map((r) => [r.month, r]));
    const listSize = new Map(s.listSize.all(monthsParam).map((r) => [r.month, r.n]));

    const unfounded = byMonth(() => Object.fromEntries(UNFOUNDED_REASONS.map((r) => [r, 0])) as Record<UnfoundedReason, number>);
    for (const row of s.unfounded.all(range)) {
      const reason = UNFOUNDED_REASONS.find((r) => r === row.reason);
      if (reason !== undefined) unfounded(row.month)[reason] += row.n;
    }
    const recipients = byMonth(() => ({ memberStates: {} as Record<string, number>, europol: 0 }));
    for (const row of s.recipients.all(range)) {
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
      for (const row of statement.all(range)) {
        const states = indicators(row.month);
        const entry = (states[row.member_state ?? UNSPECIFIED] ??= { submitted: 0, approved: 0, revoked: 0, suspended: 0 });
        entry[figure] += row.n;
      }
    }
    const orders = byMonth(() => ({}) as Record<string, number>);
    for (const row of s.activeOrders.all(monthsParam)) add(orders(row.month), row.member_state, row.n);

    return months.map(({ key }) => {
      const reasons = unfounded(key);
      const time = times.get(key);
      return {
        month: key,
        reports: {
          received: received.get(key) ?? 0,
          unfounded: { total: Object.values(reasons).reduce((a, b) => a + b, 0), byReason: reasons },
          forwarded: { total: forwardedTotal.get(key) ?? 0, ...recipients(key) },
          decisionTime: { decided: time?.n ?? 0, p50Ms: time?.p50 ?? null, p90Ms: time?.p90 ?? null },
        },
        indicators: sortedKeys(indicators(key)),
        activeOrders: sortedKeys(orders(key)),
        listSize: listSize.get(key) ?? 0,
      };
    });
  }
}

function add(counts: Record<string, number>, memberState: string | null, n: number): void {
  const key = memberState ?? UNSPECIFIED;
  counts[key] = (counts[key] ?? 0) + n;
}

/** The same record with its keys in order, so that the same data always renders the same bytes. */
function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
