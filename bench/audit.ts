/**
 * npm run bench:audit [-- --rows N] [-- --versions V]: a real Centre process
 * (through the CLI, as an operator runs it) publishes N PDQ indicators in
 * one version and V - 1 small ones after it; then `hashfeed audit` runs as
 * its own process, as an auditor runs it, and the wall time of the whole
 * audit (root chain, log rebuilt, every version opened and its digest
 * recomputed, the snapshot compared) is measured. bench/ imports neither
 * client/ nor server/: both sides are the CLI.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createToken, HASHFEED_CLI, hashfeed, serveCentreProcess } from './centre-process.ts';
import { printTable, writeResults } from './harness.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, versions: { type: 'string', default: '20' } } });
const rows = Number(values.rows);
const versions = Math.max(1, Number(values.versions));


const csv = (n: number, offset: number): Buffer => {
  const lines = ['algorithm,hash,category,reference'];
  for (let i = 0; i < n; i++) lines.push(`pdq,${randomBytes(32).toString('hex')},${i % 7 === 0 ? 'B2' : 'A1'},case-${offset + i}`);
  return Buffer.from(lines.join('\n'));
};

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hf-bench-audit-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'hf-bench-audit-state-'));
  const init = hashfeed('centre', 'init', '--data', dataDir);
  const token = (role: string, name: string): string => createToken(dataDir, role, name);
  const authority = token('authority', 'DE-BKA');
  const operator = token('operator', 'op');
  const auditor = token('auditor', 'bench-auditor');
  const { url, server } = await serveCentreProcess(dataDir);
  try {
    const call = async (method: string, path: string, bearer: string, body?: Uint8Array, type?: string): Promise<Response> => {
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, ...(type ? { 'content-type': type } : {}) }, body });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
      return res;
    };
    const publish = async (n: number, offset: number): Promise<void> => {
      const { batchId } = (await (await call('POST', '/v1/indicators', authority, csv(n, offset), 'text/csv')).json()) as { batchId: number };
      await call('POST', `/v1/batches/${batchId}/approve`, operator);
      await call('POST', '/v1/publish', operator);
    };
    let t0 = performance.now();
    await publish(rows, 0);
    for (let v = 1; v < versions; v++) await publish(100, rows + v * 100);
    const setupMs = performance.now() - t0;

    t0 = performance.now();
    const audited = spawnSync(process.execPath, [...HASHFEED_CLI, 'audit', '--centre', url, '--token', auditor, '--state', stateDir, '--pin', String(init.rootVerifierKey), '--json'], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const auditMs = performance.now() - t0;
    if (audited.status !== 0) throw new Error(`hashfeed audit exited ${audited.status}: ${audited.stderr}${audited.stdout.slice(0, 2000)}`);
    const result: unknown = JSON.parse(audited.stdout);
    const replayed = typeof result === 'object' && result !== null ? Reflect.get(result, 'versions') : undefined;
    const figures = { rows, versions, setupS: Math.round(setupMs / 100) / 10, auditS: Math.round(auditMs / 100) / 10, replayed: JSON.stringify(replayed) };
    printTable([figures]);
    console.log(`hashfeed audit of ${rows} indicators in ${versions} versions: ${figures.auditS} s (target < 60 s)`);
    writeResults('audit', figures);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
}

await main();
