/**
 * A check of msgpack bytes before they reach the decoder: every length a
 * header declares (items of an array or map, bytes of a string, binary)
 * must be backed by bytes that are there, and no extension type is used. msgpackr allocates an array of the
 * declared length before it reads an item, so without this check five bytes
 * (an array32 header of 20 million items) made it allocate 160 MB, and
 * nested headers multiplied that: 40 bytes held 1.8 GB for 6 s. One linear
 * pass with an explicit stack: no recursion, nothing allocated per item.
 */

/** What a header byte says: how many bytes of length field follow, and how many fixed bytes of payload (or -1 when the length field gives them). */
interface Header {
  readonly kind: 'scalar' | 'bytes' | 'array' | 'map' | 'extension';
  /** For fix-sized items: the count (array, map), the payload bytes (string, scalar). */
  readonly fixed: number;
  /** Bytes of the big-endian length field that follows, 0 for fix-sized items. */
  readonly lengthBytes: number;
}

function headerOf(byte: number): Header {
  if (byte <= 0x7f || byte >= 0xe0) return { kind: 'scalar', fixed: 0, lengthBytes: 0 };
  if (byte <= 0x8f) return { kind: 'map', fixed: byte & 0x0f, lengthBytes: 0 };
  if (byte <= 0x9f) return { kind: 'array', fixed: byte & 0x0f, lengthBytes: 0 };
  if (byte <= 0xbf) return { kind: 'bytes', fixed: byte & 0x1f, lengthBytes: 0 };
  switch (byte) {
    case 0xc4: // bin 8, 16, 32
    case 0xd9: // str 8, 16, 32
      return { kind: 'bytes', fixed: -1, lengthBytes: 1 };
    case 0xc5:
    case 0xda:
      return { kind: 'bytes', fixed: -1, lengthBytes: 2 };
    case 0xc6:
    case 0xdb:
      return { kind: 'bytes', fixed: -1, lengthBytes: 4 };
    case 0xc7: // ext 8, 16, 32: a type byte after the length
      return { kind: 'extension', fixed: -1, lengthBytes: 1 };
    case 0xc8:
      return { kind: 'extension', fixed: -1, lengthBytes: 2 };
    case 0xc9:
      return { kind: 'extension', fixed: -1, lengthBytes: 4 };
    case 0xcc: // uint 8, int 8
    case 0xd0:
      return { kind: 'scalar', fixed: 1, lengthBytes: 0 };
    case 0xcd:
    case 0xd1:
      return { kind: 'scalar', fixed: 2, lengthBytes: 0 };
    case 0xca: // float 32, uint 32, int 32
    case 0xce:
    case 0xd2:
      return { kind: 'scalar', fixed: 4, lengthBytes: 0 };
    case 0xcb: // float 64, uint 64, int 64
    case 0xcf:
    case 0xd3:
      return { kind: 'scalar', fixed: 8, lengthBytes: 0 };
    case 0xd4: // fixext 1, 2, 4, 8, 16: a type byte, then the data
      return { kind: 'extension', fixed: 2, lengthBytes: 0 };
    case 0xd5:
      return { kind: 'extension', fixed: 3, lengthBytes: 0 };
    case 0xd6:
      return { kind: 'extension', fixed: 5, lengthBytes: 0 };
    case 0xd7:
      return { kind: 'extension', fixed: 9, lengthBytes: 0 };
    case 0xd8:
      return { kind: 'extension', fixed: 17, lengthBytes: 0 };
    case 0xdc: // array 16, 32
      return { kind: 'array', fixed: -1, lengthBytes: 2 };
    case 0xdd:
      return { kind: 'array', fixed: -1, lengthBytes: 4 };
    case 0xde: // map 16, 32
      return { kind: 'map', fixed: -1, lengthBytes: 2 };
    case 0xdf:
      return { kind: 'map', fixed: -1, lengthBytes: 4 };
    default: // nil, false, true, and 0xc1 (never used: the decoder refuses it)
      return { kind: 'scalar', fixed: 0, lengthBytes: 0 };
  }
}

/**
 * Why `bytes` cannot be standard msgpack values laid end to end, or null
 * when every declared length fits. Each item of a container takes at least
 * one byte, so a container may declare no more items than bytes remain.
 * Extension types are refused (docs/PROTOCOL.md 1: none on the wire):
 * msgpackr would otherwise build regular expressions, errors, sets, typed
 * arrays and self-referencing values from them. The one exception is
 * msgpackr's own `undefined` (fixext 1 of type 0), which it writes for a
 * field left undefined and reads back as such.
 */
export function msgpackShapeProblem(bytes: Uint8Array): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Items still to read in each open container, innermost last; the top level reads until the bytes end.
  const pending: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    const marker = bytes[at] ?? 0;
    const header = headerOf(marker);
    at += 1;
    let length = header.fixed;
    if (header.lengthBytes > 0) {
      if (at + header.lengthBytes > bytes.length) return 'a length field is cut off';
      length = header.lengthBytes === 1 ? view.getUint8(at) : header.lengthBytes === 2 ? view.getUint16(at) : view.getUint32(at);
      at += header.lengthBytes;
      if (header.kind === 'extension') length += 1; // the type byte
    }
    const remaining = bytes.length - at;
    if (header.kind === 'extension' && !(marker === 0xd4 && bytes[at] === 0x00)) return 'an extension type is not allowed';
    let finished = true;
    if (header.kind === 'array' || header.kind === 'map') {
      const items = header.kind === 'map' ? 2 * length : length;
      if (items > remaining) return `a ${header.kind} declares more than the bytes hold (${items} items in ${remaining} bytes)`;
      if (items > 0) {
        pending.push(items);
        finished = false;
      }
    } else {
      if (length > remaining) return `a value declares more than the bytes hold (${length} bytes in ${remaining})`;
      at += length;
    }
    // A finished item counts down its container; a container whose last item it was is itself a finished item.
    while (finished && pending.length > 0) {
      const left = (pending.pop() ?? 1) - 1;
      if (left > 0) {
        pending.push(left);
        finished = false;
      }
    }
  }
  return pending.length > 0 ? 'a container ends early' : null;
}
