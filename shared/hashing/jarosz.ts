/**
 * PDQ's downscaler: two passes of 1-D box filters along rows then columns (a
 * tent filter, after Jarosz), then decimation to 64x64 by sampling the
 * centre of each output cell. Follows facebook/ThreatExchange
 * pdq/cpp/downscaling/downscaling.cpp (box1DFloat, jaroszFilterFloat,
 * decimateFloat) operation for operation, in float32: the box sums are
 * running sums whose rounding depends on their history, so both the
 * traversal order and the division by the count actually in the window are
 * kept exactly, or full-resolution hashes would drift from the reference's.
 *
 * These are the building blocks: jarosz-stream.ts runs them row by row for
 * PDQ, and the tests hold it to the whole-image passes in
 * testing/jarosz-whole-image.ts.
 *
 * Hot loops index typed arrays with `!`: bounds are established by the callers.
 */

/** Window per pass for reducing `oldDimension` to `newDimension` (two passes): ceil(old / (2 * new)). */
export function jaroszWindowSize(oldDimension: number, newDimension: number): number {
  return Math.trunc((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/**
 * Whether PDQ's downsampling of an axis of n pixels commutes with reversing
 * the axis. It does when the box window is centred (w odd: as many samples
 * before i as after) and the 64 sample points floor((i + 0.5) n / 64) are
 * placed symmetrically, which fails only when 128 divides n: every cell
 * centre (2i + 1) n / 128 then falls on a pixel boundary and floor takes the
 * pixel after it, the reversed image's sampling the pixel before.
 */
export function isMirrorSymmetric(n: number): boolean {
  return jaroszWindowSize(n, 64) % 2 === 1 && n % 128 !== 0;
}

/**
 * Box-filters each row of `ins` into the matching row of `outs`. A row's
 * running sum is one long chain of dependent float operations, so four rows
 * are swept side by side for the processor to overlap their chains (three
 * times faster); each row's arithmetic is unchanged.
 */
export function boxRows(ins: readonly Float32Array[], outs: readonly Float32Array[], window: number): void {
  const [i0, i1, i2, i3] = ins;
  const [o0, o1, o2, o3] = outs;
  if (ins.length === 4 && i0 && i1 && i2 && i3 && o0 && o1 && o2 && o3) {
    boxFourRows(i0, i1, i2, i3, o0, o1, o2, o3, window);
    return;
  }
  ins.forEach((input, k) => {
    const output = outs[k];
    if (output !== undefined) boxOneRow(input, output, window);
  });
}

function boxFourRows(
  i0: Float32Array,
  i1: Float32Array,
  i2: Float32Array,
  i3: Float32Array,
  o0: Float32Array,
  o1: Float32Array,
  o2: Float32Array,
  o3: Float32Array,
  window: number,
): void {
  const cols = i0.length;
  const half = (window + 2) >> 1;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let count = 0;
  let ri = 0;
  let li = 0;
  let oi = 0;
  for (let i = 0; i < half - 1; i++, ri++) {
    s0 = Math.fround(s0 + i0[ri]!);
    s1 = Math.fround(s1 + i1[ri]!);
    s2 = Math.fround(s2 + i2[ri]!);
    s3 = Math.fround(s3 + i3[ri]!);
    count++;
  }
  for (let i = 0; i < window - half + 1; i++, ri++, oi++) {
    s0 = Math.fround(s0 + i0[ri]!);
    s1 = Math.fround(s1 + i1[ri]!);
    s2 = Math.fround(s2 + i2[ri]!);
    s3 = Math.fround(s3 + i3[ri]!);
    count++;
    o0[oi] = s0 / count;
    o1[oi] = s1 / count;
    o2[oi] = s2 / count;
    o3[oi] = s3 / count;
  }
  for (let i = 0; i < cols - window; i++, ri++, li++, oi++) {
    s0 = Math.fround(Math.fround(s0 + i0[ri]!) - i0[li]!);
    s1 = Math.fround(Math.fround(s1 + i1[ri]!) - i1[li]!);
    s2 = Math.fround(Math.fround(s2 + i2[ri]!) - i2[li]!);
    s3 = Math.fround(Math.fround(s3 + i3[ri]!) - i3[li]!);
    o0[oi] = s0 / count;
    o1[oi] = s1 / count;
    o2[oi] = s2 / count;
    o3[oi] = s3 / count;
  }
  for (let i = 0; i < half - 1; i++, li++, oi++) {
    s0 = Math.fround(s0 - i0[li]!);
    s1 = Math.fround(s1 - i1[li]!);
    s2 = Math.fround(s2 - i2[li]!);
    s3 = Math.fround(s3 - i3[li]!);
    count--;
    o0[oi] = s0 / count;
    o1[oi] = s1 / count;
    o2[oi] = s2 / count;
    o3[oi] = s3 / count;
  }
}

function boxOneRow(input: Float32Array, output: Float32Array, window: number): void {
  const cols = input.length;
  const half = (window + 2) >> 1;
  let sum = 0;
  let count = 0;
  let ri = 0;
  let li = 0;
  let oi = 0;
  for (let i = 0; i < half - 1; i++) {
    sum = Math.fround(sum + input[ri++]!);
    count++;
  }
  for (let i = 0; i < window - half + 1; i++) {
    sum = Math.fround(sum + input[ri++]!);
    count++;
    output[oi++] = sum / count;
  }
  for (let i = 0; i < cols - window; i++) {
    sum = Math.fround(Math.fround(sum + input[ri++]!) - input[li++]!);
    output[oi++] = sum / count;
  }
  for (let i = 0; i < half - 1; i++) {
    sum = Math.fround(sum - input[li++]!);
    count--;
    output[oi++] = sum / count;
  }
}
