/**
 * Peak RSS per pixel of hashing a 100-megapixel RGB PNG three times in turn,
 * on the main thread or in a scan worker thread (the figure the decode
 * budget's BYTES_PER_DECODED_PIXEL comes from: docs/SIDECAR.md, "Measured"):
 *
 *   npx tsx bin/testing/measure-scan-memory.ts main | worker
 */
import sharp from 'sharp';
import { ScanWorkers } from '../../client/sidecar/scan-workers.ts';
import { syntheticPhotoJpeg } from '../../fixtures/synthetic-photo.ts';
import { hashImageViews } from '../../shared/hashing/image-views.ts';
const tile = await syntheticPhotoJpeg({ width: 500, height: 500, seed: 77, quality: 90 });
const png = await sharp(tile).resize(10000, 10000, { kernel: 'linear' }).png({ compressionLevel: 6 }).toBuffer();
let peak = 0; const iv = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);
const mb = (b: number) => (b / 1048576).toFixed(0);
const base = process.memoryUsage.rss(); peak = base;
const mode = process.argv[2] === 'worker' ? 'worker' : 'main';
const opts = { algorithms: ['pdq'] as const, dihedral: true, maxPixels: 100e6, exact: [] as const };
if (mode === 'worker') { const w = new ScanWorkers(1); for (let i = 0; i < 3; i++) await w.hashViews(png, opts); await w.close(); }
else for (let i = 0; i < 3; i++) await hashImageViews(png, opts);
clearInterval(iv);
console.log(mode, 'base', mb(base), 'peak', mb(peak), 'delta', mb(peak - base), 'MB; per pixel', ((peak - base) / 1e8).toFixed(1));
