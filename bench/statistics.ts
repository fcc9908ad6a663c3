/**
 * npm run bench:statistics [-- --reports N] [-- --keep]: how long the Centre takes to
 * render its public statistics (GET /v1/transparency, `centre report`) when
 * it holds N reports (default 100,000) spread over the last twelve months,
 * 90% of them decided (60% forwarded to DE and Europol, 30% unfounded).
 *
 * A real Centre made by the CLI; the reports, bundles, decisions,
 * forwarding records and inbox items are written straight into its SQLite
 * file in one transaction (through the API this would take hours), with the
 * columns the review desk writes. Then the Centre is served as an operator
 * runs it, and timed: the first read ever (every month counted and
 * stored), a read of the cached body, the first read of a new process (the
 * ended months read back, the month under way counted: what a read costs
 * once a minute while reports arrive), and the annual report with charts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { repoRoot } from '../shared/testing/vectors.ts';
import { printTable, writeResults } from './harness.ts';

const { values } = parseArgs({ options: { reports: { type: 'string', default: '100000' }, keep: { type: 'boolean', default: false } } });
const reports = Number(values.reports);
const cli = join(repoRoot, 'bin', 'hashfeed.ts');
const tsx = ['--import', 'tsx'];
const DAY = 86_400_000;

function hashfeed(...args: string[]): string {
  const r = spawnSync(process.execPath, [...tsx, cli, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`hashfeed ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** Reports, one bundle each; decisions at 0 to 48 hours; forwarded ones delivered to the DE authority and Europol. */
function seed(dataDir: string, count: number, now: number): void {
  const db = new Database(join(dataDir, 'centre.db'));
  try {
    const id = (name: string): number => {
      const row: unknown = db.prepare('SELECT id FROM accounts WHERE name = ?').get(name);
      if (typeof row !== 'object' || row === null || !('id' in row) || typeof row.id !== 'number') throw new Error(`no account ${name}`);
      return row.id;
    };
    const params = { count, start: now - 365 * DAY, step: Math.floor((365 * DAY) / count), provider: id('bench-host'), de: id('DE-BKA'), europol: id('europol') };
    const numbers = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @count)';
    const decided = `${numbers}, d AS (SELECT i, @start + i * @step AS received, @start + i * @step + ((i * 7919) % 2880) * 60000 AS at,
      CASE WHEN i % 10 < 6 THEN 'forwarded' ELSE 'unfounded' END AS decision FROM n WHERE i % 10 <> 9 AND @start + i * @step + ((i * 7919) % 2880) * 60000 < ${now})`;
    db.transaction(() => {
      db.prepare(
        `INSERT INTO orders (order_id, provider_id, issuing_authority, legal_reference, surfaces, targets, not_before, not_after, created_at, created_by, member_state)
         VALUES ('BENCH-1', @provider, 'court', 'ref', '["public-posts"]', '{}', @start - 1, ${now + 365 * DAY}, @start - 1, 'bench', 'DE')`,
      ).run({ provider: params.provider, start: params.start });
      db.prepare(
        `${numbers} INSERT INTO reports (id, report_id, provider_id, order_id, indicator_ids, algorithm, distance, surface, subject, detected_at, sidecar_version,
           replica_version, stale, payload_sha256, envelope, signed_by, received_at)
         SELECT i, 'r-' || i, @provider, 'BENCH-1', '[1]', 'pdq', 4, 'public-posts', 'user:u-' || (i % 1000), @start + i * @step, '0.1.0', 1, 0, x'00', x'00', 'k', @start + i * @step FROM n`,
      ).run({ count, provider: params.provider, start: params.start, step: params.step });
      db.prepare(`${numbers} INSERT INTO review_bundles (id, provider_id, subject, opened_at, urgent, state) SELECT i, @provider, 'user:u-' || (i % 1000), @start + i * @step, 0, 'received' FROM n`).run({
        count,
        provider: params.provider,
        start: params.start,
        step: params.step,
      });
      db.prepare(`${numbers} INSERT INTO report_reviews (report_id, bundle_id) SELECT 'r-' || i, i FROM n`).run({ count });
      const p = { count, start: params.start, step: params.step };
      db.prepare(
        `${decided} INSERT INTO review_decisions (id, bundle_id, decision, reason, comment, decided_by, decided_at)
         SELECT i, i, decision, CASE decision WHEN 'unfounded' THEN 'preview_mismatch' END, NULL, 'reviewer-' || (i % 20), at FROM d`,
      ).run(p);
      db.prepare(
        `UPDATE review_bundles SET (state, decided_by, decided_at, reason) = (SELECT decision, decided_by, decided_at, reason FROM review_decisions WHERE id = review_bundles.id)
         WHERE id IN (SELECT id FROM review_decisions)`,
      ).run();
      db.prepare(`${decided} INSERT INTO forwarding_records (id, report_id, decision_id, decision, decided_at, envelope) SELECT i, 'r-' || i, i, decision, at, x'00' FROM d WHERE decision = 'forwarded'`).run(p);
      for (const account of [params.de, params.europol]) {
        db.prepare('INSERT INTO inbox_items (account_id, report_id, record_id, delivered_at) SELECT ?, report_id, id, decided_at FROM forwarding_records').run(account);
      }
    })();
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hf-bench-statistics-'));
  const outDir = mkdtempSync(join(tmpdir(), 'hf-bench-report-'));
  let server: ReturnType<typeof spawn> | undefined;
  try {
    hashfeed('centre', 'init', '--data', dataDir);
    hashfeed('centre', 'token', 'create', '--data', dataDir, '--role', 'authority', '--name', 'DE-BKA', '--member-state', 'DE');
    hashfeed('centre', 'token', 'create', '--data', dataDir, '--role', 'europol', '--name', 'europol');
    hashfeed('centre', 'token', 'create', '--data', dataDir, '--role', 'provider', '--name', 'bench-host');
    let t0 = performance.now();
    seed(dataDir, reports, Date.now());
    const seedMs = performance.now() - t0;

    const serve = async (): Promise<{ url: string; stop: () => Promise<void> }> => {
      const started = spawn(process.execPath, [...tsx, cli, 'centre', 'serve', '--data', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
      server = started;
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        started.stdout?.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /\{"url":"([^"]+)"\}/.exec(out);
          if (match?.[1] !== undefined) resolve(match[1]);
        });
        started.once('exit', () => reject(new Error('centre exited')));
      });
      const stop = async (): Promise<void> => {
        const exited = new Promise((resolve) => started.once('exit', resolve));
        started.kill('SIGTERM');
        await exited;
        server = undefined;
      };
      return { url, stop };
    };
    const read = async (url: string): Promise<{ ms: number; bytes: number }> => {
      const start = performance.now();
      const res = await fetch(`${url}/v1/transparency`);
      const body = await res.text();
      if (!res.ok) throw new Error(`transparency: ${res.status} ${body.slice(0, 200)}`);
      return { ms: performance.now() - start, bytes: body.length };
    };
    const first = await serve();
    const cold = await read(first.url);
    const cached = await read(first.url);
    await first.stop();
    // A new process: the ended months are read back as stored, the month under way is counted, as once a minute while reports arrive.
    const second = await serve();
    const restarted = await read(second.url);
    await second.stop();

    t0 = performance.now();
    hashfeed('centre', 'report', '--data', dataDir, '--year', String(new Date().getUTCFullYear()), '--format', 'md', '--out', outDir);
    const reportMs = performance.now() - t0;

    const rows = [
      { step: `seed ${reports} reports (SQL)`, ms: Math.round(seedMs) },
      { step: 'GET /v1/transparency, first read ever (every month counted and stored)', ms: Math.round(cold.ms) },
      { step: 'GET /v1/transparency, cached', ms: Math.round(cached.ms) },
      { step: 'GET /v1/transparency, new process (stored months, month under way counted)', ms: Math.round(restarted.ms) },
      { step: 'centre report --format md (process, with charts)', ms: Math.round(reportMs) },
    ];
    printTable(rows);
    console.log(`response ${cold.bytes} bytes`);
    console.log(`results: ${writeResults('statistics', { reports, rows, bytes: cold.bytes })}`);
  } finally {
    server?.kill('SIGTERM');
    if (values.keep) console.log(`kept ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

await main();
