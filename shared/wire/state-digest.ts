import { createHash } from 'node:crypto';
import { WireError } from './errors.ts';
import type { IndicatorEntry } from './indicator-group.ts';

const DOMAIN = 'hashfeed-state-v1\n';

/**
 * SHA-256 over the active set in ascending id order (docs/PROTOCOL.md,
 * "State digest"). Each entry contributes
 *   uint32be(id) || u8(len alg) || alg || u8(len hash) || hash || u8(len cat) || cat
 * after the domain string. A replica that computes the same digest holds
 * exactly the Centre's list: no more, no less (Safe Browsing's checksum).
 */
export function computeStateDigest(entriesInIdOrder: Iterable<IndicatorEntry>): Uint8Array {
  const sha256 = createHash('sha256');
  sha256.update(DOMAIN);
  // Entries are batched into one buffer: a million small update() calls cost more than the hashing.
  const buf = Buffer.alloc(1 << 16);
  const maxEntry = 4 + 1 + 255 + 1 + 255 + 1 + 255;
  let offset = 0;
  let last = -1;
  for (const e of entriesInIdOrder) {
    if (e.id <= last) throw new WireError('WIRE_BAD_FIELD', `state entries out of id order at ${e.id}`);
    last = e.id;
    if (offset + maxEntry > buf.length) {
      sha256.update(buf.subarray(0, offset));
      offset = 0;
    }
    offset = buf.writeUInt32BE(e.id, offset);
    offset = buf.writeUInt8(e.algorithm.length, offset);
    offset += buf.write(e.algorithm, offset, 'latin1');
    offset = buf.writeUInt8(e.hash.byteLength, offset);
    buf.set(e.hash, offset);
    offset += e.hash.byteLength;
    offset = buf.writeUInt8(e.category.length, offset);
    offset += buf.write(e.category, offset, 'latin1');
  }
  sha256.update(buf.subarray(0, offset));
  return new Uint8Array(sha256.digest());
}
