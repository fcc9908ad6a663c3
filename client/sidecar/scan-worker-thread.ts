/**
 * Runs in a scan worker thread (scan-workers.ts): hashes every view of the
 * bytes it is sent and posts the hashes back. The bytes only pass through
 * memory, as on the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { hashImageViews } from '../../shared/hashing/image-views.ts';
import { parseScanJob } from './scan-job.ts';

const port = parentPort;
if (port === null) throw new Error('scan-worker-thread.ts runs in a worker thread');

port.on('message', (message: unknown) => {
  const job = parseScanJob(message);
  if (job === undefined) return;
  hashImageViews(job.bytes, job.options).then(
    (views) => port.postMessage({ id: job.id, views }),
    (err: unknown) => port.postMessage({ id: job.id, failure: err instanceof Error ? err.message : 'the hashing failed' }),
  );
});
port.postMessage({ ready: true });
