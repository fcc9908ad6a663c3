/**
 * PDQ's DCT: B = D A D^T, the 16x16 lowest non-DC frequencies of a 64x64
 * grid, with D[k][j] = sqrt(2/64) * cos(pi/128 * (k + 1) * (2j + 1)).
 *
 * Two ways to compute it: `dct64To16`, the reference's float32 arithmetic in
 * its order (what a hash that must equal the reference's uses), and
 * `dct64To16Folded`, float64 and half the multiplications (for grids that are
 * float64 computations themselves, where matching the reference's rounding
 * is not possible anyway).
 *
 * Hot loops index typed arrays with `!`: every buffer here has a fixed size.
 */

// D[k][j], k = 0..15 (the DC row is skipped): a float scale times a double
// cosine, rounded to float, as the reference builds it.
const DCT_16x64 = new Float32Array(16 * 64);
{
  const scale = Math.fround(Math.sqrt(2 / 64));
  for (let k = 0; k < 16; k++) {
    for (let j = 0; j < 64; j++) DCT_16x64[k * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (k + 1) * (2 * j + 1));
  }
}

// D[k][j] for j < 32 in float64. The other half follows, because
// cos(pi/128 * f * (128 - x)) = (-1)^f cos(pi/128 * f * x):
// D[k][63 - j] = D[k][j] when k + 1 is even, -D[k][j] when it is odd.
const DCT_16x32_FOLDED = new Float64Array(16 * 32);
for (let k = 0; k < 16; k++) {
  for (let j = 0; j < 32; j++) DCT_16x32_FOLDED[k * 32 + j] = Math.sqrt(2 / 64) * Math.cos((Math.PI / 128) * (k + 1) * (2 * j + 1));
}

const temp16x64 = new Float32Array(16 * 64);
const sums32x64 = new Float64Array(32 * 64);
const differences32x64 = new Float64Array(32 * 64);
const folded16x64 = new Float64Array(16 * 64);
const rowSums = new Float64Array(32);
const rowDifferences = new Float64Array(32);

/**
 * B = D A D^T with float32 sums accumulated in the reference's order
 * (dct64To16): each output is one chain of 64 dependent additions, so four
 * outputs are accumulated side by side for the processor to overlap them.
 */
export function dct64To16(a: Float32Array, out: Float32Array): void {
  const d = DCT_16x64;
  const t = temp16x64;
  const f = Math.fround;
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 64; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < 64; k++) {
        const dk = d[i * 64 + k]!;
        const row = k * 64 + j;
        s0 = f(s0 + f(dk * a[row]!));
        s1 = f(s1 + f(dk * a[row + 1]!));
        s2 = f(s2 + f(dk * a[row + 2]!));
        s3 = f(s3 + f(dk * a[row + 3]!));
      }
      t[i * 64 + j] = s0;
      t[i * 64 + j + 1] = s1;
      t[i * 64 + j + 2] = s2;
      t[i * 64 + j + 3] = s3;
    }
  }
  for (let i = 0; i < 16; i++) {
    for (let j = 0; j < 16; j += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < 64; k++) {
        const tk = t[i * 64 + k]!;
        s0 = f(s0 + f(tk * d[j * 64 + k]!));
        s1 = f(s1 + f(tk * d[(j + 1) * 64 + k]!));
        s2 = f(s2 + f(tk * d[(j + 2) * 64 + k]!));
        s3 = f(s3 + f(tk * d[(j + 3) * 64 + k]!));
      }
      out[i * 16 + j] = s0;
      out[i * 16 + j + 1] = s1;
      out[i * 16 + j + 2] = s2;
      out[i * 16 + j + 3] = s3;
    }
  }
}

/**
 * B = D A D^T in float64, folding each sum over 64 points into 32: a row of
 * D with k + 1 even meets A[j] + A[63 - j], one with k + 1 odd meets
 * A[j] - A[63 - j]. About four times faster than dct64To16, and closer to
 * the exact value; not the reference's rounding.
 */
export function dct64To16Folded(a: Float32Array, out: Float32Array): void {
  const d = DCT_16x32_FOLDED;
  for (let j = 0; j < 32; j++) {
    const top = j * 64;
    const bottom = (63 - j) * 64;
    for (let c = 0; c < 64; c++) {
      const u = a[top + c]!;
      const v = a[bottom + c]!;
      sums32x64[top + c] = u + v;
      differences32x64[top + c] = u - v;
    }
  }
  const t = folded16x64;
  for (let i = 0; i < 16; i++) {
    const folded = i & 1 ? sums32x64 : differences32x64;
    for (let c = 0; c < 64; c += 4) {
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < 32; j++) {
        const dij = d[i * 32 + j]!;
        const at = j * 64 + c;
        s0 += dij * folded[at]!;
        s1 += dij * folded[at + 1]!;
        s2 += dij * folded[at + 2]!;
        s3 += dij * folded[at + 3]!;
      }
      t[i * 64 + c] = s0;
      t[i * 64 + c + 1] = s1;
      t[i * 64 + c + 2] = s2;
      t[i * 64 + c + 3] = s3;
    }
  }
  for (let i = 0; i < 16; i++) {
    const ti = i * 64;
    for (let c = 0; c < 32; c++) {
      const u = t[ti + c]!;
      const v = t[ti + 63 - c]!;
      rowSums[c] = u + v;
      rowDifferences[c] = u - v;
    }
    for (let l = 0; l < 16; l++) {
      const folded = l & 1 ? rowSums : rowDifferences;
      let s = 0;
      for (let c = 0; c < 32; c++) s += d[l * 32 + c]! * folded[c]!;
      out[i * 16 + l] = s;
    }
  }
}
