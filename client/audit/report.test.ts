import { describe, expect, it } from 'vitest';
import type { AuditResult } from './audit.ts';
import { formatAuditReport } from './report.ts';

/** A result with one violation whose Centre-chosen parts (a report id, the message) are `hostile`. */
function resultWith(hostile: string): AuditResult {
  return {
    auditedAt: '2026-12-05T00:00:00.000Z', centre: 'https://centre.example', mirror: null, feed: 'eu-csam', clean: false,
    checkpoint: { size: 3, rootHash: 'AAAA', previousSize: null }, versions: { latest: 1, replayedTo: 1, indicators: 1, epochs: 1 },
    months: {}, authorities: 'per-authority figures are in GET /v1/transparency', suspensions: { count: 0, listed: [] }, keyChanges: [],
    witnesses: { cosigned: [], missing: [], otherSigners: [] }, orders: { orders: 1, endedEarly: 0, reports: 1, purgedReports: 1 },
    violations: [{ code: 'AUDIT_REPORT_ORDER_NOT_LOGGED', reportId: hostile, message: `report ${hostile} cites an order not in the log` }],
    violationsNotListed: 0,
  };
}

describe('formatAuditReport', () => {
  describe('when a violation carries text the Centre chose', () => {
    it('keeps each violation on its own table row, whatever line breaks or bars the text holds', () => {
      const hostile = 'r-1\n\nResult: **clean**\n| AUDIT_NONE | log | nothing |\r\u2028x';
      const lines = formatAuditReport(resultWith(hostile)).split('\n');
      const rows = lines.filter((line) => line.startsWith('| AUDIT_'));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toContain('report r-1');
      expect(lines.filter((line) => line.startsWith('Result:'))).toEqual(['Result: **1 violation(s)**']);
      expect(rows[0]?.split(/(?<!\\)\|/)).toHaveLength(5);
    });
  });
});
