/**
 * Loaded into each soak child (`node --import tsx --import bench/soak/probe.ts`):
 * the figures only the process itself can give (heap used, event-loop delay),
 * answered over the IPC channel when the soak driver asks. RSS, open file
 * descriptors and WAL sizes the driver reads from outside (/proc, the data folders).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** 10 ms resolution: the histogram's own timer must not be what the soak measures. */
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

process.on('message', (message: unknown) => {
  if (message !== 'soak:sample') return;
  const { heapUsed } = process.memoryUsage();
  // Each answer covers the time since the last one: the histogram restarts.
  process.send?.({ soak: 'sample', heapUsed, loopDelayP99Ms: delay.percentile(99) / 1e6, loopDelayMaxMs: delay.max / 1e6 });
  delay.reset();
});
// The channel must not keep a child alive once the CLI it runs is done.
process.channel?.unref();
