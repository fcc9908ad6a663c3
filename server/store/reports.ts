import type { Report } from '../../shared/wire/report.ts';
import type { Db } from './database.ts';

export interface StoredReport {
  readonly report: Report;
  readonly receivedAt: number;
  /** The provider verifier key whose signature was checked on receipt. */
  readonly signedBy: string;
  /**
   * When retention purged its envelope, preview and subject (server/review/retention.ts);
   * then `report.subject` is '' and `report.preview` null. Null while kept.
   */
  readonly purgedAt: number | null;
}

export interface ReportQuery {
  readonly afterId: number;
  readonly limit: number;
  readonly provider?: string | undefined;
  readonly orderId?: string | undefined;
}

type ReportRow = {
  id: number;
  report_id: string;
  provider: string;
  order_id: string;
  indicator_ids: string;
  algorithm: string;
  distance: number;
  surface: string;
  subject: string;
  detected_at: number;
  preview: string | null;
  sidecar_version: string;
  replica_version: number;
  stale: number;
  payload_sha256: Buffer;
  signed_by: string;
  received_at: number;
  purged_at: number | null;
};

const COLUMNS = `r.id, r.report_id, a.name AS provider, r.order_id, r.indicator_ids, r.algorithm, r.distance, r.surface, r.subject,
  r.detected_at, r.preview, r.sidecar_version, r.replica_version, r.stale, r.payload_sha256, r.signed_by, r.received_at, r.purged_at`;

/**
 * Reports as received: the decoded fields for listing and review, and the
 * exact signed envelope as evidence (a trigger refuses any update but the
 * one purge retention makes). One row per reportId: the sender's
 * idempotency key, kept after the purge with the payload's SHA-256, so
 * that a late resend is still recognised.
 */
export class ReportStore {
  readonly #insert;
  readonly #byReportId;
  readonly #page;
  readonly #envelope;

  constructor(db: Db) {
    this.#insert = db.prepare(
      `INSERT INTO reports (report_id, provider_id, order_id, indicator_ids, algorithm, distance, surface, subject, detected_at, preview,
         sidecar_version, replica_version, stale, payload_sha256, envelope, signed_by, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#byReportId = db.prepare<[string], ReportRow>(`SELECT ${COLUMNS} FROM reports r JOIN accounts a ON a.id = r.provider_id WHERE r.report_id = ?`);
    this.#page = db.prepare<[number, string | null, string | null, string | null, string | null, number], ReportRow>(
      `SELECT ${COLUMNS} FROM reports r JOIN accounts a ON a.id = r.provider_id
       WHERE r.id > ? AND (? IS NULL OR a.name = ?) AND (? IS NULL OR r.order_id = ?) ORDER BY r.id LIMIT ?`,
    );
    this.#envelope = db.prepare<[string], { envelope: Buffer }>('SELECT envelope FROM reports WHERE report_id = ?');
  }

  /** What is stored under `reportId`, with the SHA-256 of its signed payload (to tell a resend from a conflict). */
  find(reportId: string): { stored: StoredReport; payloadSha256: Uint8Array } | undefined {
    const row = this.#byReportId.get(reportId);
    return row === undefined ? undefined : { stored: toStored(row), payloadSha256: new Uint8Array(row.payload_sha256) };
  }

  /** Call inside a write transaction, after find() said the id is new. */
  insert(report: Report, providerId: number, envelope: Uint8Array, payloadSha256: Uint8Array, signedBy: string, now: number): StoredReport {
    this.#insert.run(
      report.reportId,
      providerId,
      report.orderId,
      JSON.stringify(report.indicatorIds),
      report.algorithm,
      report.distance,
      report.surface,
      report.subject,
      report.detectedAt,
      report.preview,
      report.sidecarVersion,
      report.replicaVersion,
      report.stale ? 1 : 0,
      payloadSha256,
      envelope,
      signedBy,
      now,
    );
    return { report, receivedAt: now, signedBy, purgedAt: null };
  }

  page(query: ReportQuery): { reports: StoredReport[]; last: number | undefined } {
    const provider = query.provider ?? null;
    const orderId = query.orderId ?? null;
    const rows = this.#page.all(query.afterId, provider, provider, orderId, orderId, query.limit);
    return { reports: rows.map(toStored), last: rows[rows.length - 1]?.id };
  }

  /** The exact envelope the provider signed (evidence for review); undefined once purged. */
  envelope(reportId: string): Uint8Array | undefined {
    const row = this.#envelope.get(reportId);
    return row === undefined || row.envelope.byteLength === 0 ? undefined : new Uint8Array(row.envelope);
  }
}

function toStored(row: ReportRow): StoredReport {
  const ids: unknown = JSON.parse(row.indicator_ids);
  return {
    report: {
      reportId: row.report_id,
      provider: row.provider,
      orderId: row.order_id,
      indicatorIds: Array.isArray(ids) ? ids.filter((id): id is number => typeof id === 'number') : [],
      algorithm: row.algorithm,
      distance: row.distance,
      surface: row.surface,
      subject: row.subject,
      detectedAt: row.detected_at,
      preview: row.preview,
      sidecarVersion: row.sidecar_version,
      replicaVersion: row.replica_version,
      stale: row.stale === 1,
    },
    receivedAt: row.received_at,
    signedBy: row.signed_by,
    purgedAt: row.purged_at,
  };
}
