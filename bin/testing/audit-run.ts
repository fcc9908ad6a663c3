import { randomUUID } from 'node:crypto';
import { runAudit, type AuditResult } from '../../client/audit/index.ts';
import type { Centre } from '../../server/centre.ts';
import { encodeEnvelope, generateSigningKey, signEnvelope } from '../../shared/crypto/index.ts';
import { encodeReport, REPORT_PAYLOAD_TYPE, type Report } from '../../shared/wire/report.ts';

export const AUDITED_CENTRE = 'http://centre.test';

/** What a lying Centre changes in a JSON answer before the auditor sees it: given the request's path, the decoded body. */
export type AnswerRewrite = (path: string, body: unknown) => unknown;

interface AuditedApp {
  readonly app: { request: (url: string, init: RequestInit) => Response | Promise<Response> };
  readonly clock: { now: number };
}

/**
 * The audit against a real Centre in process: its app answers the audit's
 * HTTP requests, each JSON answer passed through `rewrite` when given (a
 * Centre that lies over HTTP about what its database holds).
 */
export function auditCentre(t: AuditedApp, token: string, stateDir: string, pin?: string, rewrite?: AnswerRewrite): Promise<AuditResult> {
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const res = await t.app.request(url, init);
    if (rewrite === undefined || res.status !== 200 || res.headers.get('content-type')?.startsWith('application/json') !== true) return res;
    const path = new URL(url).pathname;
    return Response.json(rewrite(path, await res.json()), { status: 200 });
  };
  return runAudit({ centre: AUDITED_CENTRE, token, stateDir, pin: pin === undefined ? undefined : [pin], now: t.clock.now, fetch });
}

export const violationCodes = (result: AuditResult): string[] => [...new Set(result.violations.map((v) => v.code))].sort();

/** A report signed by a key the planted row names, inserted as an attacker-Centre would, past the API's checks. */
export function plantReport(centre: Centre, overrides: Partial<Report>): string {
  const key = generateSigningKey('hashfeed/provider/example-host');
  const report: Report = {
    reportId: randomUUID(), provider: 'example-host', orderId: 'DE-2026-0001', indicatorIds: [1], algorithm: 'pdq', distance: 4, surface: 'public-posts',
    subject: 'user:u-1', detectedAt: Date.UTC(2026, 10, 1), preview: null, sidecarVersion: '0.1.0', replicaVersion: 1, stale: false, ...overrides,
  };
  const envelope = encodeEnvelope(signEnvelope(REPORT_PAYLOAD_TYPE, encodeReport(report), [key]));
  const provider = centre.db.prepare<[], { id: number }>("SELECT id FROM accounts WHERE name = 'example-host'").get()?.id;
  centre.db.pragma('foreign_keys = OFF');
  centre.db
    .prepare(
      `INSERT INTO reports (report_id, provider_id, order_id, indicator_ids, algorithm, distance, surface, subject, detected_at, preview,
         sidecar_version, replica_version, stale, payload_sha256, envelope, signed_by, received_at) VALUES (?, ?, ?, '[1]', 'pdq', 4, ?, ?, ?, NULL, '0.1.0', 1, 0, zeroblob(32), ?, ?, ?)`,
    )
    .run(report.reportId, provider, report.orderId, report.surface, report.subject, report.detectedAt, envelope, key.verifier.text, report.detectedAt);
  return report.reportId;
}
