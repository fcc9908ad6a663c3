/**
 * Cheaper progressive JPEGs for decoding at 1/8 scale (the `fast` path).
 *
 * At 1/8 scale libjpeg reconstructs each block of a full-resolution
 * component from its DC coefficient alone (a 1x1 inverse DCT), yet a
 * progressive file still makes it entropy-decode every AC scan, which is most
 * of the file and most of the time. This rewrites the stream so that those
 * scans are not there to decode:
 *
 * - frame header, tables, APPn (EXIF orientation) and every DC scan are kept;
 * - AC scans of subsampled components (chroma in 4:2:0) are kept, because at
 *   1/8 scale their blocks use a 2x2 or larger inverse DCT, which reads AC;
 * - AC scans of full-resolution components are dropped, and one all-zero AC
 *   scan per such component (a single end-of-band run) is appended, so that
 *   libjpeg sees every coefficient as transmitted and does not switch on
 *   block smoothing, which would otherwise alter the DC-only output.
 *
 * Decoded at 1/8 scale the result is pixel-identical to the original
 * (progressive-jpeg.test.ts checks this); at any other scale it is not.
 * Anything unusual (not progressive Huffman, restart intervals, several
 * frames, malformed segments) returns undefined and the original is decoded.
 */

interface Component {
  readonly id: number;
  readonly h: number;
  readonly v: number;
}

interface Frame {
  readonly width: number;
  readonly height: number;
  readonly components: readonly Component[];
}

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const DRI = 0xdd;
const DNL = 0xdc;
const SOF2 = 0xc2; // progressive, Huffman
const AC_TABLE = 3; // the all-zero scans' Huffman table slot (free once the kept scans are done)

/** A copy of `jpeg` that decodes identically at 1/8 scale with less work, or undefined when that is not possible. */
export function progressiveJpegForEighthScale(jpeg: Uint8Array): Uint8Array | undefined {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== SOI) return undefined;
  const kept: Uint8Array[] = [jpeg.subarray(0, 2)];
  let frame: Frame | undefined;
  let dropped = 0;
  let i = 2;
  for (;;) {
    if (i + 1 >= jpeg.length || jpeg[i] !== 0xff) return undefined;
    const marker = jpeg[i + 1] ?? 0;
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === EOI) break;
    if (marker === SOI || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) return undefined;
    if (i + 4 > jpeg.length) return undefined;
    const end = i + 2 + (((jpeg[i + 2] ?? 0) << 8) | (jpeg[i + 3] ?? 0));
    if (end > jpeg.length || end < i + 4) return undefined;
    const segment = jpeg.subarray(i, end);
    if (isStartOfFrame(marker)) {
      if (marker !== SOF2 || frame !== undefined) return undefined;
      frame = parseFrame(segment);
      if (frame === undefined) return undefined;
    } else if (marker === DRI) {
      if (segment.length < 6 || (segment[4] ?? 0) !== 0 || (segment[5] ?? 0) !== 0) return undefined; // restart markers: not handled
    } else if (marker === DNL) {
      return undefined;
    }
    if (marker !== SOS) {
      kept.push(segment);
      i = end;
      continue;
    }
    if (frame === undefined) return undefined;
    const scanEnd = endOfEntropyData(jpeg, end);
    if (scanEnd === undefined) return undefined;
    const scan = parseScanHeader(segment);
    if (scan === undefined) return undefined;
    const component = frame.components.find((c) => c.id === scan.componentIds[0]);
    if (component === undefined) return undefined;
    if (scan.spectralStart > 0 && isFullResolution(component, frame)) dropped++;
    else kept.push(jpeg.subarray(i, scanEnd));
    i = scanEnd;
  }
  if (frame === undefined || dropped === 0) return undefined;
  kept.push(endOfBandTable());
  for (const component of frame.components) {
    if (isFullResolution(component, frame)) kept.push(allZeroAcScan(component, frame));
  }
  kept.push(Uint8Array.of(0xff, EOI));
  return concat(kept);
}

function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function parseFrame(segment: Uint8Array): Frame | undefined {
  // FF C2, length(2), precision(1), height(2), width(2), count(1), count x (id, h<<4|v, table)
  if (segment.length < 10) return undefined;
  const height = ((segment[5] ?? 0) << 8) | (segment[6] ?? 0);
  const width = ((segment[7] ?? 0) << 8) | (segment[8] ?? 0);
  const count = segment[9] ?? 0;
  if (height === 0 || width === 0 || count < 1 || count > 4 || segment.length < 10 + 3 * count) return undefined;
  const components: Component[] = [];
  for (let c = 0; c < count; c++) {
    const sampling = segment[11 + 3 * c] ?? 0;
    const h = sampling >> 4;
    const v = sampling & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) return undefined;
    components.push({ id: segment[10 + 3 * c] ?? 0, h, v });
  }
  return { width, height, components };
}

function parseScanHeader(segment: Uint8Array): { componentIds: number[]; spectralStart: number } | undefined {
  // FF DA, length(2), count(1), count x (id, tables), Ss, Se, Ah<<4|Al
  const count = segment[4] ?? 0;
  if (count < 1 || count > 4 || segment.length < 8 + 2 * count) return undefined;
  const componentIds = Array.from({ length: count }, (_, c) => segment[5 + 2 * c] ?? 0);
  const spectralStart = segment[5 + 2 * count] ?? 0;
  // AC scans carry exactly one component (ITU-T T.81 G.1.1.1.1); anything else is malformed.
  if (spectralStart > 0 && count !== 1) return undefined;
  return { componentIds, spectralStart };
}

/** Offset of the marker that ends the entropy-coded data starting at `from`. */
function endOfEntropyData(jpeg: Uint8Array, from: number): number | undefined {
  for (let j = from; j + 1 < jpeg.length; j++) {
    if (jpeg[j] !== 0xff) continue;
    const next = jpeg[j + 1] ?? 0;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7) || next === 0xff) continue; // stuffing, restart, fill
    return j;
  }
  return undefined;
}

function isFullResolution(component: Component, frame: Frame): boolean {
  const maxH = Math.max(...frame.components.map((c) => c.h));
  const maxV = Math.max(...frame.components.map((c) => c.v));
  return component.h === maxH && component.v === maxV;
}

/** A DHT for AC table AC_TABLE holding the 15 end-of-band-run symbols (r << 4, r = 0..14), each a 4-bit code. */
function endOfBandTable(): Uint8Array {
  const counts = new Array<number>(16).fill(0);
  counts[3] = 15; // 15 codes of length 4: 0000 .. 1110
  const symbols = Array.from({ length: 15 }, (_, r) => r << 4);
  const body = [0x10 | AC_TABLE, ...counts, ...symbols];
  return Uint8Array.of(0xff, 0xc4, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body);
}

/**
 * A first AC scan (Ss 1, Se 63, Ah 0, Al 0) of one component in which every
 * block is all zero: end-of-band runs of up to 32767 blocks each, a run of
 * 2^r + e coded as symbol r << 4 followed by the r bits of e.
 */
function allZeroAcScan(component: Component, frame: Frame): Uint8Array {
  const maxH = Math.max(...frame.components.map((c) => c.h));
  const maxV = Math.max(...frame.components.map((c) => c.v));
  const blocksWide = Math.ceil((frame.width * component.h) / (maxH * 8));
  const blocksHigh = Math.ceil((frame.height * component.v) / (maxV * 8));
  const bits = new BitWriter();
  for (let left = blocksWide * blocksHigh; left > 0; ) {
    const run = Math.min(left, 0x7fff);
    const r = 31 - Math.clz32(run);
    bits.write(r, 4); // the code of symbol r << 4 is r itself (codes assigned in symbol order)
    bits.write(run - (1 << r), r);
    left -= run;
  }
  const header = Uint8Array.of(0xff, SOS, 0, 8, 1, component.id, AC_TABLE, 1, 63, 0);
  return concat([header, bits.finish()]);
}

class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private filled = 0;

  write(value: number, count: number): void {
    for (let b = count - 1; b >= 0; b--) {
      this.current = (this.current << 1) | ((value >> b) & 1);
      if (++this.filled === 8) this.flush();
    }
  }

  /** Pads with 1 bits and returns the bytes, with a 0x00 stuffed after every 0xFF. */
  finish(): Uint8Array {
    while (this.filled !== 0) this.write(1, 1);
    return Uint8Array.from(this.bytes);
  }

  private flush(): void {
    this.bytes.push(this.current);
    if (this.current === 0xff) this.bytes.push(0);
    this.current = 0;
    this.filled = 0;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
