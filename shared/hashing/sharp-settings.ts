/**
 * Process-wide libvips settings, applied once when image decoding is first
 * imported (image-input.ts imports this module, so the CLI, the sidecar and
 * the benchmarks all get them).
 */
import sharp from 'sharp';

// Content only passes through memory: libvips' operation cache would keep
// recent inputs and their decoded pixels after a scan answers.
sharp.cache(false);

// One libvips worker thread per image. Images are decoded side by side on
// libuv's pool (one per request), so more threads per image would only
// oversubscribe the few cores a sidecar gets; it is also sharp's own default
// on glibc without jemalloc, where more threads fragment memory.
sharp.concurrency(1);

export { sharp };
