#!/usr/bin/env node
// The production install, started once: the working tree's tracked files are
// copied to a scratch folder, installed with `npm ci --omit=dev` (no
// devDependencies: no wabt, no vitest, no typescript), then a Centre is
// initialised and served on a loopback port and a sidecar is pointed at it.
// Passes when both answer /healthz with 200 (the sidecar only after a
// verified sync from that Centre) and both exit 0 on SIGTERM. Plain
// JavaScript with no dependencies, so it runs before anything is installed.
//
// Install scripts are skipped and better-sqlite3's compiled addon is copied
// from the checkout's own install when the versions agree (the same lock
// file, the same Node): compiling SQLite from source again takes ~90 s and
// tests nothing of ours. Otherwise the addon is rebuilt as npm would.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'hf-production-'));
const app = join(scratch, 'app');
const STEP_TIMEOUT_MS = 60_000;
const children = new Set();

const log = (message) => process.stdout.write(`production-smoke: ${message}\n`);

function copyTrackedFiles() {
  // The working tree's version of every tracked file (what `npm test` tests too).
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter((f) => f !== '');
  for (const file of files) {
    if (!existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(app, file)), { recursive: true });
    copyFileSync(join(root, file), join(app, file));
  }
}

const versionOf = (dir, name) => {
  const manifest = join(dir, 'node_modules', name, 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : null;
};

function install() {
  const npm = (args) => execFileSync('npm', args, { cwd: app, stdio: ['ignore', 'inherit', 'inherit'] });
  npm(['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline']);
  const addon = join('node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(join(root, addon)) && versionOf(root, 'better-sqlite3') === versionOf(app, 'better-sqlite3')) {
    mkdirSync(dirname(join(app, addon)), { recursive: true });
    copyFileSync(join(root, addon), join(app, addon));
    npm(['rebuild', 'esbuild', 'msgpackr-extract']);
  } else {
    npm(['rebuild']);
  }
  for (const devOnly of ['wabt', 'vitest', 'typescript', 'amaro']) {
    if (existsSync(join(app, 'node_modules', devOnly))) throw new Error(`${devOnly} was installed by --omit=dev`);
  }
}

function cli(args) {
  return JSON.parse(execFileSync(process.execPath, [join(app, 'bin', 'hashfeed.js'), ...args], { cwd: app, encoding: 'utf8', timeout: STEP_TIMEOUT_MS }));
}

/** Starts a long-running command; resolves with the first stdout JSON line that has `key`. */
function start(name, args, key) {
  const child = spawn(process.execPath, [join(app, 'bin', 'hashfeed.js'), ...args], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`${name} printed no '${key}' within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
    timer.unref();
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        process.stdout.write(`[${name}] ${line}\n`);
        let value;
        try {
          value = JSON.parse(line);
        } catch {
          continue;
        }
        if (typeof value?.[key] === 'string') {
          clearTimeout(timer);
          resolve(value[key]);
        }
      }
    });
    void exited.then(({ code, signal }) => reject(new Error(`${name} exited early (code ${code}, signal ${signal})`)));
  });
  return { child, ready, exited };
}

async function healthy(name, url) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (res.status === 200) return log(`${name} healthy: ${await res.text()}`);
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} not healthy at ${url} within ${STEP_TIMEOUT_MS} ms (last: ${last})`);
}

async function stop(name, service) {
  service.child.kill('SIGTERM');
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), STEP_TIMEOUT_MS);
  });
  const outcome = await Promise.race([service.exited, timeout]);
  clearTimeout(timer);
  if (outcome === null) throw new Error(`${name} did not exit within ${STEP_TIMEOUT_MS} ms of SIGTERM`);
  if (outcome.code !== 0) throw new Error(`${name} exited with code ${outcome.code}, signal ${outcome.signal} after SIGTERM`);
  log(`${name} stopped cleanly`);
}

try {
  const started = Date.now();
  copyTrackedFiles();
  install();
  log(`installed with --omit=dev in ${Math.round((Date.now() - started) / 1000)} s`);

  const centreDir = join(scratch, 'centre');
  const init = cli(['centre', 'init', '--data', centreDir]);
  const provider = cli(['centre', 'token', 'create', '--role', 'provider', '--name', 'smoke-provider', '--data', centreDir]);
  const centre = start('centre', ['centre', 'serve', '--data', centreDir, '--port', '0'], 'url');
  const centreUrl = await centre.ready;
  await healthy('centre', `${centreUrl}/healthz`);

  const configFile = join(scratch, 'sidecar.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      centre: centreUrl,
      providerToken: provider.token,
      provider: 'smoke-provider',
      rootKey: init.rootVerifierKey,
      dataDir: join(scratch, 'sidecar'),
      listen: '127.0.0.1:0',
      localToken: randomBytes(24).toString('hex'),
      surfaces: [{ id: 'uploads', description: 'Public uploads', e2ee: false }],
      syncIntervalSeconds: 3600,
    }),
  );
  const sidecar = start('sidecar', ['sidecar', '--config', configFile], 'listening');
  const sidecarUrl = await sidecar.ready;
  await healthy('sidecar', `${sidecarUrl}/healthz`);

  await stop('sidecar', sidecar);
  await stop('centre', centre);
  log(`passed in ${Math.round((Date.now() - started) / 1000)} s`);
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
}
