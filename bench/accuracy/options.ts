/**
 * Command-line flags of `npm run bench:accuracy`, parsed into run options.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CORPUS_FAMILY_NAMES, FINE_TEXTURE_FAMILY_NAMES, type FamilyName, findTransform, isFamilyName, TRANSFORMS } from '../../fixtures/index.ts';
import { AccuracyError } from './errors.ts';
import type { CaseSpec } from './types.ts';

export interface AccuracyOptions {
  /** Originals (all used for false positives). */
  readonly count: number;
  /** Of those, how many go through every transform. */
  readonly transformed: number;
  readonly seed: number;
  /** Matcher names to keep; undefined for all. */
  readonly algorithms?: readonly string[];
  readonly cases: readonly CaseSpec[];
  readonly images?: string;
  readonly families?: readonly FamilyName[];
  readonly minSide: number;
  readonly maxSide: number;
  /** Fixed image sizes (the quick preset), instead of sizes drawn between minSide and maxSide. */
  readonly sizes?: readonly (readonly [number, number])[];
  readonly jobs: number;
  /** The registry's decode path: `fast` (the provider default) or `exact`. */
  readonly decode: 'fast' | 'exact';
  readonly out: string;
  readonly quick: boolean;
  /** Synthetic videos for the video section (0: none; skipped where ffmpeg is not installed). */
  readonly videos: number;
}

export const USAGE = `usage: npm run bench:accuracy -- [flags]

  --count N          originals (default 400; all pairs of them give the false-positive rate)
  --transformed M    originals that go through every transform (default 60; the run time is about
                     proportional to it)
  --seed S           corpus and transform seed (default 1)
  --algorithms LIST  matchers to run, e.g. pdq,pdq+dihedral,sharp-phash (default: every perceptual
                     algorithm in the registry, PDQ also with dihedral matching, and sharp-phash)
  --transforms LIST  transforms, each NAME or NAME:STRENGTH (default: all, at all their strengths)
  --families LIST    synthetic image families (default: ${CORPUS_FAMILY_NAMES.join(', ')};
                     also: ${FINE_TEXTURE_FAMILY_NAMES.join(', ')})
  --images DIR       use the images in DIR (recursively) instead of the synthetic corpus
  --min-side PX      shortest long side of synthetic images (default 256)
  --max-side PX      longest long side of synthetic images (default 4000)
  --jobs N           originals processed at once (default 2)
  --decode MODE      the registry's decode path, fast (the provider default) or exact
  --out DIR          output folder (default bench/results/accuracy)
  --videos N         synthetic videos for the video section, each through every video transform
                     (default 8, 2 with --quick; 0 skips it; needs ffmpeg)
  --quick            a small run for tests: 6 originals, dihedral transforms, JPEG q50 and greyscale only,
                     at 1024x768, 640x480 and 300x200 px
`;

function int(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new AccuracyError('ACCURACY_BAD_FLAG', `--${name} must be an integer >= ${min}, got ${value}`);
  return n;
}

/** Every case of the named transforms (NAME, or NAME:STRENGTH for one strength). */
export function parseCases(list: string | undefined): CaseSpec[] {
  const items = list === undefined ? TRANSFORMS.map((t) => t.name) : list.split(',').filter((s) => s.length > 0);
  return items.flatMap((item) => {
    const [name = '', strength] = item.split(':');
    const t = findTransform(name);
    const strengths = strength === undefined ? t.strengths : [Number(strength)];
    return strengths.map((s) => {
      if (!t.accepts(s)) throw new AccuracyError('ACCURACY_BAD_FLAG', `--transforms: ${name} does not accept strength ${strength}`);
      return { transform: t.name, family: t.family, strength: s, label: t.label(s), categorical: t.categorical };
    });
  });
}

function decodeMode(value: string | undefined): 'fast' | 'exact' {
  if (value === undefined || value === 'fast') return 'fast';
  if (value === 'exact') return 'exact';
  throw new AccuracyError('ACCURACY_BAD_FLAG', `--decode must be fast or exact, got ${value}`);
}

const QUICK_TRANSFORMS = 'rotate,mirror,jpeg:50,greyscale';

/**
 * Ordinary sizes at which PDQ's downsampling is not mirror-symmetric (even
 * box windows, sides that 128 divides; see isMirrorSymmetric in
 * shared/hashing/jarosz.ts): dihedral matching within 10 bits here holds only
 * because the registry samples each flipped variant with its own geometry.
 * The first two decode at 1/4 scale with sides that are multiples of 8, the
 * third at full size: a side the scaled JPEG decode does not divide evenly
 * adds the fast path's own drift to a flipped copy (docs/ACCURACY.md).
 */
export const QUICK_SIZES: readonly (readonly [number, number])[] = [
  [1024, 768],
  [640, 480],
  [300, 200],
];

function parseFlags(argv: readonly string[]) {
  try {
    return parseFlagsOrThrow(argv);
  } catch (err) {
    throw new AccuracyError('ACCURACY_BAD_FLAG', err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function parseFlagsOrThrow(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      count: { type: 'string' },
      transformed: { type: 'string' },
      seed: { type: 'string' },
      algorithms: { type: 'string' },
      transforms: { type: 'string' },
      families: { type: 'string' },
      images: { type: 'string' },
      'min-side': { type: 'string' },
      'max-side': { type: 'string' },
      jobs: { type: 'string' },
      decode: { type: 'string' },
      out: { type: 'string' },
      quick: { type: 'boolean' },
      videos: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
}

export function parseOptions(argv: readonly string[], defaultOut: string): AccuracyOptions | 'help' {
  const { values } = parseFlags(argv);
  if (values.help === true) return 'help';
  const quick = values.quick === true;
  const count = int('count', values.count, quick ? 6 : 400, 2);
  const families = values.families?.split(',').map((f) => {
    if (!isFamilyName(f)) throw new AccuracyError('ACCURACY_BAD_FLAG', `--families: unknown family ${f}`);
    return f;
  });
  const options: AccuracyOptions = {
    count,
    transformed: Math.min(count, int('transformed', values.transformed, quick ? 6 : 60, 1)),
    seed: int('seed', values.seed, 1, 0),
    cases: parseCases(values.transforms ?? (quick ? QUICK_TRANSFORMS : undefined)),
    minSide: int('min-side', values['min-side'], 256, 16),
    maxSide: int('max-side', values['max-side'], 4000, 16),
    ...(quick ? { sizes: QUICK_SIZES } : {}),
    jobs: int('jobs', values.jobs, 2, 1),
    decode: decodeMode(values.decode),
    out: resolve(values.out ?? defaultOut),
    quick,
    videos: int('videos', values.videos, quick ? 2 : 8, 0),
    ...(values.algorithms !== undefined ? { algorithms: values.algorithms.split(',') } : {}),
    ...(values.images !== undefined ? { images: resolve(values.images) } : {}),
    ...(families !== undefined ? { families } : {}),
  };
  return options;
}
