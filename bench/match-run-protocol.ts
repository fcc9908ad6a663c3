/** The line bench/match-run.ts prints last, and bench/match.ts reads: this prefix, then {"runs": [...], "notes": [...]}. */
export const RESULT_PREFIX = 'RESULT ';
