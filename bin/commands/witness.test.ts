import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { captured } from '../testing/captured-io.ts';
import { parseVerifierKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../shared/crypto/index.ts';
import { repoRoot } from '../../shared/testing/vectors.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { witnessKeyPath } from '../../server/witness/index.ts';
import { TestLog } from '../../server/witness/testing/test-log.ts';
import { run } from './witness.ts';

const dirs = tempDirs();
const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
});
afterAll(() => dirs.removeAll());

/** `hashfeed witness serve` as its own process; resolves with its URL once it listens. */
function serveChild(dataDir: string, log: TestLog): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', join(repoRoot, 'bin/hashfeed.ts'), 'witness', 'serve', '--data', dataDir, '--port', '0', '--log', `${log.origin}=${log.key.verifier.text}`];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    children.add(child);
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"url"'));
      if (line !== undefined) {
        const parsed: unknown = JSON.parse(line);
        const url: unknown = typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'url') : undefined;
        if (typeof url === 'string') resolve({ url, child });
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`witness exited with ${code}`)));
  });
}

const post = (url: string, body: string): Promise<Response> => fetch(`${url}/add-checkpoint`, { method: 'POST', body, signal: AbortSignal.timeout(10_000) });

describe('hashfeed witness', () => {
  describe('when initialised', () => {
    it('writes a 0600 cosignature key and prints its verifier key; a second init is refused', async () => {
      const dataDir = join(dirs.make('witness-cli-'), 'w');
      const first = captured();
      expect(await run(['init', '--data', dataDir, '--name', 'witness.example/cli'], first.io)).toBe(0);
      const printed: unknown = JSON.parse(first.out());
      const verifierKey = parseVerifierKey(typeof printed === 'object' && printed !== null ? Reflect.get(printed, 'verifierKey') : undefined, { signatureTypes: [SIGNATURE_TYPE_COSIGNATURE_V1] });
      expect(verifierKey.name).toBe('witness.example/cli');
      expect(statSync(witnessKeyPath(dataDir)).mode & 0o777).toBe(0o600);
      await expect(run(['init', '--data', dataDir, '--name', 'witness.example/cli'], captured().io)).rejects.toMatchObject({ code: 'WITNESS_CONFIG_INVALID' });
    });

    it('refuses serve without --log as a usage error', async () => {
      const out = captured();
      expect(await run(['serve', '--data', dirs.make('witness-cli-')], out.io)).toBe(2);
      expect(out.err()).toContain('--log');
    });
  });

  describe('when killed with SIGKILL right after answering', () => {
    it('still knows the size it cosigned once restarted', async () => {
      const dataDir = join(dirs.make('witness-kill-'), 'w');
      await run(['init', '--data', dataDir, '--name', 'witness.example/kill'], captured().io);
      const log = new TestLog().append(7);
      const first = await serveChild(dataDir, log);
      const answer = await post(first.url, log.request(0));
      const exited = new Promise((resolve) => first.child.once('exit', resolve));
      first.child.kill('SIGKILL');
      expect(answer.status).toBe(200);
      await exited;
      children.delete(first.child);

      const second = await serveChild(dataDir, log);
      const probe = await post(second.url, `old 0\n\n${log.checkpoint()}`);
      expect(probe.status).toBe(409);
      expect(probe.headers.get('content-type')).toBe('text/x.tlog.size');
      expect(await probe.text()).toBe('7\n');
    });
  });
});
