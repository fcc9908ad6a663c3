/**
 * The reports `npm run load:centre` files: real signed report envelopes, each
 * with a fresh id (the Centre answers a resend as a duplicate), prepared
 * before the timed phase so that signing is not in the Centre's figures;
 * and the check afterwards that the Centre holds exactly those accepted.
 */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { encodeEnvelope, signEnvelope } from '../../shared/crypto/index.ts';
import { encodeReport, parseReport, REPORT_PAYLOAD_TYPE } from '../../shared/wire/report.ts';
import type { LoadedCentre } from './setup.ts';

export interface PreparedReport {
  readonly reportId: string;
  readonly token: string;
  readonly envelope: Uint8Array;
}

/** `count` reports, round-robin over the providers, each citing one indicator of the feed under the provider's order. */
export function prepareReports(centre: LoadedCentre, count: number, now: number): PreparedReport[] {
  return Array.from({ length: count }, (_, i) => {
    const provider = centre.providers[i % centre.providers.length];
    const indicatorId = centre.indicatorIds[i % centre.indicatorIds.length];
    if (provider === undefined || indicatorId === undefined) throw new Error('no provider or indicator to report');
    const report = parseReport({
      reportId: randomUUID(),
      provider: provider.name,
      orderId: provider.orderId,
      indicatorIds: [indicatorId],
      algorithm: 'pdq',
      distance: i % 32,
      surface: centre.surface,
      subject: centre.subject,
      detectedAt: now - (i % 1000),
      preview: null,
      sidecarVersion: 'load-centre',
      replicaVersion: centre.feed.latestVersion,
      stale: false,
    });
    return { reportId: report.reportId, token: provider.token, envelope: encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, encodeReport(report), [provider.reportKey])) };
  });
}

export interface HeldReports {
  /** Rows in the Centre's reports table. */
  readonly held: number;
  /** Distinct report ids among them. */
  readonly distinctIds: number;
  /** Rows that are reports this run prepared, and rows that are not. */
  readonly heldPrepared: number;
  readonly heldUnknown: number;
}

/** What the Centre's database holds, read from the file (read-only) as an auditor of the run would. */
export function heldReports(databaseFile: string, prepared: readonly PreparedReport[]): HeldReports {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const ids = db.prepare<[], { report_id: string }>('SELECT report_id FROM reports').all().map((r) => r.report_id);
    const mine = new Set(prepared.map((r) => r.reportId));
    const found = ids.filter((id) => mine.has(id)).length;
    return { held: ids.length, distinctIds: new Set(ids).size, heldPrepared: found, heldUnknown: ids.length - found };
  } finally {
    db.close();
  }
}
