/**
 * `hashfeed demo` (npm start): a short, self-contained demonstration of the
 * hash core on images generated here (no files needed): the hashes of a
 * synthetic photograph, a rotated and a mirrored copy found through PDQ's
 * dihedral variants, an unrelated image that is not, and how far the `fast`
 * decode path drifts from `exact`.
 */
import sharp from 'sharp';
import { syntheticPhotoJpeg } from '../../fixtures/synthetic-photo.ts';
import { DIHEDRAL_NAMES, getAlgorithm, hashImage, pdq } from '../../shared/hashing/index.ts';
import type { DecodeMode, HashResult } from '../../shared/hashing/index.ts';

const WIDTH = 1600;
const HEIGHT = 1004;

export async function run(_argv: string[], out: { write(text: string): unknown } = process.stdout): Promise<number> {
  const say = (line = ''): void => {
    out.write(`${line}\n`);
  };
  say(`hashfeed demo: synthetic ${WIDTH}x${HEIGHT} photographs, generated now (nothing is read from disk)\n`);

  const original = await syntheticPhotoJpeg({ width: WIDTH, height: HEIGHT, seed: 2024 });
  const { results } = await hashImage(original, { algorithms: ['pdq', 'phash64', 'dhash64', 'md5', 'sha256'], mode: 'exact', dihedral: true });
  say('1. The original, hashed at full resolution (exact):');
  for (const r of results) say(`   ${r.algorithm.padEnd(8)} ${getAlgorithm(r.algorithm).format(r.hash)}${r.quality === undefined ? '' : `  quality ${r.quality}`}`);
  const reference = results[0];
  if (reference?.dihedrals === undefined) throw new Error('no PDQ dihedrals');

  say(`\n2. Copies looked up against the original's 8 dihedral variants (PDQ match: distance <= ${pdq.defaultThreshold};`);
  say('   PDQ names turns anticlockwise, so a clockwise quarter turn is its rotate270):');
  const copies: [string, Uint8Array][] = [
    ['turned a quarter clockwise, re-encoded', await sharp(original).rotate(90).jpeg({ quality: 80 }).toBuffer()],
    ['mirrored left to right, re-encoded', await sharp(original).flop().jpeg({ quality: 80 }).toBuffer()],
    ['an unrelated photograph', await syntheticPhotoJpeg({ width: WIDTH, height: HEIGHT, seed: 7 })],
  ];
  for (const [label, bytes] of copies) {
    const [copy] = (await hashImage(bytes, { mode: 'exact' })).results;
    if (copy === undefined) continue;
    say(`   ${label}:`);
    say(`     distance to the original as it is: ${pdq.distance(copy.hash, reference.hash)}`);
    const best = closestVariant(copy, reference.dihedrals);
    const verdict = best.distance <= pdq.defaultThreshold ? `match, as the ${best.name} variant` : 'no match';
    say(`     closest variant: ${best.name} at distance ${best.distance}: ${verdict}`);
  }

  say('\n3. The fast decode path (JPEG shrunk by the decoder) against exact, on the original:');
  for (const mode of ['exact', 'fast'] as DecodeMode[]) {
    const started = performance.now();
    const runs = 5;
    let last: Awaited<ReturnType<typeof hashImage>> | undefined;
    for (let i = 0; i < runs; i++) last = await hashImage(original, { mode });
    const ms = (performance.now() - started) / runs;
    const hash = last?.results[0]?.hash ?? new Uint8Array(32);
    const size = last?.image === undefined ? '' : `${last.image.decodedWidth}x${last.image.decodedHeight}`;
    say(`   ${mode.padEnd(5)} decoded at ${size.padEnd(9)} ${ms.toFixed(1).padStart(5)} ms/image   ${pdq.format(hash)}  drift ${pdq.distance(hash, reference.hash)} bits`);
  }
  say('\n(docs/HASHING.md defines the hashes and both decode paths; `hashfeed hash --help` hashes your own files.)');
  return 0;
}

function closestVariant(copy: HashResult, variants: readonly Uint8Array[]): { name: string; distance: number } {
  let best = { name: DIHEDRAL_NAMES[0] as string, distance: Number.POSITIVE_INFINITY };
  variants.forEach((variant, k) => {
    const distance = pdq.distance(copy.hash, variant);
    if (distance < best.distance) best = { name: DIHEDRAL_NAMES[k] ?? String(k), distance };
  });
  return best;
}
