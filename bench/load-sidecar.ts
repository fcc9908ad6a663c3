/**
 * npm run load:sidecar [-- --seconds S] [--concurrency 1,4,16,64]
 *                      [--large-seconds S] [--animation-seconds S]
 *                      [--scan-threads N] [--out FILE]
 *
 * The sidecar's scan throughput and latency under load, on loopback: a
 * Centre and a sidecar, each its own `hashfeed` process (bench/sidecar-stack.ts),
 * then autocannon posting one 1600x1004 JPEG (a synthetic photograph that
 * matches nothing in the feed) to POST /v1/scan at each concurrency for S
 * seconds (default 15), the sidecar's CPU and RSS sampled throughout. The
 * baseline is the CLI's own one-core PDQ rate on the same file, measured in
 * the same run before and after (bench/load/cli-rate.ts). A last phase posts
 * a 100-megapixel PNG at concurrency 16 for --large-seconds (default 10; 0
 * skips it) to show memory stays bounded when images are large; before it,
 * an animated GIF (16 frames of 640x480) at concurrency 8 for
 * --animation-seconds, the work the scan worker threads take off the event
 * loop (--scan-threads 0 runs it on the main thread, to compare).
 *
 * Writes JSON (default bench/results/load-sidecar.json) and a plot beside it;
 * prints the table and the targets (bench/load/sidecar-targets.ts); exits 1
 * on errors, timeouts or answers other than 2xx and 503, or a peak RSS over
 * the documented bound.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { syntheticPhotoJpeg } from '../fixtures/synthetic-photo.ts';
import { repoRoot } from '../shared/testing/vectors.ts';
import { printTable } from './harness.ts';
import { cliPdqRate } from './load/cli-rate.ts';
import { runPhase, type PhaseResult } from './load/phase.ts';
import { plotSidecarLoad } from './load/sidecar-plot.ts';
import { checkMemory, checkTargets, phaseRows } from './load/sidecar-targets.ts';
import { field, STACK_SCAN_QUERY, startSidecarStack } from './sidecar-stack.ts';
import type { SoakChild } from './soak/child.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '1,4,16,64' },
    'large-seconds': { type: 'string', default: '10' },
    'animation-seconds': { type: 'string', default: '10' },
    'scan-threads': { type: 'string' },
    out: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const largeSeconds = Number(values['large-seconds']);
const animationSeconds = Number(values['animation-seconds']);
const scanThreads = values['scan-threads'] === undefined ? undefined : Number(values['scan-threads']);
if (!(animationSeconds >= 0 && animationSeconds <= 600)) throw new Error('--animation-seconds must be from 0 to 600');
if (scanThreads !== undefined && !(Number.isInteger(scanThreads) && scanThreads >= 0 && scanThreads <= 64)) throw new Error('--scan-threads must be a whole number from 0 to 64');
const concurrencies = values.concurrency.split(',').map(Number);
if (!(seconds >= 1 && seconds <= 600)) throw new Error('--seconds must be from 1 to 600');
if (!(largeSeconds >= 0 && largeSeconds <= 600)) throw new Error('--large-seconds must be from 0 to 600');
if (!concurrencies.every((c) => Number.isInteger(c) && c >= 1 && c <= 1024)) throw new Error('--concurrency takes whole numbers from 1 to 1024, comma-separated');
const outFile = resolve(values.out ?? join(repoRoot, 'bench', 'results', 'load-sidecar.json'));

const root = mkdtempSync(join(tmpdir(), 'hf-load-sidecar-'));
const children: SoakChild[] = [];

async function main(): Promise<number> {
  const machine = { cpus: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', node: process.version, loadAverageAtStart: loadavg() };
  const image = await syntheticPhotoJpeg({ width: 1600, height: 1004, seed: 4242, quality: 90 });
  process.stderr.write(`load:sidecar: ${machine.cpus} cores, load average ${machine.loadAverageAtStart.map((l) => l.toFixed(2)).join(' ')}; CLI baseline first\n`);
  const cliBefore = cliPdqRate(image);

  // A feed of random PDQ hashes: the scanned photograph matches none of them, as most uploads match nothing.
  const rows = Array.from({ length: 200 }, (_, i) => ({ algorithm: 'pdq', hash: randomBytes(32).toString('hex'), category: 'A1', reference: `LOAD-${i}` }));
  const stack = await startSidecarStack({ root, rows, syncEverySeconds: 30, orderMinutes: 60, children, ...(scanThreads === undefined ? {} : { sidecarConfig: { scanThreads } }) });
  const pid = stack.sidecar.process.pid;
  if (pid === undefined) throw new Error('the sidecar has no pid');
  const url = `${stack.local}/v1/scan?${STACK_SCAN_QUERY}`;
  const headers = { authorization: `Bearer ${stack.localToken}`, 'content-type': 'application/octet-stream' };
  const first = await fetch(url, { method: 'POST', headers, body: image });
  const answer: unknown = await first.json();
  const matches = field(answer, 'matches');
  if (first.status !== 200 || !Array.isArray(matches) || matches.length !== 0) throw new Error(`the first scan did not come back clean: ${first.status} ${JSON.stringify(answer)}`);

  const phase = (connections: number, body: Buffer, phaseSeconds: number): Promise<PhaseResult> =>
    runPhase({ url, method: 'POST', headers, body, connections, seconds: phaseSeconds, pid, sample: () => stack.sidecar.sample() });
  process.stderr.write(`load:sidecar: CLI ${cliBefore.perSecond.toFixed(1)} images/s on one core; warming up\n`);
  await phase(4, image, 3);
  const phases: PhaseResult[] = [];
  for (const connections of concurrencies) {
    process.stderr.write(`load:sidecar: concurrency ${connections}, ${seconds} s\n`);
    phases.push(await phase(connections, image, seconds));
  }
  let animation: PhaseResult | undefined;
  if (animationSeconds > 0) {
    const gif = await animatedGif();
    process.stderr.write(`load:sidecar: animated GIF, 16 frames of 640x480 (${(gif.length / 1024).toFixed(0)} KB) at concurrency 8, ${animationSeconds} s\n`);
    animation = await phase(8, gif, animationSeconds);
  }
  let large: PhaseResult | undefined;
  if (largeSeconds > 0) {
    const png = await largePng();
    process.stderr.write(`load:sidecar: 100-megapixel PNG (${(png.length / 1024 / 1024).toFixed(1)} MB) at concurrency 16, ${largeSeconds} s\n`);
    large = await phase(16, png, largeSeconds);
  }
  const cliAfter = cliPdqRate(image);
  // The higher of the two: other work on the machine only ever slows a run, so it is the nearer the true rate, and the harder target.
  const cliPerSecond = Math.max(cliBefore.perSecond, cliAfter.perSecond);
  const health: unknown = await (await fetch(`${stack.local}/healthz`)).json();

  const checks = [...checkTargets(phases, cliPerSecond), checkMemory([...phases, ...[animation, large].filter((p) => p !== undefined)])];
  const result = {
    command: `npm run load:sidecar -- --seconds ${seconds} --concurrency ${concurrencies.join(',')} --large-seconds ${largeSeconds}`,
    machine,
    image: { kind: 'synthetic photograph, JPEG q90, baseline', width: 1600, height: 1004, bytes: image.length },
    cli: { before: cliBefore, after: cliAfter, perSecond: cliPerSecond },
    phases,
    ...(animation === undefined ? {} : { animation }),
    ...(large === undefined ? {} : { large }),
    checks,
    sidecarHealthAtEnd: health,
  };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  const plot = await plotSidecarLoad(phases, cliPerSecond, `hashfeed sidecar: POST /v1/scan, 1600x1004 JPEG, ${machine.cpus} cores (${machine.model})`, outFile.replace(/\.json$/, ''));

  console.log(`CLI one-core PDQ rate: ${cliBefore.perSecond.toFixed(1)} before, ${cliAfter.perSecond.toFixed(1)} after (images/s)`);
  printTable(phaseRows(phases, cliPerSecond));
  if (animation !== undefined) {
    console.log('\nanimated GIF (16 frames of 640x480), concurrency 8:');
    printTable(phaseRows([animation], cliPerSecond));
  }
  if (large !== undefined) {
    console.log('\n100-megapixel PNG, concurrency 16:');
    printTable(phaseRows([large], cliPerSecond));
  }
  console.log('');
  printTable(checks.map((c) => ({ target: c.says, observed: c.observed === null ? '-' : c.observed.toFixed(2), limit: c.limit, held: c.held ? 'yes' : 'NO' })));
  console.log(`\nresults: ${outFile}\nplot: ${plot.png} (and .svg)`);
  const extra = [animation, large].filter((p) => p !== undefined);
  const errorCheck = (of: readonly PhaseResult[]) => checkTargets(of, cliPerSecond).at(-1)?.held === false;
  const failed = errorCheck(phases) || errorCheck(extra) || checks.at(-1)?.held === false;
  return failed ? 1 : 0;
}

/** A 10000x10000 PNG of smooth synthetic gradients: small on the wire, 100 megapixels to decode. */
async function largePng(): Promise<Buffer> {
  const side = 10_000;
  const tile = await syntheticPhotoJpeg({ width: 500, height: 500, seed: 77, quality: 90 });
  return sharp(tile).resize(side, side, { kernel: 'linear' }).png({ compressionLevel: 6 }).toBuffer();
}

/** 16 frames of 640x480 synthetic photographs as one animated GIF: every frame is decoded and hashed at full size. */
async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(Array.from({ length: 16 }, (_, i) => syntheticPhotoJpeg({ width: 640, height: 480, seed: 500 + i, quality: 90 })));
  return sharp(frames, { join: { animated: true } }).gif({ loop: 0 }).toBuffer();
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  process.stderr.write(`load:sidecar failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  await Promise.allSettled(children.map((child) => child.stop()));
  rmSync(root, { recursive: true, force: true });
}
process.exit(exitCode);
