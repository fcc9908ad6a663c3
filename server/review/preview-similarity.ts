import { decode } from 'blurhash';

/** Both previews are rendered at this size: a 4x4-component blurhash holds no finer detail. */
const SIDE = 16;

/**
 * How alike two blurhash previews look, from 0 (opposite) to 1 (the same
 * picture), so that a reviewer sees at a glance whether the reported
 * content resembles the indicator's own preview: both are decoded at 16x16
 * (blurhash's reference decoder, sRGB) and the score is one minus the mean
 * absolute difference of their red, green and blue values over 255, rounded
 * to three places. Null when either preview is missing. The inputs are
 * already validated blurhashes (parsePreview), so decoding is bounded.
 */
export function previewSimilarity(a: string | null, b: string | null): number | null {
  if (a === null || b === null) return null;
  const left = decode(a, SIDE, SIDE);
  const right = decode(b, SIDE, SIDE);
  let total = 0;
  for (let i = 0; i < left.length; i++) {
    if (i % 4 === 3) continue; // alpha is always opaque
    total += Math.abs((left[i] ?? 0) - (right[i] ?? 0));
  }
  const mean = total / (SIDE * SIDE * 3);
  return Math.round((1 - mean / 255) * 1000) / 1000;
}
