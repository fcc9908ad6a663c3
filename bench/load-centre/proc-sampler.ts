/**
 * CPU and RSS of another process from /proc (Linux): user+system CPU over a
 * phase, and RSS sampled every few hundred ms for its peak. The load
 * generator runs in this process, so the figures are the server's alone.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ProcessSamples } from './summary.ts';

const CLOCK_TICKS = ((): number => {
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout);
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

/** utime + stime of `pid` in seconds (/proc/PID/stat fields 14 and 15; the name in field 2 may hold spaces, so split after its ')'). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** VmRSS of `pid` in bytes, or 0 once it has gone. */
export function rssBytesOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

/** Starts sampling `pid`; `stop()` ends it and returns the samples of the phase. */
export function sampleProcess(pid: number, everyMs = 250): { stop(): ProcessSamples } {
  const started = performance.now();
  const cpuSecondsStart = cpuSecondsOf(pid);
  const rssBytes = [rssBytesOf(pid)];
  const timer = setInterval(() => rssBytes.push(rssBytesOf(pid)), everyMs);
  return {
    stop() {
      clearInterval(timer);
      rssBytes.push(rssBytesOf(pid));
      return { pid, cpuSecondsStart, cpuSecondsEnd: cpuSecondsOf(pid), wallSeconds: (performance.now() - started) / 1000, rssBytes };
    },
  };
}
