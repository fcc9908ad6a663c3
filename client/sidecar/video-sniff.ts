/**
 * Whether an upload is a video, from its first bytes only: the content type
 * a client sends is never trusted (a video labelled image/jpeg is scanned
 * as video, a JPEG labelled video/mp4 as an image). A container is named
 * by its signature; an ISO BMFF file (`ftyp`) is a video unless its brand
 * is a still-image one (HEIF, AVIF), which the image path decodes.
 */

/** Bytes the sniffer reads: three MPEG-TS packets' sync bytes (0, 188, 376) and an ftyp box's brands. */
export const VIDEO_SNIFF_BYTES = 512;

/** ISO BMFF brands of still pictures and image sequences: HEIF/HEIC and AVIF (sharp's image path). */
const IMAGE_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'avif', 'avis', 'crx ']);

const ascii = (head: Uint8Array, from: number, length: number): string => String.fromCharCode(...head.subarray(from, from + length));
const startsWith = (head: Uint8Array, bytes: readonly number[], at = 0): boolean => bytes.every((b, i) => head[at + i] === b);

/** The container a head of bytes starts, or undefined for anything else (an image, a document, too few bytes). */
export function sniffVideo(head: Uint8Array): string | undefined {
  if (head.byteLength >= 12 && ascii(head, 4, 4) === 'ftyp') return IMAGE_BRANDS.has(ascii(head, 8, 4)) ? undefined : 'mp4';
  // QuickTime files older than ftyp start with a movie or media box.
  if (head.byteLength >= 8 && ['moov', 'mdat', 'wide'].includes(ascii(head, 4, 4))) return 'mov';
  if (startsWith(head, [0x1a, 0x45, 0xdf, 0xa3])) return 'matroska';
  if (head.byteLength >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 4) === 'AVI ') return 'avi';
  if (startsWith(head, [0x00, 0x00, 0x01, 0xba])) return 'mpeg-ps';
  if (startsWith(head, [0x46, 0x4c, 0x56, 0x01])) return 'flv';
  if (startsWith(head, [0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11])) return 'asf';
  // MPEG-TS: a sync byte every 188 bytes; one alone (a 'G' at the start of a text) is not enough.
  if (head.byteLength >= 189 && [0, 188, 376].every((at) => at >= head.byteLength || head[at] === 0x47)) return 'mpeg-ts';
  return undefined;
}
