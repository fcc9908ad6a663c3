import type { Context } from 'hono';

export const MSGPACK = 'application/msgpack';

/**
 * A versioned, signed object: immutable once published, so it can be cached
 * forever and revalidated by ETag (its log leaf hash, which also names it
 * in the transparency log).
 */
export function immutableObject(c: Context, bytes: Uint8Array, etag: string, visibility: 'public' | 'private'): Response {
  const quoted = `"${etag}"`;
  const headers = {
    'content-type': MSGPACK,
    etag: quoted,
    'cache-control': `${visibility}, max-age=31536000, immutable`,
  };
  if (c.req.header('if-none-match') === quoted) return c.body(null, 304, headers);
  return c.body(bodyBytes(bytes), 200, headers);
}

/** A current-state object (timestamp, checkpoint, key list): never cached as final. */
export function currentObject(c: Context, bytes: Uint8Array | string, contentType: string): Response {
  const headers = { 'content-type': contentType, 'cache-control': 'no-cache' };
  return typeof bytes === 'string' ? c.body(bytes, 200, headers) : c.body(bodyBytes(bytes), 200, headers);
}

/** A view the Response body accepts, without copying when the bytes sit in a plain ArrayBuffer. */
export function bodyBytes(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer ? new Uint8Array(buffer, bytes.byteOffset, bytes.byteLength) : Uint8Array.from(bytes);
}
