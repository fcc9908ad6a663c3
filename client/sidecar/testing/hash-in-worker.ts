/**
 * Run as its own process by scan-workers.test.ts: hashes a small animated GIF
 * in a scan worker thread and prints the number of views, or the error.
 */
import sharp from 'sharp';
import { ScanWorkers } from '../scan-workers.ts';
// Four frames of noise (client/ may not import the fixtures): each hashes differently, so the views are four.
const frames = await Promise.all(Array.from({ length: 4 }, (_, i) => sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 96 + 16 * i, sigma: 40 } } }).png().toBuffer()));
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
