import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The nginx binary, or null (with a message) where it is absent; under CI its absence is a failure. */
export function findNginx(): string | null {
  for (const candidate of ['/usr/sbin/nginx', 'nginx']) {
    if (spawnSync(candidate, ['-v']).status === 0) return candidate;
  }
  const message = 'nginx not found (Debian package nginx; .ci/run installs it)';
  if (process.env.CI === 'true') throw new Error(`${message}; it is required under CI`);
  console.warn(`skipping: ${message}`);
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartedNginx {
  readonly url: string;
  /** The one nginx process (no master): what a load test samples for CPU and memory. */
  readonly pid: number;
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** Connections the one worker accepts at once (default 64; a load test raises it). */
  readonly workerConnections?: number;
}

/**
 * A real nginx serving `root` as static files on a loopback port, as a CDN
 * or mirror would: single process, as the current user, everything under
 * `workDir`. Used by tests and by `npm run load:centre` (hence in shared/:
 * bench/ may not import server/).
 */
export async function startNginx(binary: string, root: string, workDir: string, options: NginxOptions = {}): Promise<StartedNginx> {
  const port = await freePort();
  mkdirSync(join(workDir, 'temp'), { recursive: true });
  const conf = join(workDir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;
master_process off;
pid ${join(workDir, 'nginx.pid')};
error_log ${join(workDir, 'error.log')} warn;
events { worker_connections ${Math.max(16, Math.floor(options.workerConnections ?? 64))}; }
http {
  access_log off;
  client_body_temp_path ${join(workDir, 'temp')};
  proxy_temp_path ${join(workDir, 'temp')};
  fastcgi_temp_path ${join(workDir, 'temp')};
  uwsgi_temp_path ${join(workDir, 'temp')};
  scgi_temp_path ${join(workDir, 'temp')};
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { try_files $uri =404; }
  }
}
`,
  );
  const child: ChildProcess = spawn(binary, ['-c', conf, '-p', workDir], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`${url}/`);
      break;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill('SIGKILL');
        throw new Error('nginx did not start', { cause: err });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
