/**
 * The matchers under test, read from the hashing registry: every perceptual
 * algorithm at its default threshold and quality floor, plus a `+dihedral`
 * matcher for each algorithm that can hash an image's eight rotations and
 * reflections, plus the outside baseline. A new algorithm in the registry
 * appears here (and so in the report) without any change to this file.
 */
import { ALGORITHMS as REGISTRY, CROP_GRID, hashImage } from '../../shared/hashing/index.ts';
import type { AlgorithmName, DecodeMode, HashAlgorithm } from '../../shared/hashing/index.ts';
import { generateImage } from '../../fixtures/index.ts';
import { SHARP_PHASH, sharpPhash, sharpPhashMatcher } from './baseline.ts';
import { AccuracyError } from './errors.ts';
import type { Contenders, HashValue, Matcher } from './types.ts';

/** The registry's picture and file algorithms: vpdq hashes video frames, which this benchmark does not decode. */
export const ALGORITHMS = REGISTRY.filter((a) => a.name !== 'vpdq');

export const DIHEDRAL_SUFFIX = '+dihedral';
export const UNFRAME_SUFFIX = '+unframe';
export const CROPS_SUFFIX = '+crops';

export interface ContenderOptions {
  /** Matcher names to keep (default: all perceptual ones and the baseline). Exact hashes run only when named. */
  readonly names?: readonly string[];
  /** How the registry decodes images (the provider's default is `fast`). */
  readonly mode: DecodeMode;
}

function plainMatcher(a: HashAlgorithm, mode: DecodeMode): Matcher {
  return {
    name: a.name,
    hasher: a.name,
    bits: a.bits,
    threshold: a.defaultThreshold,
    ...(a.qualityFloor === undefined ? {} : { qualityFloor: a.qualityFloor }),
    origin: 'registry',
    note: `registry ${a.kind} hash, default threshold; ${mode} decode`,
    distance: (indicator, query) => a.distance(indicator.hash, query.hash),
  };
}

function dihedralMatcher(a: HashAlgorithm, mode: DecodeMode): Matcher {
  return {
    ...plainMatcher(a, mode),
    name: `${a.name}${DIHEDRAL_SUFFIX}`,
    note: `smallest distance over the original's 8 rotations and reflections; ${mode} decode`,
    distance: (indicator, query) => {
      const variants = indicator.dihedrals ?? [indicator.hash];
      let best = Infinity;
      for (const v of variants) best = Math.min(best, a.distance(v, query.hash));
      return best;
    },
  };
}

/**
 * The query's own hash, and the hash of the picture inside its frame when
 * one was found: a second query, as the sidecar's `unframed` view.
 */
function unframeMatcher(a: HashAlgorithm, mode: DecodeMode): Matcher {
  return {
    ...plainMatcher(a, mode),
    name: `${a.name}${UNFRAME_SUFFIX}`,
    note: `the query's hash and, when a frame is found, its unframed picture's; ${mode} decode`,
    distance: (indicator, query) => {
      const whole = a.distance(indicator.hash, query.hash);
      return query.unframed === undefined ? whole : Math.min(whole, a.distance(indicator.hash, query.unframed.hash));
    },
  };
}

/**
 * The distance to the nearest of the original's hash and its crop variants
 * (those that pass the quality floor, as only they would be submitted): the
 * indicator record with its linked variant hashes (docs/HASHING.md, "Crops").
 * The false-positive count compares both ways, so a pair counts as false when
 * any variant of either picture matches the other.
 */
function cropsMatcher(a: HashAlgorithm, mode: DecodeMode): Matcher {
  const floor = a.qualityFloor ?? 0;
  return {
    ...plainMatcher(a, mode),
    name: `${a.name}${CROPS_SUFFIX}`,
    note: `smallest distance over the original and its ${CROP_GRID.length} crop variants (CROP_GRID); ${mode} decode`,
    distance: (indicator, query) => {
      let best = a.distance(indicator.hash, query.hash);
      for (const v of indicator.crops ?? []) if (v.quality >= floor) best = Math.min(best, a.distance(v.hash, query.hash));
      return best;
    },
  };
}

/** Which registry algorithms return dihedral variants, found by asking (not by name). */
async function dihedralCapable(algorithms: readonly AlgorithmName[], mode: DecodeMode): Promise<Set<string>> {
  const probe = await generateImage({ family: 'gradients', seed: 1, width: 64, height: 48, format: 'png' });
  const { results } = await hashImage(probe, { algorithms, dihedral: true, mode });
  return new Set(results.filter((r) => r.dihedrals !== undefined && r.dihedrals.length === 8).map((r) => r.algorithm));
}

export async function createContenders(options: ContenderOptions): Promise<Contenders> {
  const { mode } = options;
  const explicit = options.names;
  const wanted = (name: string, byDefault: boolean): boolean => (explicit === undefined ? byDefault : explicit.includes(name));
  const available: Matcher[] = [];
  const capable = await dihedralCapable(
    ALGORITHMS.filter((a) => a.kind === 'perceptual').map((a) => a.name),
    mode,
  );
  for (const a of ALGORITHMS) {
    available.push(plainMatcher(a, mode));
    if (capable.has(a.name)) available.push(dihedralMatcher(a, mode));
    if (a.kind === 'perceptual') available.push(unframeMatcher(a, mode));
    // Crop variants are PDQ's: the grid was measured for it.
    if (a.name === 'pdq') available.push(cropsMatcher(a, mode));
  }
  available.push(sharpPhashMatcher);
  const isDefault = (m: Matcher): boolean => m.origin === 'baseline' || ALGORITHMS.some((a) => a.kind === 'perceptual' && m.hasher === a.name);
  const matchers = available.filter((m) => wanted(m.name, isDefault(m)));
  if (explicit !== undefined) {
    const unknown = explicit.filter((n) => !available.some((m) => m.name === n));
    if (unknown.length > 0) throw new AccuracyError('ACCURACY_UNKNOWN_MATCHER', `unknown matcher ${unknown.join(', ')}; available: ${available.map((m) => m.name).join(', ')}`);
  }

  const registryHashers = [...new Set(matchers.filter((m) => m.origin === 'registry').map((m) => m.hasher))];
  const algorithms = ALGORITHMS.filter((a) => registryHashers.includes(a.name)).map((a) => a.name);
  const dihedral = matchers.some((m) => m.name.endsWith(DIHEDRAL_SUFFIX));
  const unframe = matchers.some((m) => m.name.endsWith(UNFRAME_SUFFIX));
  const crops = matchers.some((m) => m.name.endsWith(CROPS_SUFFIX));
  const baseline = matchers.some((m) => m.hasher === SHARP_PHASH);

  return {
    matchers,
    async hashAll(bytes, role = 'original') {
      const values = new Map<string, HashValue>();
      if (algorithms.length > 0) {
        const hashed = await hashImage(bytes, { algorithms, dihedral, mode, unframe, crops: crops && role === 'original' });
        const { results, unframed } = hashed;
        for (const r of results) {
          const inside = unframed?.results.find((u) => u.algorithm === r.algorithm);
          values.set(r.algorithm, {
            hash: r.hash,
            ...(r.quality === undefined ? {} : { quality: r.quality }),
            ...(r.dihedrals === undefined ? {} : { dihedrals: r.dihedrals }),
            ...(inside === undefined ? {} : { unframed: { hash: inside.hash, ...(inside.quality === undefined ? {} : { quality: inside.quality }) } }),
            ...(r.algorithm === 'pdq' && hashed.crops !== undefined ? { crops: hashed.crops.map((v) => ({ hash: v.hash, quality: v.quality })) } : {}),
          });
        }
      }
      if (baseline) values.set(SHARP_PHASH, await sharpPhash(bytes));
      return values;
    },
  };
}
