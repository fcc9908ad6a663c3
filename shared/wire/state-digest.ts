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
  const h = createHash('sha256');
  h.update(DOMAIN);
  // Entries are batched into one buffer: a million small update() calls cost more than the hashing.
  const buf = Buffer.alloc(1 << 16);
  const maxEntry = 4 + 1 + 255 + 1 + 255 + 1 + 255;
  let o = 0;
  let last = -1;
  for (const e of entriesInIdOrder) {
    if (e.id <= last) throw new WireError('WIRE_BAD_FIELD', `state entries out of id order at ${e.id}`);
    last = e.id;
    if (o + maxEntry > buf.length) {
      h.update(buf.subarray(0, o));
      o = 0;
    }
    o = buf.writeUInt32BE(e.id, o);
    o = buf.writeUInt8(e.algorithm.length, o);
    o += buf.write(e.algorithm, o, 'latin1');
    o = buf.writeUInt8(e.hash.byteLength, o);
    buf.set(e.hash, o);
    o += e.hash.byteLength;
    o = buf.writeUInt8(e.category.length, o);
    o += buf.write(e.category, o, 'latin1');
  }
  h.update(buf.subarray(0, o));
  return new Uint8Array(h.digest());
}
