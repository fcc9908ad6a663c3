import { Packr } from 'msgpackr';
import { WireError } from './errors.ts';

/**
 * The one msgpack configuration for everything hashfeed ships: standard maps,
 * no records extension, no bundled strings, so any msgpack library can read
 * the payloads (docs/PROTOCOL.md, "Encoding").
 */
const packr = new Packr({ useRecords: false, bundleStrings: false, moreTypes: false, variableMapSize: true });

export function encodeMsgpack(value: unknown): Uint8Array {
  return packr.pack(value);
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
  let values: unknown[];
  try {
    values = packr.unpackMultiple(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)) ?? [];
  } catch (cause) {
    throw new WireError('WIRE_MALFORMED', 'payload is not valid msgpack', { cause });
  }
  if (values.length !== 1) {
    throw new WireError(values.length === 0 ? 'WIRE_MALFORMED' : 'WIRE_TRAILING_BYTES', `payload holds ${values.length} msgpack values, expected exactly one`);
  }
  return values[0];
}
