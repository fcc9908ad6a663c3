/**
 * The baseline a sidecar scan is held to: the CLI's own PDQ rate on one
 * core for the same file, measured by running `hashfeed hash --algo pdq
 * --jobs 1` with a libuv pool of one thread (so libvips decodes on one
 * thread too) over many copies of the file, and over one copy: the
 * difference divided by the extra copies is the time per image with the
 * process start taken out.
 */
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HASHFEED_CLI } from '../centre-process.ts';

export interface CliRate {
  /** Images per second on one core. */
  readonly perSecond: number;
  readonly copies: number;
}

function runCli(dir: string): number {
  const started = performance.now();
  const run = spawnSync(process.execPath, [...HASHFEED_CLI, 'hash', '--algo', 'pdq', '--jobs', '1', dir], {
    env: { ...process.env, UV_THREADPOOL_SIZE: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (run.status !== 0) throw new Error(`hashfeed hash failed: ${run.stderr}`);
  return (performance.now() - started) / 1000;
}

/** The best of `repeats` measurements (the least disturbed by other work on the machine). */
export function cliPdqRate(image: Uint8Array, copies = 300, repeats = 3): CliRate {
  const root = mkdtempSync(join(tmpdir(), 'hf-cli-rate-'));
  try {
    const one = join(root, 'one');
    const many = join(root, 'many');
    mkdirSync(one);
    mkdirSync(many);
    const file = join(one, 'image.jpg');
    writeFileSync(file, image);
    for (let i = 0; i < copies; i++) linkSync(file, join(many, `image-${String(i).padStart(4, '0')}.jpg`));
    let best = 0;
    for (let r = 0; r < repeats; r++) {
      const extra = runCli(many) - runCli(one);
      best = Math.max(best, (copies - 1) / extra);
    }
    return { perSecond: best, copies };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
