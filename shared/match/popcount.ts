/** Set bits of a 32-bit integer (SWAR bit tricks; the JS kernel's popcount). */
export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between two equal-length byte strings (the reference every kernel is tested against). */
export function hammingBytes(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += popcount32((a[i] ?? 0) ^ (b[i] ?? 0));
  return d;
}
