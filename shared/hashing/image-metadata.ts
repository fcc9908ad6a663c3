/**
 * The header of an image as libvips reads it, once per buffer: a scan weighs
 * the image for the decode budget, checks its header, then plans the decode
 * from it, and each read is a trip to libuv's pool (about a quarter of a
 * millisecond for a photo). Kept per buffer object, so it goes when the bytes
 * do; a failed read is kept too (the same bytes fail the same way).
 */
import type { Metadata } from 'sharp';
import { sharp } from './sharp-settings.ts';

const readings = new WeakMap<Uint8Array, Promise<Metadata>>();

/** sharp's metadata of `bytes`, with no pixel limit: the header is read, not decoded, and limits are the caller's to apply. */
export function imageMetadata(bytes: Uint8Array): Promise<Metadata> {
  let reading = readings.get(bytes);
  if (reading === undefined) {
    reading = sharp(bytes, { limitInputPixels: false }).metadata();
    // Not an unhandled rejection when a caller has not awaited it yet; each caller still sees the error.
    reading.catch(() => {});
    readings.set(bytes, reading);
  }
  return reading;
}
