/**
 * A GIF cut off part-way (an upload that stopped, or an evasion: libnsgif
 * refuses such a file from its header, while browsers show the rows that
 * arrived) closed where its data ends: the cut sub-block padded with zeros,
 * the block ended and the trailer added, so that the decoder reads it as
 * far as it goes (the result is `partial`).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Sub-blocks walked between turns of the event loop. */
const BLOCKS_PER_TURN = 1 << 20;

/** The GIF closed where it was cut, or undefined for bytes that are no cut GIF (complete, not a GIF, or cut inside its header). */
export async function closeTruncatedGif(bytes: Uint8Array): Promise<Uint8Array | undefined> {
  if (bytes.length < 13 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'GIF8') return undefined;
  const flags = bytes[10]!;
  let at = 13 + (flags & 0x80 ? 3 * (1 << ((flags & 7) + 1)) : 0);
  if (at >= bytes.length) return undefined;
  const closed = (tail: readonly number[], padding = 0): Uint8Array => Buffer.concat([bytes, new Uint8Array(padding), Uint8Array.from(tail)]);
  for (let blocks = 0; ; ) {
    if (at >= bytes.length) return closed([0x3b]);
    const introducer = bytes[at]!;
    if (introducer === 0x3b) return undefined; // complete
    if (introducer === 0x21) at += 2; // extension: introducer, label
    else if (introducer === 0x2c) {
      if (at + 10 > bytes.length) return undefined; // cut inside an image descriptor: nothing of the frame to show
      const local = bytes[at + 9]!;
      at += 10 + (local & 0x80 ? 3 * (1 << ((local & 7) + 1)) : 0) + 1; // descriptor, local colour table, LZW code size
    } else return undefined; // not a block: corrupt, not cut
    // The sub-blocks of the extension or the image data, up to their terminator.
    for (;;) {
      if (++blocks % BLOCKS_PER_TURN === 0) await nextTurn();
      if (at >= bytes.length) return closed([0x00, 0x3b]);
      const size = bytes[at]!;
      if (size === 0) {
        at += 1;
        break;
      }
      if (at + 1 + size > bytes.length) return closed([0x00, 0x3b], at + 1 + size - bytes.length);
      at += 1 + size;
    }
  }
}
