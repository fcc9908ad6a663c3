/**
 * Measures a real sidecar (the `hashfeed sidecar` CLI, in its own process,
 * synced from a loopback Centre) under the loads of issue 9:
 *
 * - `memory`: COUNT large PNGs (WIDTH x HEIGHT) sent at once to /v1/scan;
 *   prints the answers by status and the sidecar's peak RSS (VmHWM).
 * - `batch`: one /v1/scan/batch body of about BATCH_BYTES whose items are
 *   all refused by the policy (so nothing is decoded: the body's reading,
 *   parsing and item handling alone); prints the largest event-loop stall
 *   seen inside the sidecar (perf_hooks.monitorEventLoopDelay).
 *
 * Usage (figures in docs/SIDECAR.md):
 *   npx tsx bin/testing/measure-sidecar-limits.ts memory [COUNT=20] [WIDTH=10000] [HEIGHT=10000] [CHANNELS=3|4]
 *   npx tsx bin/testing/measure-sidecar-limits.ts batch [BATCH_BYTES=16777216]
 * Sidecar config keys can be set through the environment, e.g.
 *   HASHFEED_DECODE_BUDGET_PIXELS=1000000000000 (no budget, as before it existed).
 * MEASURE_NODE_FLAGS adds Node flags to the sidecar (e.g. `--cpu-prof`) and
 * MEASURE_ECHO=1 copies its stdout (e.g. `--trace-gc` lines) to stderr.
 * Traffic goes to 127.0.0.1 only; the sidecar and the Centre are stopped and
 * their folders removed at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { startLoopbackCentre, type LoopbackCentre } from './loopback-centre.ts';

const LOCAL_TOKEN = 'measure-local-token-0123456789';
const here = fileURLToPath(new URL('.', import.meta.url));

async function startSidecar(centre: LoopbackCentre, dir: string): Promise<{ proc: ChildProcess; url: string; stderr: string[] }> {
  const configFile = join(dir, 'sidecar.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      centre: centre.url,
      providerToken: centre.tokens.provider,
      provider: 'example-host',
      rootKey: centre.rootKey,
      dataDir: join(dir, 'data'),
      listen: '127.0.0.1:0',
      localToken: LOCAL_TOKEN,
      surfaces: [{ id: 'uploads', description: 'uploads', e2ee: false }],
    }),
  );
  const proc = spawn(process.execPath, [...(process.env.MEASURE_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), '--import', 'tsx', '--import', join(here, 'loop-delay-probe.ts'), join(here, '..', 'hashfeed.ts'), 'sidecar', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  proc.stderr?.on('data', (chunk: Buffer) => stderr.push(...chunk.toString('utf8').split('\n').filter((l) => l.startsWith('{"loopDelay'))));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (process.env.MEASURE_ECHO === '1') process.stderr.write(chunk);
      const found = /"listening":"([^"]+)"/.exec(out);
      if (found?.[1] !== undefined) resolve(found[1]);
    });
    proc.once('exit', (code) => reject(new Error(`the sidecar exited with ${String(code)}`)));
  });
  for (let tries = 0; tries < 100; tries++) {
    if ((await fetch(`${url}/healthz`)).status === 200) return { proc, url, stderr };
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the sidecar did not sync');
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
}

async function loopDelay(proc: ChildProcess, stderr: string[]): Promise<unknown> {
  const before = stderr.length;
  proc.kill('SIGUSR2');
  for (let tries = 0; tries < 50 && stderr.length === before; tries++) await new Promise((r) => setTimeout(r, 100));
  return JSON.parse(stderr[stderr.length - 1] ?? '{}');
}

async function measureMemory(url: string, proc: ChildProcess, stderr: string[], count: number, width: number, height: number, channels: 3 | 4): Promise<Record<string, unknown>> {
  const pid = proc.pid ?? 0;
  const png = await sharp({ create: { width, height, channels, background: { r: 106, g: 140, b: 175, alpha: 0.5 } } }).png().toBuffer();
  const baselineMiB = peakRssMiB(pid);
  await loopDelay(proc, stderr);
  const started = Date.now();
  const statuses = await Promise.all(
    Array.from({ length: count }, async () => {
      const res = await fetch(`${url}/v1/scan?surface=uploads&subject=user:alice`, { method: 'POST', headers: { authorization: `Bearer ${LOCAL_TOKEN}` }, body: png });
      await res.arrayBuffer();
      return res.status;
    }),
  );
  const byStatus: Record<string, number> = {};
  for (const s of statuses) byStatus[s] = (byStatus[s] ?? 0) + 1;
  return { images: count, megapixels: (width * height) / 1e6, channels, pngBytes: png.length, byStatus, seconds: (Date.now() - started) / 1000, baselineMiB, peakRssMiB: peakRssMiB(pid), loopDelay: await loopDelay(proc, stderr) };
}

async function measureBatch(url: string, proc: ChildProcess, stderr: string[], batchBytes: number): Promise<Record<string, unknown>> {
  // Items of 512 KiB of base64 for a subject no order targets: refused, never decoded.
  const image = randomBytes(384 * 1024).toString('base64');
  const items = Array.from({ length: Math.max(1, Math.floor(batchBytes / (image.length + 64))) }, () => ({ surface: 'uploads', subject: 'user:nobody', image }));
  const body = JSON.stringify({ items });
  await loopDelay(proc, stderr);
  // The same sidecar idle for a second: the stall that the machine's own load causes.
  await new Promise((r) => setTimeout(r, 1000));
  const idle = await loopDelay(proc, stderr);
  const started = Date.now();
  const res = await fetch(`${url}/v1/scan/batch`, { method: 'POST', headers: { authorization: `Bearer ${LOCAL_TOKEN}`, 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return { bodyBytes: body.length, items: items.length, status: res.status, seconds: (Date.now() - started) / 1000, duringBatch: await loopDelay(proc, stderr), idle };
}

async function main(argv: readonly string[]): Promise<void> {
  const [what = 'memory', ...rest] = argv;
  const dir = mkdtempSync(join(tmpdir(), 'hf-measure-'));
  const centre = await startLoopbackCentre();
  let sidecar: Awaited<ReturnType<typeof startSidecar>> | undefined;
  try {
    await centre.publish([{ algorithm: 'md5', hash: randomBytes(16).toString('hex') }]);
    const now = Date.now();
    const order = await fetch(`${centre.url}/v1/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${centre.tokens.operator}`, 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: 'MEASURE-1', issuingAuthority: 'DE-BKA', legalReference: 'measurement', provider: 'example-host', surfaces: ['uploads'], targets: { users: ['alice'], groups: [], channels: [] }, notBefore: now - 1000, notAfter: now + 3_600_000 }),
    });
    if (order.status !== 201) throw new Error(`order: ${order.status}`);
    sidecar = await startSidecar(centre, dir);
    const result =
      what === 'batch'
        ? await measureBatch(sidecar.url, sidecar.proc, sidecar.stderr, Number(rest[0] ?? 16 * 1024 * 1024))
        : await measureMemory(sidecar.url, sidecar.proc, sidecar.stderr, Number(rest[0] ?? 20), Number(rest[1] ?? 10_000), Number(rest[2] ?? 10_000), rest[3] === '4' ? 4 : 3);
    process.stdout.write(`${JSON.stringify({ what, budgetPixels: process.env.HASHFEED_DECODE_BUDGET_PIXELS ?? 'default', ...result })}\n`);
  } finally {
    sidecar?.proc.kill('SIGTERM');
    if (sidecar !== undefined) await new Promise((r) => sidecar?.proc.once('exit', r));
    await centre.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(centre.dataDir, { recursive: true, force: true });
  }
}

await main(process.argv.slice(2));
