/**
 * Run as its own process by scan-workers.test.ts: hashes a small animated GIF
 * in a scan worker thread and prints the number of views, or the error.
 */
import sharp from 'sharp';
import { syntheticPhotoJpeg } from '../../../fixtures/synthetic-photo.ts';
import { ScanWorkers } from '../scan-workers.ts';
const frames = await Promise.all(Array.from({ length: 4 }, (_, i) => syntheticPhotoJpeg({ width: 64, height: 48, seed: 500 + i, quality: 90 })));
const gif = await sharp(frames, { join: { animated: true } }).gif({ loop: 0 }).toBuffer();
const pool = new ScanWorkers(1);
try {
  const views = await pool.hashViews(gif, { algorithms: ['pdq'], dihedral: true });
  console.log(`views ${views.views.length}`);
} catch (err) {
  console.log(`failed: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await pool.close();
}
