import { decodeMsgpack, encodeMsgpack } from './codec.ts';
import { WireError } from './errors.ts';
import { array, exactRecord, str, timestampMs, uint } from './guards.ts';
import { PROVIDER_NAME_PATTERN } from './order.ts';
import { REPORT_ID_PATTERN } from './report.ts';

export const DECISIONS_PAYLOAD_TYPE = 'hashfeed/decisions/v1';

/** Entries per list (one page): the sidecar asks again with `since` = the last entry's `seq` while `more`. */
export const MAX_DECISIONS_PER_LIST = 1000;
/** Cap on a decoded decisions payload: 1000 entries of about 120 bytes, with room to spare. */
export const MAX_DECISION_LIST_BYTES = 512 * 1024;
/** The reason codes of an unfounded decision (server/review/report-lifecycle.ts keeps the same list). */
export const DECISION_REASONS = ['preview_mismatch', 'indicator_error', 'duplicate', 'not_csam', 'other'] as const;
export type DecisionReason = (typeof DECISION_REASONS)[number];

/**
 * The state of one report as the Centre tells its provider (docs/PROTOCOL.md
 * 12): each entry is the report's whole current state, so the newest entry
 * for a report replaces every earlier one. `seq` is the Centre's sequence
 * number, strictly increasing over all entries it ever wrote (per provider
 * it has gaps). A page may name a report more than once (a decision, then
 * a hold): the later entry wins. `reason` is present only for `unfounded`; `hold` only while
 * a recipient asked the provider to preserve the content and stay silent.
 */
export interface DecisionEntry {
  readonly seq: number;
  readonly reportId: string;
  readonly decision: 'forwarded' | 'unfounded';
  readonly reason?: DecisionReason;
  readonly hold?: { readonly until: number };
}

/**
 * The signed list `GET /v1/feed/decisions?since=` serves: the calling
 * provider's entries with `seq > since`, oldest first, at most
 * MAX_DECISIONS_PER_LIST; `more` when the page was cut there.
 */
export interface DecisionList {
  readonly provider: string;
  readonly issuedAt: number;
  readonly since: number;
  readonly entries: readonly DecisionEntry[];
  readonly more: boolean;
}

const LIST_FIELDS = ['provider', 'issuedAt', 'since', 'entries', 'more'];
const ENTRY_FIELDS = ['seq', 'reportId', 'decision'];
const ENTRY_OPTIONAL = ['reason', 'hold'];

/** The plain form of an entry (msgpack payload, sidecar API and webhook body alike): absent optionals are left out. */
export function decisionEntryFields(entry: DecisionEntry): Record<string, unknown> {
  return {
    seq: entry.seq,
    reportId: entry.reportId,
    decision: entry.decision,
    ...(entry.reason === undefined ? {} : { reason: entry.reason }),
    ...(entry.hold === undefined ? {} : { hold: { until: entry.hold.until } }),
  };
}

export function encodeDecisionList(list: DecisionList): Uint8Array {
  return encodeMsgpack({ provider: list.provider, issuedAt: list.issuedAt, since: list.since, entries: list.entries.map(decisionEntryFields), more: list.more });
}

/** Decodes a decisions payload whose envelope has already been verified. */
export function decodeDecisionList(payload: Uint8Array, maxBytes = MAX_DECISION_LIST_BYTES): DecisionList {
  return parseDecisionList(decodeMsgpack(payload, maxBytes));
}

export function parseDecisionList(value: unknown): DecisionList {
  const f = exactRecord(value, 'decision list', LIST_FIELDS);
  const since = uint(f.since, 'decisions.since', Number.MAX_SAFE_INTEGER);
  if (typeof f.more !== 'boolean') throw new WireError('WIRE_BAD_FIELD', 'decisions.more must be a boolean');
  const entries = array(f.entries, 'decisions.entries', MAX_DECISIONS_PER_LIST).map((e, i) => parseDecisionEntry(e, `decisions.entries[${i}]`));
  let previous = since;
  entries.forEach((entry, i) => {
    // Oldest first, each after `since`: the sidecar's cursor only moves forward.
    if (entry.seq <= previous) throw new WireError('WIRE_BAD_FIELD', `decisions.entries[${i}].seq must be above the since and the previous entry's seq`);
    previous = entry.seq;
  });
  return {
    provider: str(f.provider, 'decisions.provider', 64, PROVIDER_NAME_PATTERN),
    issuedAt: timestampMs(f.issuedAt, 'decisions.issuedAt'),
    since,
    entries,
    more: f.more,
  };
}

/** The guard for one entry (decoded msgpack, or a webhook body the platform parses as JSON). */
export function parseDecisionEntry(value: unknown, what = 'entry'): DecisionEntry {
  const f = exactRecord(value, what, ENTRY_FIELDS, ENTRY_OPTIONAL);
  const seq = uint(f.seq, `${what}.seq`, Number.MAX_SAFE_INTEGER);
  if (seq === 0) throw new WireError('WIRE_BAD_FIELD', `${what}.seq must be at least 1`);
  const reportId = str(f.reportId, `${what}.reportId`, 36, REPORT_ID_PATTERN);
  const hold = f.hold === undefined ? {} : { hold: parseHold(f.hold, `${what}.hold`) };
  if (f.decision === 'forwarded') {
    if (f.reason !== undefined) throw new WireError('WIRE_BAD_FIELD', `${what}.reason goes with an unfounded decision only`);
    return { seq, reportId, decision: 'forwarded', ...hold };
  }
  if (f.decision !== 'unfounded') throw new WireError('WIRE_BAD_FIELD', `${what}.decision must be 'forwarded' or 'unfounded'`);
  const reason = DECISION_REASONS.find((r) => r === f.reason);
  if (reason === undefined) throw new WireError('WIRE_BAD_FIELD', `${what}.reason must be one of ${DECISION_REASONS.join(', ')}`);
  return { seq, reportId, decision: 'unfounded', reason, ...hold };
}

function parseHold(value: unknown, what: string): { until: number } {
  const f = exactRecord(value, what, ['until']);
  return { until: timestampMs(f.until, `${what}.until`) };
}
