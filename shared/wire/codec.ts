import { packMsgpack, TrailingBytesError, unpackMsgpack } from '../crypto/msgpack.ts';
import { WireError } from './errors.ts';

/**
 * Feed objects use the same msgpack configuration as envelopes (standard
 * maps, no records extension: docs/PROTOCOL.md, "Encoding"), so any msgpack
 * library can read them.
 */
export function encodeMsgpack(value: unknown): Uint8Array {
  return packMsgpack(value);
}

/**
 * Decodes exactly one msgpack value. The result is `unknown`: a guard must
 * check it before use. Trailing bytes are refused: a signed payload means
 * exactly one object.
 */
export function decodeMsgpack(bytes: Uint8Array, maxBytes: number): unknown {
  if (bytes.byteLength > maxBytes) {
    throw new WireError('WIRE_TOO_LARGE', `payload of ${bytes.byteLength} bytes exceeds the limit of ${maxBytes}`);
  }
  try {
    return unpackMsgpack(bytes);
  } catch (cause) {
    const trailing = cause instanceof TrailingBytesError;
    throw new WireError(trailing ? 'WIRE_TRAILING_BYTES' : 'WIRE_MALFORMED', trailing ? 'payload holds more than one msgpack value' : 'payload is not valid msgpack', { cause });
  }
}
