/**
 * The `fast` decode path against `exact` on every reference vector image:
 * Meta's rule for a port is within 10 bits of the reference for quality >= 80,
 * and `fast` is the default only because it keeps to that here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from '../testing/vectors.ts';
import { hammingDistance } from './bits.ts';
import { hashImage } from './hash-image.ts';

const dir = vectorsDir('pdq');

function imagesUnder(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name);
    if (statSync(path).isDirectory()) return imagesUnder(path);
    return /\.(jpe?g|png|webp)$/i.test(name) ? [path] : [];
  });
}

describe.skipIf(dir === null)('the fast decode path on the reference vectors', () => {
  const files = dir === null ? [] : imagesUnder(dir).sort();

  it('finds the vector images', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files.map((f) => [relative(dir ?? '', f), f] as const))('%s: fast PDQ within 10 bits of exact when quality >= 80', async (_name, file) => {
    const bytes = readFileSync(file);
    const exact = await hashImage(bytes, { mode: 'exact' });
    const fast = await hashImage(bytes, { mode: 'fast' });
    const [e] = exact.results;
    const [f] = fast.results;
    if (e === undefined || f === undefined || e.quality === undefined) throw new Error('no PDQ result');
    if (e.quality >= 80) {
      expect(hammingDistance(f.hash, e.hash)).toBeLessThanOrEqual(10);
      expect(f.quality).toBeGreaterThanOrEqual(80);
    }
    expect(fast.image?.width).toBe(exact.image?.width);
    expect(fast.image?.height).toBe(exact.image?.height);
  });
});
