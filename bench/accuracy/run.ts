/**
 * The accuracy engine: hash every original, make every re-upload (each
 * transform at each strength) of the first `transformed` originals, and
 * compare. Originals are processed a few at a time (sharp works on other
 * threads while JavaScript hashes), and results land by index so the output
 * does not depend on timing.
 */
import { cpus } from 'node:os';
import sharp from 'sharp';
import { applyTransform, createRng, deriveSeed, findTransform } from '../../fixtures/index.ts';
import { histogram, rate } from './stats.ts';
import type {
  AccuracyResult,
  CaseMatcherResult,
  CaseResult,
  CaseSpec,
  Contenders,
  FalsePositiveResult,
  HashValue,
  Matcher,
  OriginalInfo,
  OriginalSource,
} from './types.ts';

export interface RunOptions {
  readonly source: OriginalSource;
  /** How many originals (from the start) get the transform suite; all are used for false positives. */
  readonly transformed: number;
  readonly cases: readonly CaseSpec[];
  readonly contenders: Contenders;
  readonly seed: number;
  /** Originals in flight at once. */
  readonly jobs: number;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly progress?: (line: string) => void;
}

type Hashes = ReadonlyMap<string, HashValue>;

function passes(matcher: Matcher, value: HashValue | undefined): boolean {
  if (value === undefined) return false;
  return matcher.qualityFloor === undefined || (value.quality ?? 0) >= matcher.qualityFloor;
}

/** Runs `work` over 0..count-1 with at most `jobs` in flight. */
async function pool(count: number, jobs: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, count)) }, worker));
}

interface Observation {
  /** Per case, per matcher: distance, or null for a failed re-upload; plus whether the query passed the floor. */
  readonly perCase: ({ distance: number; queryPasses: boolean }[] | null)[];
  readonly errors: (string | null)[];
}

export async function runAccuracy(options: RunOptions): Promise<AccuracyResult> {
  const { source, cases, contenders, seed } = options;
  const { matchers } = contenders;
  const transformed = Math.min(options.transformed, source.count);
  const started = performance.now();
  const infos: OriginalInfo[] = new Array<OriginalInfo>(source.count);
  const hashes: Hashes[] = new Array<Hashes>(source.count);
  const observations: (Observation | null)[] = new Array<Observation | null>(source.count).fill(null);
  const transforms = cases.map((c) => findTransform(c.transform));
  let done = 0;

  await pool(source.count, options.jobs, async (index) => {
    const { info, bytes } = await source.load(index);
    infos[index] = info;
    const own = await contenders.hashAll(bytes);
    hashes[index] = own;
    if (index < transformed) {
      const perCase: Observation['perCase'] = [];
      const errors: Observation['errors'] = [];
      for (const [c, spec] of cases.entries()) {
        const transform = transforms[c];
        try {
          if (transform === undefined) throw new Error(`no transform ${spec.transform}`);
          const rng = createRng(deriveSeed(seed, 'reupload', info.id, spec.transform, spec.strength));
          const variant = await applyTransform(transform, bytes, spec.strength, rng);
          const query = await contenders.hashAll(variant, 'query');
          perCase.push(
            matchers.map((m) => {
              const a = own.get(m.hasher);
              const b = query.get(m.hasher);
              if (a === undefined || b === undefined) throw new Error(`hasher ${m.hasher} gave no value`);
              return { distance: m.distance(a, b), queryPasses: passes(m, b) };
            }),
          );
          errors.push(null);
        } catch (err) {
          perCase.push(null);
          errors.push(`${info.id}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      observations[index] = { perCase, errors };
    }
    done++;
    if (options.progress !== undefined && (done % 10 === 0 || done === source.count)) {
      options.progress(`${done}/${source.count} originals (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  });

  const caseResults: CaseResult[] = cases.map((spec, c) => {
    const errors: string[] = [];
    let failed = 0;
    for (let i = 0; i < transformed; i++) {
      const e = observations[i]?.errors[c];
      if (e !== null && e !== undefined) {
        failed++;
        errors.push(e);
      }
    }
    const results: Record<string, CaseMatcherResult> = {};
    matchers.forEach((m, k) => {
      let eligible = 0;
      let matched = 0;
      let belowFloor = 0;
      const distances: (number | null)[] = [];
      for (let i = 0; i < transformed; i++) {
        if (!passes(m, hashes[i]?.get(m.hasher))) {
          distances.push(null);
          continue;
        }
        eligible++;
        const o = observations[i]?.perCase[c]?.[k];
        if (o === undefined) {
          distances.push(null);
          continue;
        }
        if (!o.queryPasses) {
          belowFloor++;
          distances.push(null);
          continue;
        }
        distances.push(o.distance);
        if (o.distance <= m.threshold) matched++;
      }
      results[m.name] = { eligible, matched, belowFloor, tpr: rate(matched, eligible), distances };
    });
    return { ...spec, failed, errors: errors.slice(0, 5), results };
  });

  const falsePositives: Record<string, FalsePositiveResult> = {};
  for (const m of matchers) falsePositives[m.name] = distinctPairs(m, infos, hashes);

  return {
    meta: {
      generatedAt: new Date().toISOString(),
      seconds: Math.round((performance.now() - started) / 100) / 10,
      machine: { cpus: cpus().length, node: process.version, sharp: sharp.versions.sharp ?? 'unknown', platform: `${process.platform}-${process.arch}` },
      source: { kind: source.kind, description: source.description },
      seed,
      originals: source.count,
      transformed,
      options: options.options ?? {},
    },
    matchers: matchers.map((m) => ({
      name: m.name,
      hasher: m.hasher,
      bits: m.bits,
      threshold: m.threshold,
      qualityFloor: m.qualityFloor ?? null,
      origin: m.origin,
      note: m.note,
    })),
    originals: infos.map((info, i) => {
      const quality: Record<string, number> = {};
      for (const [name, value] of hashes[i] ?? []) if (value.quality !== undefined) quality[name] = value.quality;
      return { ...info, quality };
    }),
    falsePositives,
    cases: caseResults,
  };
}

/**
 * Every unordered pair of distinct eligible originals. A pair is compared in
 * both directions (each as indicator, the other as query) and the smaller
 * distance kept: for a symmetric distance that changes nothing, and for
 * dihedral matching it counts a pair as colliding if either direction would.
 */
function distinctPairs(m: Matcher, infos: readonly OriginalInfo[], hashes: readonly Hashes[]): FalsePositiveResult {
  const eligible: { id: string; value: HashValue }[] = [];
  hashes.forEach((h, i) => {
    const value = h.get(m.hasher);
    if (value !== undefined && passes(m, value)) eligible.push({ id: infos[i]?.id ?? String(i), value });
  });
  const distances: number[] = [];
  const closest: { a: string; b: string; distance: number }[] = [];
  let falsePositives = 0;
  eligible.forEach((x, i) => {
    for (const y of eligible.slice(i + 1)) {
      const d = Math.min(m.distance(x.value, y.value), m.distance(y.value, x.value));
      distances.push(d);
      if (d <= m.threshold) falsePositives++;
      if (closest.length < 10 || d < (closest[closest.length - 1]?.distance ?? Infinity)) {
        closest.push({ a: x.id, b: y.id, distance: d });
        closest.sort((p, q) => p.distance - q.distance);
        if (closest.length > 10) closest.pop();
      }
    }
  });
  return {
    pairs: distances.length,
    falsePositives,
    fpr: rate(falsePositives, distances.length),
    histogram: histogram(distances, m.bits),
    closest,
  };
}
