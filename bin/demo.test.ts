import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { ffmpegInstalled } from '../shared/video/testing/synthetic-video.ts';
import { run } from './commands/demo.ts';

const withVideo = ffmpegInstalled();

const dirs = tempDirs();
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  dirs.removeAll();
});

describe('hashfeed demo (npm start)', () => {
  describe('when the command line does not fit', () => {
    it('prints its usage for --help and exits 0', async () => {
      let text = '';
      expect(await run(['--help'], { write: (t: string) => (text += t) })).toBe(0);
      expect(text).toMatch(/^usage: hashfeed demo \[--data DIR\] \[--port P\] \[--exit\]/);
    });

    it('refuses an option of another command with exit 2, running nothing', async () => {
      let text = '';
      expect(await run(['--url', 'x'], { write: (t: string) => (text += t) })).toBe(2);
      expect(text).toBe('');
    });
  });

  it('runs the whole flow, and again on the same data', async () => {
    const data = dirs.make('hf-demo-');
    for (const round of [1, 2]) {
      let text = '';
      const code = await run(['--data', data, '--exit'], { write: (t: string) => (text += t) });
      expect(code, text).toBe(0);
      expect(text).toContain(round === 1 ? 'Created a Centre' : 'Reusing the Centre');
      expect(text).toMatch(/01-resized-half\.jpg\s+MATCH/);
      expect(text).toMatch(/03-rotated-90\.jpg\s+MATCH .* rotate/);
      expect(text).toMatch(/05-unrelated\.jpg\s+no match/);
      expect(text).toMatch(/07-in-an-e2ee-chat\.jpg\s+refused SURFACE_E2EE/);
      expect(text).toMatch(/08-not-a-target\.jpg\s+refused NO_ACTIVE_ORDER/);
      // With ffmpeg, a letterboxed re-encode of the video indicator matches too, and an unrelated video does not.
      const reports = withVideo ? 5 : 4;
      expect(text).toMatch(new RegExp(`${reports} uploads matched, 2 scans were refused .* ${reports} signed reports`));
      if (withVideo) {
        expect(text).toMatch(/09-video-letterboxed\.mp4\s+MATCH #\d+ vpdq \d+% of its frames/);
        expect(text).toMatch(/10-video-unrelated\.mp4\s+no match \(video, \d+ frames hashed\)/);
        expect(text).toContain('Video: the re-encoded, letterboxed copy of the video indicator MATCHED');
        expect(text).toMatch(round === 1 ? /also submitted a video indicator: .*: new\./ : /also submitted a video indicator: .*: already confirmed\./);
      } else expect(text).toContain('ffmpeg is not installed: the video part of the demo is skipped');
      expect(text).toMatch(round === 1 ? /report key [0-9a-f]{8}; the operator approved it/ : /report key [0-9a-f]{8} is approved/);
      // A witness beside the Centre (reused on the second run) cosigns the checkpoint; the sidecar requires it.
      expect(text).toContain(round === 1 ? 'Created witness demo-witness.example/w1' : 'Reusing witness demo-witness.example/w1');
      expect(text).toMatch(/5\. Witness demo-witness\.example\/w1 cosigned the checkpoint at log size \d+; the sidecar requires its cosignature \(witnessQuorum 1\)/);
      // Step 5: the sidecar reads ciphertext from an unauthenticated static mirror, entitled by the demo's order.
      expect(text).toMatch(/\d+ files, none of which holds any of the 12 hashes, in bytes or hex/);
      expect(text).toMatch(/Its encryption key is active; the Centre's signed access list entitles it by order DEMO-ORDER-\d+/);
      expect(text).toMatch(/It verified, decrypted and applied the feed from the mirror: replica at version 1 .* health ok/);
      expect(text).toMatch(/A reviewer forwarded report [0-9a-f]{8} and judged [0-9a-f]{8} unfounded/);
      expect(text).toContain("It reached DE-BKA's inbox (1 item) and Europol's (1 item)");
      expect(text).toMatch(/report [0-9a-f]{8} unfounded \(preview_mismatch\): the platform may restore/);
      expect(text).toMatch(/report [0-9a-f]{8} forwarded, hold until \d{4}-\d{2}-\d{2}: preserve it and stay silent/);
      // The first run's month holds its 4 reports, one forward to DE and Europol, one preview_mismatch (a later run may fall in a new month).
      if (round === 1) {
        expect(text).toMatch(new RegExp(`10\\. Public statistics for \\d{4}-\\d{2} .*: ${reports} reports received`));
        expect(text).toContain('unfounded: preview_mismatch 1; forwarded to Member States: DE 1, to Europol: 1;');
      } else expect(text).toMatch(/10\. Public statistics for \d{4}-\d{2} .*: \d+ reports received/);
    }
  }, 120_000);

  describe('when it stays up for the console (npm start)', () => {
    it('prints the console address and a one-time code per role; a code signs in once; Ctrl-C stops it with 0', async () => {
      const data = dirs.make('hf-demo-console-');
      const child = spawn(process.execPath, [join(import.meta.dirname, 'hashfeed.js'), 'demo', '--data', data, '--port', '0']);
      children.push(child);
      let output = '';
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString('utf8');
          if (output.includes('Serving until Ctrl-C.')) resolve();
        });
        void exited.then((code) => reject(new Error(`demo exited (${code}) before serving: ${output}`)));
      });
      const consoleUrl = /The Centre console is at (http:\/\/127\.0\.0\.1:\d+\/console) /.exec(output)?.[1];
      const codes = Object.fromEntries([...output.matchAll(/^ {4}(reviewer|operator|authority|europol) +\S+ +(hfc_\S+)$/gm)].map((m) => [m[1], m[2]]));
      expect(consoleUrl, output).toBeDefined();
      expect(Object.keys(codes).sort()).toEqual(['authority', 'europol', 'operator', 'reviewer']);
      const signIn = (code: string | undefined): Promise<Response> =>
        fetch(`${consoleUrl}/sign-in`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(consoleUrl ?? '').origin },
          body: new URLSearchParams({ token: code ?? '' }).toString(),
        });
      const first = await signIn(codes.reviewer);
      expect(first.status).toBe(303);
      expect(first.headers.get('location')).toBe('/console/review');
      expect((await signIn(codes.reviewer)).status).toBe(401);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }, 120_000);
  });
});
