/**
 * Luma: the single-channel float image every perceptual hash here starts
 * from. The arithmetic follows the PDQ reference (facebook/ThreatExchange
 * pdq/cpp/downscaling/downscaling.cpp, fillFloatLumaFromRGB): float32
 * coefficients, each product and each sum rounded to float32, so that
 * identical pixels give bit-identical luma and therefore identical hashes.
 *
 * Hot loops index typed arrays with `!`: the bounds are checked once up front.
 */

/** A row-major single-channel float image. */
export interface LumaImage {
  readonly width: number;
  readonly height: number;
  /** width * height values, row-major. */
  readonly data: Float32Array;
}

/** Already-decoded 8-bit pixels: 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA) interleaved channels. */
export interface PixelImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 2 | 3 | 4;
  /** width * height * channels bytes, row-major, channels interleaved. */
  readonly data: Uint8Array;
}

// ITU-R BT.601 luma weights as the reference's float constants.
const LUMA_R = Math.fround(0.299);
const LUMA_G = Math.fround(0.587);
const LUMA_B = Math.fround(0.114);

// float32(coefficient * v) for every byte value: one table lookup per channel
// replaces a multiply and a rounding in the per-pixel loop.
const R_TERM = new Float32Array(256);
const G_TERM = new Float32Array(256);
const B_TERM = new Float32Array(256);
for (let v = 0; v < 256; v++) {
  R_TERM[v] = LUMA_R * v;
  G_TERM[v] = LUMA_G * v;
  B_TERM[v] = LUMA_B * v;
}

function rgbToLuma(data: Uint8Array, luma: Float32Array, n: number, stride: 3 | 4): void {
  const r = R_TERM;
  const g = G_TERM;
  const b = B_TERM;
  for (let i = 0, p = 0; i < n; i++, p += stride) {
    // (R term + G term) rounded to float32, + B term, rounded on store: the reference's order.
    luma[i] = Math.fround(r[data[p]!]! + g[data[p + 1]!]!) + b[data[p + 2]!]!;
  }
}

/**
 * Luma of interleaved 8-bit pixels. Grey input is taken as is (the
 * reference's fillFloatLumaFromGrey); alpha is ignored, not composited.
 * Writes into `out` when given (at least width * height long), so that a hot
 * loop need not allocate.
 */
export function lumaFromPixels(image: PixelImage, out?: Float32Array): LumaImage {
  const { width, height, channels, data } = image;
  const n = width * height;
  if (data.length < n * channels) {
    throw new RangeError(`pixel buffer holds ${data.length} bytes, ${width}x${height}x${channels} needs ${n * channels}`);
  }
  const luma = out !== undefined && out.length >= n ? out.subarray(0, n) : new Float32Array(n);
  if (channels <= 2) {
    for (let i = 0, p = 0; i < n; i++, p += channels) luma[i] = data[p]!;
  } else if (channels === 3) {
    rgbToLuma(data, luma, n, 3);
  } else {
    rgbToLuma(data, luma, n, 4);
  }
  return { width, height, data: luma };
}
