import { decode, isBlurhashValid } from 'blurhash';

/** Decoded this small, whatever the canvas is shown at: a preview never carries more than its blurhash holds. */
const PREVIEW_PIXELS = 32;

/**
 * Draws each `canvas[data-blurhash]`: the blurhash decoded into a 32x32
 * canvas that CSS shows small and blurred (docs/CONSOLE.md, "Previews").
 * An invalid hash leaves the canvas blank and says so beside it.
 */
export function drawPreviews(doc: Document): void {
  for (const canvas of doc.querySelectorAll<HTMLCanvasElement>('canvas[data-blurhash]')) {
    const hash = canvas.dataset['blurhash'] ?? '';
    const context = canvas.getContext('2d');
    if (context === null || !isBlurhashValid(hash).result) {
      canvas.setAttribute('aria-label', 'preview unavailable');
      continue;
    }
    canvas.width = PREVIEW_PIXELS;
    canvas.height = PREVIEW_PIXELS;
    const pixels = decode(hash, PREVIEW_PIXELS, PREVIEW_PIXELS);
    context.putImageData(new ImageData(new Uint8ClampedArray(pixels), PREVIEW_PIXELS, PREVIEW_PIXELS), 0, 0);
    canvas.dataset['drawn'] = 'true';
  }
}
