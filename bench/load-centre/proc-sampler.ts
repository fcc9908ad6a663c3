/**
 * CPU and RSS of another process from /proc (Linux): user+system CPU over a
 * phase, and RSS sampled every few hundred ms for its peak. The load
 * generator runs in this process, so the figures are the server's alone.
 */
import { cpuSeconds, residentBytes } from '../load/process-usage.ts';
import type { ProcessSamples } from './summary.ts';

/** RSS of `pid`, or 0 once it has gone. */
function rssBytesOf(pid: number): number {
  try {
    return residentBytes(pid);
  } catch {
    return 0;
  }
}

/** Starts sampling `pid`; `stop()` ends it and returns the samples of the phase. */
export function sampleProcess(pid: number, everyMs = 250): { stop(): ProcessSamples } {
  const started = performance.now();
  const cpuSecondsStart = cpuSeconds(pid);
  const rssBytes = [rssBytesOf(pid)];
  const timer = setInterval(() => rssBytes.push(rssBytesOf(pid)), everyMs);
  return {
    stop() {
      clearInterval(timer);
      rssBytes.push(rssBytesOf(pid));
      return { pid, cpuSecondsStart, cpuSecondsEnd: cpuSeconds(pid), wallSeconds: (performance.now() - started) / 1000, rssBytes };
    },
  };
}
