/**
 * The compact binary form of an index, for the replica to keep beside its
 * database so that a restart loads in well under a second per 10M hashes
 * instead of rebuilding.
 *
 * Layout (little-endian):
 *   "HFMATCH\0"  u32 version  u32 bits  u32 threshold  u32 segments  f64 maxBytesPerIndicator
 *   per segment: u32 rows  u32 slots  f64 image bytes  then per slot u32 start, width, tableBits, remBits
 *   per segment: its image (hashes, ids, tombstones, tables, postings; see layout.ts), byte for byte
 *   SHA-256 of everything before it (32 bytes)
 *
 * The file is a local cache written by this process, not a signed artefact:
 * the digest catches truncation and corruption; the replica it was made from
 * stays the authority.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, renameSync, writeSync } from 'node:fs';
import { MatchError } from './errors.ts';
import type { MatchKernel } from './kernel.ts';
import { segmentLayout } from './layout.ts';
import type { HashBits, SegmentPlan, SlotPlan } from './plan.ts';
import { Segment } from './segment.ts';

const MAGIC = 'HFMATCH\0';
const VERSION = 1;
const DIGEST_BYTES = 32;
const MAX_SEGMENT_ROWS = 2 ** 24;

export interface IndexHeader {
  readonly bits: HashBits;
  readonly threshold: number;
  readonly maxBytesPerIndicator: number;
}

function bad(message: string, cause?: unknown): MatchError {
  return new MatchError('MATCH_BAD_FILE', `not a usable index file: ${message}`, { cause });
}

/** The file as chunks to write in order: a header, views of each segment's image, the digest. */
export function encodeIndex(header: IndexHeader, segments: readonly Segment[]): Uint8Array[] {
  let headerBytes = 8 + 4 * 4 + 8;
  for (const s of segments) headerBytes += 4 + 4 + 8 + s.plan.slots.length * 16;
  const head = new Uint8Array(headerBytes);
  const view = new DataView(head.buffer);
  head.set(new TextEncoder().encode(MAGIC), 0);
  let at = 8;
  const u32 = (v: number): void => {
    view.setUint32(at, v, true);
    at += 4;
  };
  const f64 = (v: number): void => {
    view.setFloat64(at, v, true);
    at += 8;
  };
  u32(VERSION);
  u32(header.bits);
  u32(header.threshold);
  u32(segments.length);
  f64(header.maxBytesPerIndicator);
  for (const s of segments) {
    u32(s.rows);
    u32(s.plan.slots.length);
    f64(s.layout.imageEnd - s.layout.imageStart);
    for (const slot of s.plan.slots) {
      u32(slot.start);
      u32(slot.width);
      u32(slot.tableBits);
      u32(slot.remBits);
    }
  }
  const chunks = [head, ...segments.map((s) => s.mem.u8.subarray(s.layout.imageStart, s.layout.imageEnd))];
  const digest = createHash('sha256');
  for (const c of chunks) digest.update(c);
  chunks.push(new Uint8Array(digest.digest()));
  return chunks;
}

/** Writes chunks to `path` through a temporary file, so a crash never leaves half a file under the name. */
export function writeChunks(path: string, chunks: readonly Uint8Array[]): void {
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w');
  try {
    for (const c of chunks) {
      let done = 0;
      while (done < c.length) done += writeSync(fd, c, done, c.length - done);
    }
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
}

/** Reads exactly `into.length` bytes or throws MATCH_BAD_FILE. */
interface ByteReader {
  read(into: Uint8Array): void;
  readonly size: number;
}

function bufferReader(bytes: Uint8Array): ByteReader {
  let at = 0;
  return {
    size: bytes.length,
    read(into) {
      if (at + into.length > bytes.length) throw bad('truncated');
      into.set(bytes.subarray(at, at + into.length));
      at += into.length;
    },
  };
}

function fileReader(fd: number): ByteReader {
  let at = 0;
  return {
    size: fstatSync(fd).size,
    read(into) {
      let done = 0;
      while (done < into.length) {
        const n = readSync(fd, into, done, into.length - done, at + done);
        if (n === 0) throw bad('truncated');
        done += n;
      }
      at += into.length;
    },
  };
}

function readPlan(bits: HashBits, slots: readonly SlotPlan[]): SegmentPlan {
  let covered = 0;
  for (const s of slots) {
    const ok =
      s.width >= 1 &&
      s.width <= 32 &&
      s.tableBits <= 24 &&
      s.remBits <= 8 &&
      s.tableBits + s.remBits === s.width &&
      s.start === covered;
    if (!ok) throw bad('a slot layout is invalid');
    covered += s.width;
  }
  if (slots.length > 0 && covered !== bits) throw bad('slots do not cover the hash');
  return { bits, slots };
}

/** Reads an index file into fresh segment memories of `kernel`, checking its digest. */
export function decodeIndex(source: string | Uint8Array, kernel: MatchKernel): { header: IndexHeader; segments: Segment[] } {
  if (typeof source === 'string') {
    let fd: number;
    try {
      fd = openSync(source, 'r');
    } catch (cause) {
      throw bad(`cannot open ${source}`, cause);
    }
    try {
      return decodeFrom(fileReader(fd), kernel);
    } finally {
      closeSync(fd);
    }
  }
  return decodeFrom(bufferReader(source), kernel);
}

function decodeFrom(reader: ByteReader, kernel: MatchKernel): { header: IndexHeader; segments: Segment[] } {
  const digest: Hash = createHash('sha256');
  const take = (n: number): DataView => {
    const bytes = new Uint8Array(n);
    reader.read(bytes);
    digest.update(bytes);
    return new DataView(bytes.buffer);
  };
  const fixed = take(8 + 4 * 4 + 8);
  const magic = new TextDecoder().decode(new Uint8Array(fixed.buffer, 0, 8));
  if (magic !== MAGIC) throw bad('wrong magic');
  if (fixed.getUint32(8, true) !== VERSION) throw bad(`unsupported version ${fixed.getUint32(8, true)}`);
  const bits = fixed.getUint32(12, true);
  if (bits !== 64 && bits !== 256) throw bad('bits must be 64 or 256');
  const threshold = fixed.getUint32(16, true);
  const count = fixed.getUint32(20, true);
  const maxBytesPerIndicator = fixed.getFloat64(24, true);
  if (threshold > (bits === 256 ? 63 : 15) || !(maxBytesPerIndicator > 0) || count > 4096) throw bad('header out of range');
  const metas: { rows: number; plan: SegmentPlan; imageBytes: number }[] = [];
  let expected = 8 + 4 * 4 + 8 + DIGEST_BYTES;
  for (let i = 0; i < count; i++) {
    const meta = take(16);
    const rows = meta.getUint32(0, true);
    const slotCount = meta.getUint32(4, true);
    const imageBytes = meta.getFloat64(8, true);
    if (rows > MAX_SEGMENT_ROWS || slotCount > 32) throw bad('segment header out of range');
    const slotView = take(slotCount * 16);
    const slots: SlotPlan[] = [];
    for (let k = 0; k < slotCount; k++) {
      const at = k * 16;
      slots.push({
        start: slotView.getUint32(at, true),
        width: slotView.getUint32(at + 4, true),
        tableBits: slotView.getUint32(at + 8, true),
        remBits: slotView.getUint32(at + 12, true),
      });
    }
    const plan = readPlan(bits, slots);
    if (slots.some((s) => rows > 2 ** (32 - s.remBits))) throw bad('too many rows for the posting format');
    const layout = segmentLayout(plan, rows);
    if (imageBytes !== layout.imageEnd - layout.imageStart) throw bad('segment image size does not match its layout');
    metas.push({ rows, plan, imageBytes });
    expected += 16 + slotCount * 16 + imageBytes;
  }
  if (reader.size !== expected) throw bad(`size ${reader.size} bytes, expected ${expected}`);
  const segments = metas.map(({ rows, plan }) => {
    const segment = Segment.allocate(kernel, plan, rows, false);
    const image = segment.mem.u8.subarray(segment.layout.imageStart, segment.layout.imageEnd);
    reader.read(image);
    digest.update(image);
    segment.recountDead();
    return segment;
  });
  const stored = new Uint8Array(DIGEST_BYTES);
  reader.read(stored);
  const actual = new Uint8Array(digest.digest());
  if (!actual.every((b, i) => b === stored[i])) throw bad('digest mismatch (corrupt or truncated)');
  return { header: { bits, threshold, maxBytesPerIndicator }, segments };
}
