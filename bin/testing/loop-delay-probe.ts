/**
 * Preloaded (`node --import`) into a sidecar under measurement: samples the
 * event loop's delay and, on SIGUSR2, writes the largest stall since the
 * last report to stderr as one JSON line, then starts over. Measurement
 * only: nothing in production loads it.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

const histogram = monitorEventLoopDelay({ resolution: 5 });
histogram.enable();
process.on('SIGUSR2', () => {
  process.stderr.write(`${JSON.stringify({ loopDelayMaxMs: histogram.max / 1e6, loopDelayP99Ms: histogram.percentile(99) / 1e6 })}\n`);
  histogram.reset();
});
