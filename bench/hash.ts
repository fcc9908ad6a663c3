/**
 * Hashing throughput on one core: images per second end to end from file
 * bytes, split into decode and hash, for the `exact` and `fast` paths, on the
 * reference vector photos and on synthetic photographs generated here.
 *
 * One core means sharp.concurrency(1) (libvips threads per image) and a libuv
 * pool of 1 (UV_THREADPOOL_SIZE=1, which must be set before the pool starts:
 * the script re-executes itself with it when it is not already set).
 *
 * The C++ reference CLI's figures on this machine (from the issue, not
 * measured here) are printed beside ours; fast/exact ratios are measured in
 * this process.
 *
 *   npm run bench:hash [-- --quick]
 */
import { spawnSync } from 'node:child_process';

if (process.env.UV_THREADPOOL_SIZE !== '1') {
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
  });
  process.exit(child.status ?? 1);
}

const { readFileSync, readdirSync } = await import('node:fs');
const { join } = await import('node:path');
const { default: sharp } = await import('sharp');
const { printTable, time, writeResults } = await import('./harness.ts');
const { vectorsDir } = await import('../shared/testing/vectors.ts');
const { decodeImage, hashImage, hashPixels } = await import('../shared/hashing/index.ts');
const { syntheticPhotoJpeg } = await import('../fixtures/synthetic-photo.ts');

type DecodeMode = 'exact' | 'fast';

sharp.concurrency(1);
sharp.cache(false);

const quick = process.argv.includes('--quick');

interface ImageSet {
  readonly name: string;
  readonly images: readonly Uint8Array[];
  /** The C++ reference CLI, end to end, one core (from the issue). */
  readonly referencePerSecond?: number;
}

async function imageSets(): Promise<ImageSet[]> {
  const sets: ImageSet[] = [];
  const vectors = vectorsDir('pdq');
  if (vectors !== null) {
    const dih = join(vectors, 'pdq/data/reg-test-input/dih');
    const bridges = readdirSync(dih)
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .map((f) => readFileSync(join(dih, f)));
    sets.push({ name: 'bridge vectors 1600x1004 (7 of 8 progressive)', images: bridges, referencePerSecond: 31 });
  }
  const seeds = (n: number) => Array.from({ length: quick ? 1 : n }, (_, i) => 1000 + i);
  const generate = async (width: number, height: number, n: number, progressive = false) =>
    Promise.all(seeds(n).map((seed) => syntheticPhotoJpeg({ width, height, seed, quality: 90, progressive })));
  sets.push({ name: 'synthetic 256x256 JPEG', images: await generate(256, 256, 8), referencePerSecond: 650 });
  sets.push({ name: 'synthetic 1600x1004 JPEG, baseline', images: await generate(1600, 1004, 4) });
  sets.push({ name: 'synthetic 1600x1004 JPEG, progressive', images: await generate(1600, 1004, 4, true) });
  sets.push({ name: 'synthetic 4032x3024 JPEG, baseline', images: await generate(4032, 3024, 3), referencePerSecond: 7.7 });
  sets.push({ name: 'synthetic 4032x3024 JPEG, progressive', images: await generate(4032, 3024, 2, true) });
  return sets;
}

interface Measured {
  readonly timing: Awaited<ReturnType<typeof time>>;
  /** Operations per second of process CPU time (all threads: JavaScript and libvips' one worker). */
  readonly perCpuSecond: number;
}

/**
 * Times a loop by the wall clock (the harness) and by process CPU time: on
 * this shared machine other jobs stretch the wall clock, while CPU time per
 * image is the work itself (one core: libvips runs on the one libuv thread
 * while JavaScript waits for it).
 */
async function measure(loop: () => unknown, options: Parameters<typeof time>[1] & { warmup: number }): Promise<Measured> {
  const before = process.cpuUsage();
  const timing = await time(loop, options);
  const used = process.cpuUsage(before);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { timing, perCpuSecond: (timing.iterations + options.warmup) / cpuSeconds };
}

/** A hot loop that takes the images in turn: one call, one image. */
function roundRobin<T>(items: readonly T[], step: (item: T) => unknown): () => unknown {
  let i = 0;
  return () => {
    const item = items[i++ % items.length];
    if (item === undefined) throw new Error('empty image set');
    return step(item);
  };
}

const row = (set: ImageSet, mode: DecodeMode, e2e: Measured, decode: Measured, hash: Measured, dihedral: Measured, exactE2e?: Measured): Record<string, string | number> => ({
  images: set.name,
  decode: mode,
  'images/s wall': e2e.timing.opsPerSecond,
  'images/cpu-s': e2e.perCpuSecond,
  'decode cpu ms': 1000 / decode.perCpuSecond,
  'hash cpu ms': 1000 / hash.perCpuSecond,
  '+8 dihedral cpu ms': 1000 / dihedral.perCpuSecond,
  'reference images/s': set.referencePerSecond ?? '',
  'x reference (cpu)': set.referencePerSecond === undefined ? '' : e2e.perCpuSecond / set.referencePerSecond,
  'x exact (cpu)': exactE2e === undefined ? '' : e2e.perCpuSecond / exactE2e.perCpuSecond,
});

async function main(): Promise<void> {
  const started = Date.now();
  const sets = await imageSets();
  const rows: Record<string, string | number>[] = [];
  const results: unknown[] = [];
  for (const set of sets) {
    const large = set.images.some((b) => b.length > 1_000_000);
    const budget = { minMs: quick ? 400 : large ? 2500 : 1500, minIterations: large ? 6 : 20, warmup: 2 };
    let exactE2e: Measured | undefined;
    for (const mode of ['exact', 'fast'] as const) {
      const e2e = await measure(roundRobin(set.images, (bytes) => hashImage(bytes, { mode })), budget);
      const decode = await measure(roundRobin(set.images, (bytes) => decodeImage(bytes, { mode })), budget);
      const decoded = await Promise.all(set.images.map((bytes) => decodeImage(bytes, { mode })));
      const hashOf = (dihedral: boolean) =>
        measure(
          roundRobin(decoded, (image) =>
            hashPixels(image, { dihedral, ...(mode === 'fast' ? { source: { width: image.sourceWidth, height: image.sourceHeight } } : {}) }),
          ),
          { ...budget, minIterations: 50 },
        );
      const hash = await hashOf(false);
      // The sidecar hashes every scan with all 8 dihedral variants.
      const dihedral = await hashOf(true);
      const sample = decoded[0];
      rows.push(row(set, mode, e2e, decode, hash, dihedral, mode === 'fast' ? exactE2e : undefined));
      results.push({
        set: set.name,
        mode,
        images: set.images.length,
        decodedSize: sample === undefined ? null : `${sample.width}x${sample.height}`,
        sourceSize: sample === undefined ? null : `${sample.sourceWidth}x${sample.sourceHeight}`,
        referencePerSecond: set.referencePerSecond ?? null,
        endToEnd: { ...e2e.timing, perCpuSecond: e2e.perCpuSecond },
        decode: { ...decode.timing, perCpuSecond: decode.perCpuSecond },
        hash: { ...hash.timing, perCpuSecond: hash.perCpuSecond },
        hashWithDihedrals: { ...dihedral.timing, perCpuSecond: dihedral.perCpuSecond },
      });
      if (mode === 'exact') exactE2e = e2e;
    }
  }
  console.log('PDQ hashing, one core (sharp.concurrency 1, UV_THREADPOOL_SIZE 1).');
  console.log('images/s wall: wall clock; images/cpu-s: per second of process CPU time (the work itself, whatever else runs);');
  console.log('decode/hash cpu ms: the two halves timed apart, hash = PDQ on an already-decoded image (+8 dihedral: with all 8 variants); reference: C++ CLI figures from the issue.');
  printTable(rows);
  const path = writeResults('hash', {
    date: new Date().toISOString(),
    node: process.version,
    sharp: sharp.versions,
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE,
    loadAverage: (await import('node:os')).loadavg(),
    quick,
    seconds: (Date.now() - started) / 1000,
    results: results.map((r) => stripSamples(r)),
  });
  console.log(`\nwrote ${path}`);
}

/** Per-call samples are many and large; keep the summary figures in the JSON. */
function stripSamples(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSamples);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'samplesUs').map(([k, v]) => [k, stripSamples(v)]));
}

await main();
