/**
 * Chooses the crop-variant grid by measurement (docs/HASHING.md, "Crops"):
 * hashes a wide set of candidate crop variants of every original once, then
 * scores candidate grids on the crops of the accuracy bench's corpus (true
 * positives) and on every ordered pair of distinct originals (false
 * positives: a variant of one original within the threshold of another).
 *
 *   npx tsx bench/crop-grid.ts [--count 400] [--transformed 60] [--seed 1]
 *
 * Synthetic corpus only (fixtures/), `fast` decode, PDQ at T = 31 with its
 * quality floor of 50 for the original, the variant and the query alike.
 */
import { parseArgs } from 'node:util';
import { applyTransform, createRng, deriveSeed, findTransform } from '../fixtures/index.ts';
import { decodeImage, hashImage, lumaFromPixels, pdq, pdqFromLuma } from '../shared/hashing/index.ts';
import { CROP_GRID, pdqCropVariants } from '../shared/hashing/crop-variants.ts';
import type { CropVariantSpec } from '../shared/hashing/crop-variants.ts';
import { syntheticSource } from './accuracy/sources.ts';
import { rate } from './accuracy/stats.ts';

const T = 31;
const FLOOR = 50;
const SIDES = ['left', 'top', 'right', 'bottom'] as const;
const NONE = { left: 0, top: 0, right: 0, bottom: 0 };
const CORNERS = [
  ['left', 'top'],
  ['right', 'top'],
  ['left', 'bottom'],
  ['right', 'bottom'],
] as const;

const ONE_SIDE = [2, 3, 4, 5, 6, 7, 8, 9, 10, 12];
const ALL_SIDES = [2, 3, 4, 5, 6, 7, 8, 10];
const CORNER = [2, 3, 4, 6, 8, 10];

const CANDIDATES: CropVariantSpec[] = [
  ...SIDES.flatMap((side) => ONE_SIDE.map((p) => ({ name: `${side}-${p}`, crop: { ...NONE, [side]: p / 100 } }))),
  ...ALL_SIDES.map((p) => ({ name: `all-${p}`, crop: { left: p / 100, top: p / 100, right: p / 100, bottom: p / 100 } })),
  ...CORNERS.flatMap(([h, v]) => CORNER.map((p) => ({ name: `${h}-${v}-${p}`, crop: { ...NONE, [h]: p / 100, [v]: p / 100 } }))),
];

// The bench's sizes (2, 5 and 10 %) and the sizes between them: a grid placed
// on the measured sizes alone would flatter itself.
const CASES: readonly [string, number][] = [
  ...[2, 3, 4, 5, 7, 8, 10, 12].map((s): [string, number] => ['crop-side', s]),
  ...[1, 2, 3, 4, 5, 7, 10].map((s): [string, number] => ['crop', s]),
  ...[1, 1.5, 2, 3, 5].map((s): [string, number] => ['crop-offset', s]),
];

/** Candidate grids: names of candidates (the side families expand to all four sides). */
const sides = (...p: number[]): string[] => SIDES.flatMap((s) => p.map((x) => `${s}-${x}`));
const all = (...p: number[]): string[] => p.map((x) => `all-${x}`);
const corners = (...p: number[]): string[] => CORNERS.flatMap(([h, v]) => p.map((x) => `${h}-${v}-${x}`));
const GRIDS: Record<string, string[]> = {
  none: [],
  chosen: CROP_GRID.map((v) => v.name),
  'sides 4,8': sides(4, 8),
  'sides 5,9 + all 4,8': [...sides(5, 9), ...all(4, 8)],
  'sides 4,8 + all 2,5,8': [...sides(4, 8), ...all(2, 5, 8)],
  'sides 3,6,9 + all 2,4,6': [...sides(3, 6, 9), ...all(2, 4, 6)],
  'sides 3,6,9 + all 2,4,6,8,10': [...sides(3, 6, 9), ...all(2, 4, 6, 8, 10)],
  'sides 3,6,9 + all 2,4,6 + corners 4': [...sides(3, 6, 9), ...all(2, 4, 6), ...corners(4)],
  'sides 3,6,9 + all 2,4,6,8 + corners 4,8': [...sides(3, 6, 9), ...all(2, 4, 6, 8), ...corners(4, 8)],
  'sides 3,6,9 + all 2,4,6,8,10 + corners 3,6,10': [...sides(3, 6, 9), ...all(2, 4, 6, 8, 10), ...corners(3, 6, 10)],
  'sides 3,6,9,12 + all 2,4,6,8,10 + corners 3,6,10': [...sides(3, 6, 9, 12), ...all(2, 4, 6, 8, 10), ...corners(3, 6, 10)],
  'every candidate': CANDIDATES.map((c) => c.name),
};

interface Original {
  readonly hash: Uint8Array;
  readonly eligible: boolean;
  /** Per candidate: the variant hash, or null below the quality floor. */
  readonly variants: (Uint8Array | null)[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string' }, transformed: { type: 'string' }, seed: { type: 'string' } } });
  const count = Number(values.count ?? 400);
  const transformed = Number(values.transformed ?? 60);
  const seed = Number(values.seed ?? 1);
  const source = syntheticSource({ seed, count, minSide: 256, maxSide: 4000 });
  const originals: Original[] = [];
  /** Per case, per transformed original: the query hash, or null (ineligible or below the floor). */
  const queries: (Uint8Array | null)[][] = CASES.map(() => []);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const { info, bytes } = await source.load(i);
    const decoded = await decodeImage(bytes);
    const luma = lumaFromPixels(decoded);
    const geometry = { width: decoded.sourceWidth, height: decoded.sourceHeight };
    const own = pdqFromLuma(luma, { source: geometry });
    const variants = pdqCropVariants(luma, CANDIDATES, geometry).map((v) => (v.quality >= FLOOR ? v.hash : null));
    const eligible = own.quality >= FLOOR;
    originals.push({ hash: own.hash, eligible, variants });
    if (i < transformed) {
      for (const [c, [name, strength]] of CASES.entries()) {
        const rng = createRng(deriveSeed(seed, 'reupload', info.id, name, strength));
        const copy = await applyTransform(findTransform(name), bytes, strength, rng);
        const [q] = (await hashImage(copy, { algorithms: ['pdq'] })).results;
        queries[c]?.push(eligible && q !== undefined && (q.quality ?? 0) >= FLOOR ? q.hash : null);
      }
    }
    if ((i + 1) % 50 === 0) process.stderr.write(`${i + 1}/${count} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }

  const index = new Map(CANDIDATES.map((c, k) => [c.name, k]));
  const eligibleTransformed = originals.slice(0, transformed).filter((o) => o.eligible).length;
  const pairsOf = originals.filter((o) => o.eligible);
  const pairs = (pairsOf.length * (pairsOf.length - 1)) / 2;
  console.log(`${count} originals (${pairsOf.length} eligible, ${pairs} pairs), ${transformed} transformed (${eligibleTransformed} eligible), seed ${seed}\n`);
  console.log(`| grid | variants | ${CASES.map(([n, s]) => `${n} ${s}`).join(' | ')} | false pairs | FPR 95 % bound | closest |`);
  console.log(`| --- | --- | ${CASES.map(() => '---').join(' | ')} | --- | --- | --- |`);
  for (const [label, names] of Object.entries(GRIDS)) {
    const ks = names.map((n) => {
      const k = index.get(n);
      if (k === undefined) throw new Error(`no candidate ${n}`);
      return k;
    });
    const nearest = (o: Original, q: Uint8Array): number => {
      let best = pdq.distance(o.hash, q);
      for (const k of ks) {
        const v = o.variants[k];
        if (v !== undefined && v !== null) best = Math.min(best, pdq.distance(v, q));
      }
      return best;
    };
    const tprs = CASES.map((_, c) => {
      let matched = 0;
      originals.slice(0, transformed).forEach((o, i) => {
        const q = queries[c]?.[i];
        if (q !== undefined && q !== null && nearest(o, q) <= T) matched++;
      });
      return rate(matched, eligibleTransformed).rate.toFixed(3);
    });
    let falsePairs = 0;
    let closest = Infinity;
    for (let a = 0; a < pairsOf.length; a++) {
      for (let b = a + 1; b < pairsOf.length; b++) {
        const x = pairsOf[a];
        const y = pairsOf[b];
        if (x === undefined || y === undefined) continue;
        const d = Math.min(nearest(x, y.hash), nearest(y, x.hash));
        closest = Math.min(closest, d);
        if (d <= T) falsePairs++;
      }
    }
    const fpr = rate(falsePairs, pairs);
    console.log(`| ${label} | ${ks.length} | ${tprs.join(' | ')} | ${falsePairs} | ${fpr.upper95.toExponential(1)} | ${closest} |`);
  }
}

await main();
