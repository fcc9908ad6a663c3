import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../shared/testing/vectors.ts';

/** The CLI, run through tsx as an operator runs it (benchmarks may not import server/ or client/). */
export const HASHFEED_CLI = [...['--import', 'tsx'], join(repoRoot, 'bin', 'hashfeed.ts')];

/** Runs `hashfeed ARGS` to completion and returns its JSON output (throws with its stderr when it fails). */
export function hashfeed(...args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, [...HASHFEED_CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`hashfeed ${args.join(' ')} failed: ${r.stderr}`);
  const value: unknown = JSON.parse(r.stdout);
  if (typeof value !== 'object' || value === null) throw new Error('unexpected CLI output');
  return Object.fromEntries(Object.entries(value));
}

/** A token for a new account of `role` in the Centre at `dataDir` (an authority gets Member State DE). */
export function createToken(dataDir: string, role: string, name: string): string {
  return String(hashfeed('centre', 'token', 'create', '--data', dataDir, '--role', role, '--name', name, ...(role === 'authority' ? ['--member-state', 'DE'] : [])).token);
}

/** `hashfeed centre serve` on a free loopback port, as its own process; resolves once it prints its URL. */
export async function serveCentreProcess(dataDir: string): Promise<{ url: string; server: ChildProcess }> {
  const server = spawn(process.execPath, [...HASHFEED_CLI, 'centre', 'serve', '--data', dataDir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = /\{"url":"([^"]+)"\}/.exec(out);
      if (match?.[1] === undefined) return;
      // Then its access log (a line per request) is drained and dropped: kept, it grew without bound in this
      // process and was searched again at every chunk; unread, the pipe would fill and stall the Centre.
      server.stdout?.off('data', onData);
      server.stdout?.resume();
      resolve(match[1]);
    };
    server.stdout?.on('data', onData);
    server.once('exit', () => reject(new Error('centre exited')));
  });
  return { url, server };
}
