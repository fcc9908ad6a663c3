/**
 * Crop variants: PDQ of the picture cropped by fixed fractions, computed on
 * the submission side so that a cropped re-upload lands near one of them.
 * PDQ moves 18 to 36 bits under a 1 to 2 % crop and about 90 at 5 %
 * (docs/ACCURACY.md), so a query cannot reach a cropped copy from the
 * original's hash alone; a variant hash of the original cropped about as the
 * copy was is within reach. docs/HASHING.md, "Crops", gives the grid's
 * measurement and its false-positive cost.
 */
import { cropLuma } from './frame-detect.ts';
import type { FrameBox } from './frame-detect.ts';
import type { LumaImage } from './luma.ts';
import { pdqFromLuma } from './pdq.ts';

/** How much of each side a variant cuts away, as fractions of that side's axis. */
export interface CropFractions {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/** One crop variant in a grid: a stable name (printed, and stored with a submitted variant) and its fractions. */
export interface CropVariantSpec {
  readonly name: string;
  readonly crop: CropFractions;
}

const SIDES = ['left', 'top', 'right', 'bottom'] as const;
const NONE: CropFractions = { left: 0, top: 0, right: 0, bottom: 0 };

function oneSide(side: (typeof SIDES)[number], fraction: number): CropVariantSpec {
  return { name: `${side}-${Math.round(fraction * 100)}`, crop: { ...NONE, [side]: fraction } };
}

function allSides(fraction: number): CropVariantSpec {
  return { name: `all-${Math.round(fraction * 100)}`, crop: { left: fraction, top: fraction, right: fraction, bottom: fraction } };
}

function corner(horizontal: 'left' | 'right', vertical: 'top' | 'bottom', fraction: number): CropVariantSpec {
  return { name: `${horizontal}-${vertical}-${Math.round(fraction * 100)}`, crop: { ...NONE, [horizontal]: fraction, [vertical]: fraction } };
}

/**
 * The grid `--variants crops` submits, chosen by measurement (docs/HASHING.md,
 * "Crops"; bench/crop-grid.ts). A variant catches crops within about 2 % of
 * its own on one side and about 1 % when all sides or two sides move, so: each
 * side alone at 3, 6 and 9 %; all four sides at 2, 4, 6, 8 and 10 %; each
 * corner (two adjacent sides) at 3, 6 and 10 %. 29 variants: each is one more
 * chance for an unrelated picture to match, and this is the smallest grid
 * measured that reaches crops up to 10 % of every kind.
 */
export const CROP_GRID: readonly CropVariantSpec[] = [
  ...SIDES.flatMap((side) => [0.03, 0.06, 0.09].map((f) => oneSide(side, f))),
  ...[0.02, 0.04, 0.06, 0.08, 0.1].map(allSides),
  ...(['top', 'bottom'] as const).flatMap((vertical) =>
    (['left', 'right'] as const).flatMap((horizontal) => [0.03, 0.06, 0.1].map((f) => corner(horizontal, vertical, f))),
  ),
];

/** The box of `luma` a crop keeps, in whole pixels, never empty. */
export function cropBox(width: number, height: number, crop: CropFractions): FrameBox {
  const left = Math.round(width * crop.left);
  const top = Math.round(height * crop.top);
  const right = Math.max(left + 1, width - Math.round(width * crop.right));
  const bottom = Math.max(top + 1, height - Math.round(height * crop.bottom));
  return [left, top, Math.min(width, right) - left, Math.min(height, bottom) - top];
}

export interface CropVariantHash {
  readonly name: string;
  /** x, y, width, height of the kept window, in full-resolution pixels as displayed. */
  readonly box: FrameBox;
  readonly hash: Uint8Array;
  readonly quality: number;
}

/**
 * PDQ of each crop of `luma`. With `source` (the `fast` path: `luma` is a
 * reduced decode of a picture that size), each crop is taken in reduced
 * pixels and hashed with the geometry of the source window it stands for,
 * as the unframed picture is (hash-image.ts): the grid is then rounded to
 * the reduced pixels, and each variant is exactly the hash of its own box.
 */
export function pdqCropVariants(
  luma: LumaImage,
  grid: readonly CropVariantSpec[] = CROP_GRID,
  source?: { readonly width: number; readonly height: number },
): CropVariantHash[] {
  return grid.map(({ name, crop }) => {
    const box = cropBox(luma.width, luma.height, crop);
    const inside = cropLuma(luma, box);
    if (source === undefined) return { name, box, ...pdqFromLuma(inside) };
    const scaleX = source.width / luma.width;
    const scaleY = source.height / luma.height;
    const [x, y, width, height] = box;
    const left = Math.round(x * scaleX);
    const top = Math.round(y * scaleY);
    const sourceBox: FrameBox = [left, top, Math.round((x + width) * scaleX) - left, Math.round((y + height) * scaleY) - top];
    return { name, box: sourceBox, ...pdqFromLuma(inside, { source: { width: sourceBox[2], height: sourceBox[3] } }) };
  });
}
