import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey, writePrivateKeyFile } from '../../shared/crypto/index.ts';
import { createRootDraft, encodeRootDocument, encodeRootDraft, signRootDocument, type RootDocument } from '../../shared/trust/index.ts';
import { encodeRootList } from '../../shared/wire/delta-chain.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { run as centreRun } from './centre.ts';
import { run } from './keys.ts';

async function keys(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await run(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { status, stdout, stderr };
}
const quiet = { stdout: { write: () => true }, stderr: { write: () => true } };

const dirs = tempDirs();
afterEach(() => dirs.removeAll());

describe('hashfeed keys', () => {
  describe('when the command line does not fit', () => {
    it.each([
      [['frobnicate'], "hashfeed keys: unknown command 'frobnicate'"],
      [['sign', '--root-key', 'x'], '--in is required'],
      [['generate', '--name', 'a b', '--out', 'x'], '--name: the key name contains a space'],
      [['generate', '--name', 'alice-root', '--out', 'x'], '--name: a root key is named hashfeed/<feed>/root-<i> (docs/PROTOCOL.md 4.1), not '],
      [['generate', '--name', 'hashfeed/Feed!/root-2', '--out', 'x'], '--name: a root key is named hashfeed/<feed>/root-<i>'],
      [['generate', '--name', 'hashfeed/test/root-0', '--out', 'x'], '--name: a root key is named hashfeed/<feed>/root-<i>'],
      [['sign', '--in', 'x', '--data', 'y'], "Unknown option '--data'"],
      [['sign', '--in', 'x', '--pin-threshold', '2'], '--pin-threshold needs --pin'],
      [['sign', '--in', 'x', '--pin', 'k', '--pin-threshold', 'two'], '--pin-threshold must be a whole number from 1'],
    ])('refuses %j with exit 2', async (argv, message) => {
      const { status, stderr } = await keys(...argv);
      expect(status).toBe(2);
      expect(stderr).toContain(message);
    });
  });

  describe('when a holder only looks at a draft (--show)', () => {
    it('prints the change and the signatures needed, and leaves the file as it was', async () => {
      const dataDir = dirs.make('hf-keys-');
      expect(await centreRun(['init', '--data', dataDir, '--feed', 'show-test'], quiet)).toBe(0);
      const draft = join(dataDir, 'draft.json');
      expect(await centreRun(['keys', 'root', 'propose', '--data', dataDir, '--out', draft, '--rotate', 'feed'], quiet)).toBe(0);
      const before = readFileSync(draft, 'utf8');
      const { status, stdout } = await keys('sign', '--in', draft, '--show');
      expect(status).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({
        change: ['root version 1 -> 2 of feed \'show-test\'', expect.stringMatching(/^adds 'feed' key hashfeed\/show-test\/feed\+/)],
        proposed: { version: 2, rootThreshold: 1 },
        signatures: { 'version 1': '0 of 1 needed', 'version 2': '0 of 1 needed' },
        complete: false,
      });
      expect(readFileSync(draft, 'utf8')).toBe(before);
    });
  });

  describe('when the holder states the root they trust and the draft\'s previous root is forged', () => {
    // The attacker signs a version 1 alone, listing only their key: the proposal, which lists the holder's key
    // (so that the holder can sign it), shows as adding the holder's keys rather than the attacker's.
    const [holder, other, attacker] = ['root-1', 'root-2', 'root'].map((name) => generateSigningKey(`hashfeed/keys-test/${name}`));
    if (holder === undefined || other === undefined || attacker === undefined) throw new Error('keys');
    const v1: RootDocument = { feed: 'keys-test', version: 1, issuedAt: 0, rootKeys: [holder.verifier, other.verifier], rootThreshold: 2, keys: [], revoked: [] };
    const real = signRootDocument(v1, [holder, other]);
    const forgedPrevious = signRootDocument({ ...v1, rootKeys: [attacker.verifier], rootThreshold: 1 }, [attacker]);
    const proposal = encodeRootDocument({ ...v1, version: 2, issuedAt: 1, rootKeys: [holder.verifier, other.verifier, attacker.verifier], rootThreshold: 1 });

    const setUp = (previous: Uint8Array): { draft: string; keyFile: string; rootFile: string; listFile: string } => {
      const dir = dirs.make('hf-keys-trust-');
      const paths = { draft: join(dir, 'draft.json'), keyFile: join(dir, 'holder.key'), rootFile: join(dir, 'root-1.bin'), listFile: join(dir, 'keys.bin') };
      writeFileSync(paths.draft, encodeRootDraft(createRootDraft(proposal, previous)));
      writePrivateKeyFile(paths.keyFile, holder);
      writeFileSync(paths.rootFile, real);
      writeFileSync(paths.listFile, encodeRootList([real]));
      return paths;
    };

    it.each([
      ['a saved root envelope (--trusted-root)', (p: { rootFile: string }) => ['--trusted-root', p.rootFile]],
      ['a saved GET /v1/feed/keys body (--trusted-root)', (p: { listFile: string }) => ['--trusted-root', p.listFile]],
      ['pinned root keys (--pin, --pin-threshold)', () => ['--pin', holder.verifier.text, '--pin', other.verifier.text, '--pin-threshold', '2']],
    ])('refuses to sign or show it against %s, with ROOT_DRAFT_UNANCHORED', async (_, trustArgs) => {
      const paths = setUp(forgedPrevious);
      const before = readFileSync(paths.draft, 'utf8');
      await expect(keys('sign', '--in', paths.draft, '--show', ...trustArgs(paths))).rejects.toMatchObject({ code: 'ROOT_DRAFT_UNANCHORED' });
      await expect(keys('sign', '--in', paths.draft, '--root-key', paths.keyFile, ...trustArgs(paths))).rejects.toMatchObject({ code: 'ROOT_DRAFT_UNANCHORED' });
      expect(readFileSync(paths.draft, 'utf8')).toBe(before);
    });

    it('signs a draft whose previous root is the one the holder trusts', async () => {
      const paths = setUp(real);
      const { status, stdout } = await keys('sign', '--in', paths.draft, '--root-key', paths.keyFile, '--trusted-root', paths.listFile);
      expect(status).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ signedBy: holder.verifier.text, anchoredTo: 'root version 1' });
    });
  });
});
