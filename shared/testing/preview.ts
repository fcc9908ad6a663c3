import { BASE83 } from '../wire/report.ts';

/** Components per axis of a valid preview (as checked by parsePreview): its first digit packs them. */
export function previewComponents(preview: string): { x: number; y: number } {
  const sizeFlag = BASE83.indexOf(preview[0] ?? '');
  return { x: (sizeFlag % 9) + 1, y: Math.floor(sizeFlag / 9) + 1 };
}
