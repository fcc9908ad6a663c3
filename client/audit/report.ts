import type { AuditResult } from './audit.ts';

const MAX_VIOLATION_LINES = 200;

/** The Markdown report `hashfeed audit` prints: the figures, then every violation (the JSON has them all). */
export function formatAuditReport(result: AuditResult): string {
  const lines: string[] = [];
  lines.push(`# Audit of ${result.feed} at ${result.auditedAt}`, '');
  lines.push(`Result: **${result.clean ? 'clean' : `${result.violations.length + result.violationsNotListed} violation(s)`}**`, '');
  lines.push(`- Centre: ${result.centre}${result.mirror === null ? '' : ` (feed objects from the mirror ${result.mirror})`}`);
  lines.push(`- Log: ${result.checkpoint.size} leaves, root ${result.checkpoint.rootHash}${result.checkpoint.previousSize === null ? ' (first audit)' : `, consistent with the ${result.checkpoint.previousSize} leaves of the previous audit unless reported below`}`);
  lines.push(`- Versions: ${result.versions.replayedTo} of ${result.versions.latest} replayed, ${result.versions.indicators} indicators active, ${result.versions.epochs} epoch(s)`);
  lines.push(`- Root versions (key changes): ${result.keyChanges.map((r) => `${r.version} (${r.issuedAt})`).join(', ')}`);
  lines.push(`- Witnesses cosigning today's checkpoint: ${result.witnesses.cosigned.join(', ') || 'none'}${result.witnesses.missing.length > 0 ? `; not cosigned: ${result.witnesses.missing.join(', ')}` : ''}${result.witnesses.otherSigners.length > 0 ? `; other signers: ${result.witnesses.otherSigners.join(', ')}` : ''}`);
  lines.push(`- Orders: ${result.orders.orders} (${result.orders.endedEarly} ended early); reports: ${result.orders.reports} (${result.orders.purgedReports} purged)`);
  lines.push(`- Suspensions (removals with reason SUSPENDED): ${result.suspensions.count}`, '');
  lines.push('## History by month', '', '| Month | Versions | Additions | Tombstones | Additions by category | Tombstones by reason |', '|---|---|---|---|---|---|');
  for (const [month, stats] of Object.entries(result.months).sort(([a], [b]) => (a < b ? -1 : 1))) {
    lines.push(`| ${month} | ${stats.versions} | ${stats.additions} | ${stats.tombstones} | ${counts(stats.additionsByCategory)} | ${counts(stats.tombstonesByReason)} |`);
  }
  lines.push('', `_${result.authorities}_`, '');
  if (!result.clean) {
    lines.push('## Violations', '', '| Code | Concerns | Finding |', '|---|---|---|');
    for (const v of result.violations.slice(0, MAX_VIOLATION_LINES)) {
      const concerns = v.version !== undefined ? `version ${v.version}` : v.reportId !== undefined ? `report ${v.reportId}` : v.orderId !== undefined ? `order ${v.orderId}` : 'log';
      lines.push(`| ${v.code} | ${cell(concerns)} | ${cell(v.message)} |`);
    }
    const more = result.violations.length - MAX_VIOLATION_LINES + result.violationsNotListed;
    if (more > 0) lines.push('', `… and ${more} more (see audit.json).`);
    lines.push('');
  }
  return lines.join('\n');
}

/** A table cell of text the Centre may have chosen (a report id, a leaf kind): one line, its bars escaped. */
function cell(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').replaceAll('|', '\\|');
}

function counts(record: Readonly<Record<string, number>>): string {
  return Object.entries(record).map(([k, n]) => `${k} ${n}`).join(', ') || '-';
}
