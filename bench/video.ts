/**
 * vPDQ throughput on one core: seconds of video hashed per second of work,
 * at 480p and 720p, one hash a second (the default), split into decode
 * (ffmpeg, one thread) and hash (PDQ of the sampled frames, JavaScript).
 *
 * Inputs are synthetic: ffmpeg's own moving test pattern (lavfi testsrc2),
 * 30 fps, H.264 as a phone or an encoder's "veryfast" preset writes it
 * (B-frames, CABAC, a keyframe every 250 frames). No real footage.
 *
 * Cases, each run three times, the fastest kept (the machine is shared):
 * - decode, every frame out: ffmpeg decodes and converts every frame to
 *   RGB and pipes it (what hashing every frame costs before PDQ);
 * - decode, 1 frame/s out: every frame is still decoded (inter frames
 *   need their references; skip_frame=nokey would change which frames are
 *   hashed), but only the hashed ones are converted and piped (select);
 * - vPDQ end to end: the decoder and PDQ of each sampled frame; its hash
 *   time is the sum of the PDQ calls.
 * Figures are CPU time, not wall clock: the machine is shared (its load is
 * often several times its cores), and one core's worth of work is what a
 * sidecar budgets. ffmpeg's CPU time is read through a bash wrapper
 * (`times` after it exits); the hashing side's is this process's
 * (process.cpuUsage: PDQ, luma, reading the pipe). "One core" is their
 * sum: the seconds of video one core hashes per second. Wall-clock end to
 * end is printed beside it (ffmpeg is its own process, so decoding and
 * hashing overlap on two cores).
 *
 *   npm run bench:video [-- --quick]
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printTable, writeResults } from './harness.ts';
import { openVideo } from '../shared/video/index.ts';
import { hashVideo } from '../shared/video/index.ts';
import { makeVideo, requireFfmpeg } from '../shared/video/testing/synthetic-video.ts';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 6 : 20;
const RUNS = quick ? 1 : 3;
const FPS = 30;

const RESOLUTIONS = [
  { name: '480p', width: 854, height: 480 },
  { name: '720p', width: 1280, height: 720 },
] as const;

/**
 * ffmpeg run through bash, which appends `times` to a log after it exits:
 * two lines, the shell's own CPU time and then its children's (ffmpeg's).
 */
function timedFfmpeg(dir: string): { path: string; takeCpuMs: () => number } {
  const log = join(dir, 'ffmpeg-times.log');
  const path = join(dir, 'ffmpeg-timed');
  writeFileSync(path, `#!/bin/bash\nffmpeg "$@"\nstatus=$?\ntimes >> '${log}'\nexit $status\n`);
  chmodSync(path, 0o700);
  writeFileSync(log, '');
  const seconds = (text: string): number => {
    const match = /^(\d+)m([\d.]+)s$/.exec(text);
    return match === null ? 0 : Number(match[1]) * 60 + Number(match[2]);
  };
  return {
    path,
    takeCpuMs: () => {
      const lines = readFileSync(log, 'utf8').trim().split('\n').filter((l) => l.length > 0);
      writeFileSync(log, '');
      const children = lines.filter((_line, i) => i % 2 === 1);
      return children.reduce((sum, line) => sum + line.split(/\s+/).reduce((s, field) => s + seconds(field), 0) * 1000, 0);
    },
  };
}

let ffmpeg: ReturnType<typeof timedFfmpeg>;

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function decodeOnly(path: string, step: number): Promise<{ ms: number; ffmpegCpuMs: number }> {
  ffmpeg.takeCpuMs();
  const started = performance.now();
  const video = await openVideo({ path }, { ffmpegPath: ffmpeg.path });
  try {
    for await (const frame of video.frames(step)) if (frame.data.length === 0) throw new Error('empty frame');
  } finally {
    await video.close();
  }
  return { ms: performance.now() - started, ffmpegCpuMs: ffmpeg.takeCpuMs() };
}

async function vpdqRun(path: string): Promise<{ ms: number; hashMs: number; nodeCpuMs: number; ffmpegCpuMs: number; frames: number }> {
  ffmpeg.takeCpuMs();
  let hashMs = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await hashVideo({ path }, { ffmpegPath: ffmpeg.path, onFrame: (_frame, ms) => (hashMs += ms) });
  return { ms: performance.now() - started, hashMs, nodeCpuMs: cpuMs(cpu), ffmpegCpuMs: ffmpeg.takeCpuMs(), frames: result.frames.length };
}

async function fastest<T extends { ffmpegCpuMs: number }>(run: () => Promise<T>): Promise<T> {
  let best: T | undefined;
  for (let i = 0; i < RUNS; i++) {
    const result = await run();
    if (best === undefined || result.ffmpegCpuMs < best.ffmpegCpuMs) best = result;
  }
  if (best === undefined) throw new Error('no run');
  return best;
}

if (!requireFfmpeg()) process.exit(1);
const dir = mkdtempSync(join(tmpdir(), 'hashfeed-bench-video-'));
ffmpeg = timedFfmpeg(dir);
try {
  const rows: Record<string, string | number>[] = [];
  const results: unknown[] = [];
  for (const resolution of RESOLUTIONS) {
    const path = join(dir, `${resolution.name}.mp4`);
    makeVideo(path, {
      width: resolution.width,
      height: resolution.height,
      fps: FPS,
      seconds: SECONDS,
      codec: ['-c:v', 'libx264', '-preset', 'veryfast', '-g', '250', '-pix_fmt', 'yuv420p'],
    });
    const everyFrame = await fastest(() => decodeOnly(path, 1));
    const perSecond = await fastest(() => decodeOnly(path, FPS));
    const vpdq = await fastest(() => vpdqRun(path));
    const hashSideMs = vpdq.nodeCpuMs;
    const oneCoreMs = vpdq.ffmpegCpuMs + hashSideMs;
    const speed = (ms: number): number => SECONDS / (ms / 1000);
    rows.push({
      video: `${resolution.name} ${SECONDS} s`,
      'decode all': speed(everyFrame.ffmpegCpuMs),
      'decode 1/s': speed(vpdq.ffmpegCpuMs),
      'hash side': speed(hashSideMs),
      'ms/PDQ': vpdq.hashMs / vpdq.frames,
      'one core': speed(oneCoreMs),
      'decode share': `${Math.round((100 * vpdq.ffmpegCpuMs) / oneCoreMs)}%`,
      'wall, 2 cores': speed(vpdq.ms),
    });
    results.push({
      resolution: resolution.name,
      width: resolution.width,
      height: resolution.height,
      fps: FPS,
      seconds: SECONDS,
      hashedFrames: vpdq.frames,
      decodeEveryFrameCpuMs: everyFrame.ffmpegCpuMs,
      decodeOnePerSecondCpuMs: perSecond.ffmpegCpuMs,
      vpdqDecodeCpuMs: vpdq.ffmpegCpuMs,
      vpdqHashSideCpuMs: hashSideMs,
      pdqMsPerFrame: vpdq.hashMs / vpdq.frames,
      endToEndWallMs: vpdq.ms,
      oneCoreRealtimeFactor: speed(oneCoreMs),
      endToEndWallRealtimeFactor: speed(vpdq.ms),
    });
  }
  console.log(`vPDQ, one hash a second, ffmpeg -threads 1: seconds of video per second of CPU (x real time; best of ${RUNS})\n`);
  printTable(rows);
  console.log(`\nwrote ${writeResults('video', { date: new Date().toISOString(), quick, results })}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
