/**
 * Finds a frame added around a picture (docs/HASHING.md, "Unframing"): bands
 * at the edges that do not belong to it, so that the picture inside can be
 * hashed as a further query. Three kinds:
 *
 * - `flat`: a solid or near-solid colour band (tolerant of noise and JPEG
 *   ringing), on any side: frames, letterbox and pillarbox bars, and caption
 *   bands whose flat colour carries a few lines of text.
 * - `blurred`: the blurred, enlarged copy of the picture that apps put behind
 *   it (blurred-fill letterbox and pillarbox): smooth lines ending at a
 *   straight step, on two opposite sides at equal depth.
 *
 * A band must end at a step: the lines just past it are no longer mostly
 * the band's colour (flat) or smooth (blurred). A gradient, a night sky or
 * any other edge that fades into the picture has no such step and gives no
 * frame. Works on a grid of at most GRID_SIDE samples a side (the luma is
 * sampled, not resized), so the cost does not grow with the image.
 */
import type { LumaImage } from './luma.ts';

/** x, y, width, height in the luma image's pixels. */
export type FrameBox = readonly [x: number, y: number, width: number, height: number];

export interface DetectedFrame {
  /** The picture inside the frame. */
  readonly box: FrameBox;
  /** Depth of the band on each side, in the luma image's pixels (0: none). */
  readonly sides: { readonly top: number; readonly bottom: number; readonly left: number; readonly right: number };
}

/** Samples along the longer side at most: detection costs the same for any image size. */
export const GRID_SIDE = 256;
/**
 * A flat band's pixels lie within this many luma levels of its colour: four
 * times the edge line's own noise (a robust sigma, from its median absolute
 * deviation), kept between the two bounds (JPEG ringing around a solid bar;
 * noise of sigma up to 6).
 */
export const FLAT_TOLERANCE_MIN = 8;
export const FLAT_TOLERANCE_MAX = 24;
/** ... and the band's median drifts no further than this from the edge's: a gradient drifts, a bar does not. */
export const FLAT_DRIFT = 3;
/** Share of a line within tolerance for a pure band line. */
export const PURE_LINE_SHARE = 0.95;
/**
 * Lines in a row between pure lines at most, as a share of the side: a
 * caption's line of text (reduced by a scaled decode, its lines are mostly
 * grey, neither ink nor band); a longer run is the picture.
 */
export const TEXT_RUN_SHARE = 0.1;
/** A line past the band with less than this share of the band's colour, or whose median moved this far from it, is picture: the step. */
export const STEP_LINE_SHARE = 0.5;
export const STEP_MEDIAN = 10;
/** Mean luma change between neighbouring samples of a blurred band at most, and across its step at least. */
export const SMOOTH_GRADIENT = 3;
export const BLURRED_STEP = 6;
/** The step on the faint side of a blurred pair at least (see smoothTo). */
export const FAINT_STEP = 2;
/** A line across the step is a mix of band and picture when it is less than this share of the way from one to the other. */
export const MIXED_LINE_SHARE = 0.75;
/** A band is at least this share of its side (and 2 samples); at most MAX_BAND_SHARE; the picture keeps at least MIN_INSIDE_SHARE. */
export const MIN_BAND_SHARE = 0.02;
export const MAX_BAND_SHARE = 0.3;
export const MIN_INSIDE_SHARE = 0.5;

type Side = 'top' | 'bottom' | 'left' | 'right';

/** The luma sampled on a grid of at most GRID_SIDE a side; `step` luma pixels per sample. */
interface Grid {
  readonly width: number;
  readonly height: number;
  readonly step: number;
  readonly data: Float32Array;
}

function sampleGrid(luma: LumaImage): Grid {
  const step = Math.max(1, Math.ceil(Math.max(luma.width, luma.height) / GRID_SIDE));
  // The `fast` decode is usually small enough already: read it in place.
  if (step === 1) return { width: luma.width, height: luma.height, step, data: luma.data };
  const width = Math.floor(luma.width / step);
  const height = Math.floor(luma.height / step);
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * step * luma.width;
    for (let x = 0; x < width; x++) data[y * width + x] = luma.data[row + x * step]!;
  }
  return { width, height, step, data };
}

/** Line `index` from the `side` edge inwards, as a sample array. */
function line(grid: Grid, side: Side, index: number): Float32Array {
  const { width, height, data } = grid;
  if (side === 'top' || side === 'bottom') {
    const y = side === 'top' ? index : height - 1 - index;
    return data.subarray(y * width, (y + 1) * width);
  }
  const x = side === 'left' ? index : width - 1 - index;
  const out = new Float32Array(height);
  for (let y = 0; y < height; y++) out[y] = data[y * width + x]!;
  return out;
}

function lineCount(grid: Grid, side: Side): number {
  return side === 'top' || side === 'bottom' ? grid.height : grid.width;
}

const levelCounts = new Uint32Array(256);

/** The median to the nearest luma level (a counting sort: no allocation, no comparison sort per line). */
function median(values: Float32Array): number {
  levelCounts.fill(0);
  for (const v of values) levelCounts[Math.max(0, Math.min(255, Math.round(v)))]!++;
  const half = values.length >> 1;
  for (let level = 0, seen = 0; level < 256; level++) {
    seen += levelCounts[level]!;
    if (seen > half) return level;
  }
  return 255;
}

function shareWithin(values: Float32Array, colour: number, tolerance: number): number {
  let within = 0;
  for (const v of values) if (Math.abs(v - colour) <= tolerance) within++;
  return values.length === 0 ? 0 : within / values.length;
}

/** Depth in lines of a flat band on `side`, or 0. */
function flatBand(grid: Grid, side: Side, maxDepth: number): number {
  const edge = line(grid, side, 0);
  const colour = median(edge);
  // Once per side, so sorted exactly: the tolerance should not move by a rounded level.
  const deviation = edge.map((v) => Math.abs(v - colour)).sort()[edge.length >> 1] ?? 0;
  const tolerance = Math.min(FLAT_TOLERANCE_MAX, Math.max(FLAT_TOLERANCE_MIN, 4 * 1.4826 * deviation));
  const pure = (values: Float32Array): boolean => shareWithin(values, colour, tolerance) >= PURE_LINE_SHARE && Math.abs(median(values) - colour) <= FLAT_DRIFT;
  if (!pure(edge)) return 0;
  // A caption's lines of text: a short run of lines of anything, between pure lines.
  const textRun = Math.max(3, Math.ceil(lineCount(grid, side) * TEXT_RUN_SHARE));
  let depth = 1;
  for (let index = 1, run = 0; index <= maxDepth; index++) {
    const values = line(grid, side, index);
    if (pure(values)) {
      depth = index + 1;
      run = 0;
    } else if (++run > textRun) break;
  }
  if (depth > maxDepth) return 0;
  // The step: within a few lines past the band (JPEG ringing, a scaled decode's mixed line), the picture.
  const count = lineCount(grid, side);
  for (let index = depth; index < Math.min(count, depth + 3); index++) {
    const values = line(grid, side, index);
    if (shareWithin(values, colour, tolerance) < STEP_LINE_SHARE || Math.abs(median(values) - colour) >= STEP_MEDIAN) return index > depth ? index : withMixedLine(grid, side, depth, colour);
  }
  return 0;
}

/** `depth`, or one more when the line there is a mix of the band's colour and the picture past it (a scaled decode's, or a blurred edge's). */
function withMixedLine(grid: Grid, side: Side, depth: number, colour: number): number {
  if (depth + 1 >= lineCount(grid, side)) return depth;
  const mixed = median(line(grid, side, depth)) - colour;
  const beyond = median(line(grid, side, depth + 1)) - colour;
  return Math.sign(mixed) === Math.sign(beyond) && Math.abs(mixed) < Math.abs(beyond) * MIXED_LINE_SHARE ? depth + 1 : depth;
}

function meanAbsDifference(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return a.length === 0 ? 0 : sum / a.length;
}

function alongGradient(values: Float32Array): number {
  let sum = 0;
  for (let i = 1; i < values.length; i++) sum += Math.abs(values[i]! - values[i - 1]!);
  return values.length < 2 ? 0 : sum / (values.length - 1);
}

/** Whether lines 0 to depth - 1 of `side` are as smooth as a blurred band's. */
function smoothTo(grid: Grid, side: Side, depth: number): boolean {
  let previous = line(grid, side, 0);
  if (alongGradient(previous) > SMOOTH_GRADIENT) return false;
  let change = 0;
  for (let index = 1; index < depth; index++) {
    const current = line(grid, side, index);
    const difference = meanAbsDifference(previous, current);
    if (difference > SMOOTH_GRADIENT || alongGradient(current) > SMOOTH_GRADIENT) return false;
    change = Math.max(change, difference);
    previous = current;
  }
  // Still a step there, if a faint one: across the edge, more change than anywhere in the band.
  const count = lineCount(grid, side);
  const across = meanAbsDifference(previous, line(grid, side, Math.min(count - 1, depth + 1)));
  return across >= FAINT_STEP && across >= 2 * change;
}

/** Depth in lines of a blurred band on `side` (smooth lines, then a step), or 0. */
function blurredBand(grid: Grid, side: Side, maxDepth: number): number {
  let previous = line(grid, side, 0);
  if (alongGradient(previous) > SMOOTH_GRADIENT) return 0;
  for (let index = 1; index <= maxDepth + 1; index++) {
    const current = line(grid, side, index);
    if (meanAbsDifference(previous, current) <= SMOOTH_GRADIENT && alongGradient(current) <= SMOOTH_GRADIENT) {
      previous = current;
      continue;
    }
    // The step may be spread over two lines by a scaled decode: the line that mixes band and picture goes with the band.
    const beyond = line(grid, side, Math.min(lineCount(grid, side) - 1, index + 1));
    if (index > maxDepth || meanAbsDifference(previous, beyond) < BLURRED_STEP) return 0;
    return meanAbsDifference(previous, current) < meanAbsDifference(previous, beyond) * MIXED_LINE_SHARE ? index + 1 : index;
  }
  return 0;
}

/** The frame around the picture in `luma`, or undefined when it has none. */
export function detectFrame(luma: LumaImage): DetectedFrame | undefined {
  const grid = sampleGrid(luma);
  if (grid.width < 16 || grid.height < 16) return undefined;
  const depthOf = (side: Side): { flat: number; blurred: number } => {
    const count = lineCount(grid, side);
    const maxDepth = Math.floor(count * MAX_BAND_SHARE);
    const minDepth = Math.max(2, Math.ceil(count * MIN_BAND_SHARE));
    const flat = flatBand(grid, side, maxDepth);
    const blurred = flat > 0 ? 0 : blurredBand(grid, side, maxDepth);
    return { flat: flat >= minDepth ? flat : 0, blurred: blurred >= minDepth ? blurred : 0 };
  };
  const bands = { top: depthOf('top'), bottom: depthOf('bottom'), left: depthOf('left'), right: depthOf('right') };
  // A blurred fill is centred: it counts only on two opposite sides of about equal depth. Where the
  // picture's own edge is smooth too (a sky), the step on that side is faint: a side whose lines are
  // smooth to the depth found opposite is taken as its pair.
  for (const [side, opposite] of [['top', 'bottom'], ['bottom', 'top'], ['left', 'right'], ['right', 'left']] as const) {
    const found = bands[opposite].blurred;
    if (found > 0 && bands[side].blurred === 0 && bands[side].flat === 0 && smoothTo(grid, side, found)) bands[side] = { flat: 0, blurred: found };
  }
  const paired = (a: number, b: number): boolean => a > 0 && b > 0 && Math.abs(a - b) <= Math.max(2, 0.1 * Math.max(a, b));
  const vertical = paired(bands.top.blurred, bands.bottom.blurred);
  const horizontal = paired(bands.left.blurred, bands.right.blurred);
  const lines = {
    top: bands.top.flat || (vertical ? bands.top.blurred : 0),
    bottom: bands.bottom.flat || (vertical ? bands.bottom.blurred : 0),
    left: bands.left.flat || (horizontal ? bands.left.blurred : 0),
    right: bands.right.flat || (horizontal ? bands.right.blurred : 0),
  };
  if (lines.top + lines.bottom + lines.left + lines.right === 0) return undefined;
  if (grid.width - lines.left - lines.right < grid.width * MIN_INSIDE_SHARE) return undefined;
  if (grid.height - lines.top - lines.bottom < grid.height * MIN_INSIDE_SHARE) return undefined;

  // Back to luma pixels; the far sides count from the luma's own edge (the grid drops a remainder).
  const { step } = grid;
  const sides = {
    top: lines.top * step,
    left: lines.left * step,
    bottom: lines.bottom === 0 ? 0 : luma.height - (grid.height - lines.bottom) * step,
    right: lines.right === 0 ? 0 : luma.width - (grid.width - lines.right) * step,
  };
  const box: FrameBox = [sides.left, sides.top, luma.width - sides.left - sides.right, luma.height - sides.top - sides.bottom];
  return { box, sides };
}

/** The part of `luma` inside `box`, copied. */
export function cropLuma(luma: LumaImage, box: FrameBox): LumaImage {
  const [x, y, width, height] = box;
  const data = new Float32Array(width * height);
  for (let row = 0; row < height; row++) {
    const from = (y + row) * luma.width + x;
    data.set(luma.data.subarray(from, from + width), row * width);
  }
  return { width, height, data };
}
