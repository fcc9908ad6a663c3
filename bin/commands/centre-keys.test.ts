import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCentre } from '../../server/centre.ts';
import { parseNote } from '../../shared/note/index.ts';
import { trustedRootFrom } from '../../shared/trust/testing/trusted-root.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { encodeRootList } from '../../shared/wire/delta-chain.ts';
import { run as centreRun } from './centre.ts';
import { run as keysRun } from './keys.ts';

type Result = { status: number; json: Record<string, unknown>; stderr: string };

async function invoke(run: (argv: string[], io: never) => Promise<number>, argv: string[]): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } };
  const status = await run(argv, io as never);
  return { status, json: stdout.startsWith('{') ? JSON.parse(stdout) : {}, stderr };
}

const dirs = tempDirs();
let dataDir: string;
let work: string;
const centre = (...argv: string[]): Promise<Result> => invoke(centreRun, [...argv, '--data', dataDir]);
const keys = (...argv: string[]): Promise<Result> => invoke(keysRun, argv);
const rootFile = (i: number): string => join(dataDir, 'keys', `root-${i}.key`);

/** The root a client pinning `pin` (threshold `threshold`) trusts after reading the Centre's root chain. */
function clientRoot(pin: readonly string[], threshold: number): ReturnType<typeof trustedRootFrom> {
  const opened = openCentre(dataDir, Date.now(), {});
  try {
    return trustedRootFrom(encodeRootList(opened.keyring.roots.envelopes()), pin, threshold);
  } finally {
    opened.close();
  }
}

beforeEach(() => {
  dataDir = dirs.make('hf-cli-keys-');
  work = dirs.make('hf-cli-holder-');
});
afterEach(() => dirs.removeAll());

describe('hashfeed centre keys', () => {
  describe('when a Centre is created with 3 root keys, 2 of which must sign', () => {
    let pin: string[];
    beforeEach(async () => {
      const init = await centre('init', '--feed', 'cli-keys', '--root-keys', '3', '--root-threshold', '2');
      expect(init.status).toBe(0);
      pin = init.json.rootVerifierKeys as string[];
      expect(init.json).toMatchObject({ rootThreshold: 2, rootKeys: pin.map((verifierKey, i) => ({ verifierKey, file: rootFile(i + 1) })) });
    });

    it('prints every root key with its file, and lists the root as JSON', async () => {
      const init = JSON.parse(readFileSync(join(dataDir, 'centre.json'), 'utf8')) as { feed: string };
      expect(init.feed).toBe('cli-keys');
      expect(pin).toHaveLength(3);
      for (let i = 1; i <= 3; i++) expect(existsSync(rootFile(i))).toBe(true);
      const list = await centre('keys', 'list');
      expect(list.status).toBe(0);
      expect(list.json).toMatchObject({ feed: 'cli-keys', version: 1, rootKeys: pin, rootThreshold: 2, revoked: [] });
      const purposes = list.json.keys as Record<string, { status: string; signing: boolean; privateKeyHere: boolean; notBefore: string; notAfter: string }[]>;
      expect(Object.keys(purposes).sort()).toEqual(['checkpoint', 'feed', 'forwarding', 'provider-list', 'timestamp']);
      for (const [, listed] of Object.entries(purposes)) {
        expect(listed).toEqual([expect.objectContaining({ status: 'usable', signing: true, privateKeyHere: true })]);
        expect(Date.parse(listed[0]?.notAfter ?? '')).toBeGreaterThan(Date.parse(listed[0]?.notBefore ?? ''));
      }
    });

    it('rotates the root keys through propose, two offline signatures of the old set and one of the new, and publish', async () => {
      const added = await keys('generate', '--name', 'hashfeed/cli-keys/root-4', '--out', join(work, 'root-4.key'));
      expect(added.status).toBe(0);
      const draft = join(work, 'draft.json');
      const proposed = await centre('keys', 'root', 'propose', '--out', draft, '--add-root-key', added.json.verifierKey as string, '--remove-root-key', pin[0] ?? '', '--root-threshold', '2');
      expect(proposed.status).toBe(0);
      expect(proposed.json).toMatchObject({ version: 2, needs: expect.stringContaining('2 of the 3 root keys of version 1, and 2 of the 3 of version 2') });
      expect(proposed.json.change).toEqual(expect.arrayContaining([`adds root key ${added.json.verifierKey as string}`, `removes root key ${pin[0] ?? ''}`]));

      // One holder: not enough for either threshold.
      const first = await keys('sign', '--root-key', rootFile(1), '--in', draft);
      expect(first.json).toMatchObject({ complete: false, signatures: { 'version 1': '1 of 2 needed', 'version 2': '0 of 2 needed' } });
      await expect(centre('keys', 'root', 'publish', '--in', draft)).rejects.toMatchObject({ code: 'ROOT_THRESHOLD_NOT_MET' });
      // Root key 2 counts for both versions; still one short for version 2.
      expect((await keys('sign', '--root-key', rootFile(2), '--in', draft)).json).toMatchObject({ complete: false, signatures: { 'version 1': '2 of 2 needed', 'version 2': '1 of 2 needed' } });
      await expect(centre('keys', 'root', 'publish', '--in', draft)).rejects.toMatchObject({ code: 'ROOT_THRESHOLD_NOT_MET' });
      const signedCopy = join(work, 'signed.json');
      expect((await keys('sign', '--root-key', join(work, 'root-4.key'), '--in', draft, '--out', signedCopy)).json).toMatchObject({ complete: true, draft: signedCopy });

      const published = await centre('keys', 'root', 'publish', '--in', signedCopy);
      expect(published.status).toBe(0);
      expect(published.json).toMatchObject({ rootVersion: 2 });
      // A sidecar that pinned the original set walks to version 2; one that pins the new set anchors there.
      expect(clientRoot(pin, 2).rootKeys.map((k) => k.text)).toEqual([pin[1], pin[2], added.json.verifierKey]);
      expect(clientRoot([pin[1] ?? '', added.json.verifierKey as string], 2).version).toBe(2);
      expect((await centre('keys', 'list')).json).toMatchObject({ version: 2, rootThreshold: 2 });
    });

    it('refuses `keys rotate` with one root key at hand (ROOT_THRESHOLD_NOT_MET) and installs nothing', async () => {
      await expect(centre('keys', 'rotate', '--root-key', rootFile(1))).rejects.toMatchObject({ code: 'ROOT_THRESHOLD_NOT_MET' });
      expect((await centre('keys', 'list')).json).toMatchObject({ version: 1 });
      expect((await centre('keys', 'rotate', '--purpose', 'feed', '--root-key', rootFile(1), '--root-key', rootFile(3))).json).toMatchObject({ rootVersion: 2 });
    });

    it('refuses a draft signed by a key that is no root key, and a draft whose signature was altered', async () => {
      const draft = join(work, 'draft.json');
      await centre('keys', 'root', 'propose', '--out', draft, '--rotate', 'timestamp');
      const stranger = await keys('generate', '--name', 'hashfeed/cli-keys/root-9', '--out', join(work, 'stranger.key'));
      expect(stranger.status).toBe(0);
      await expect(keys('sign', '--root-key', join(work, 'stranger.key'), '--in', draft)).rejects.toMatchObject({ code: 'ROOT_DRAFT_NOT_A_HOLDER' });
      await keys('sign', '--root-key', rootFile(1), '--in', draft);
      const text = readFileSync(draft, 'utf8');
      const altered = text.replace(/"sig": "(.)/, (_, c: string) => `"sig": "${c === 'A' ? 'B' : 'A'}`);
      writeFileSync(draft, altered);
      await expect(keys('sign', '--root-key', rootFile(2), '--in', draft)).rejects.toMatchObject({ code: 'ROOT_DRAFT_BAD_SIGNATURE' });
    });

    it('refuses a draft proposed against a root that was replaced since (ROOT_DRAFT_STALE)', async () => {
      const draft = join(work, 'draft.json');
      await centre('keys', 'root', 'propose', '--out', draft, '--rotate', 'timestamp');
      await keys('sign', '--root-key', rootFile(1), '--in', draft);
      await keys('sign', '--root-key', rootFile(2), '--in', draft);
      await centre('keys', 'rotate', '--purpose', 'feed', '--root-key', rootFile(1), '--root-key', rootFile(2));
      await expect(centre('keys', 'root', 'publish', '--in', draft)).rejects.toMatchObject({ code: 'ROOT_DRAFT_STALE' });
    });
  });

  describe('when a Centre has a single root key', () => {
    let pin: string;
    beforeEach(async () => {
      pin = (await centre('init', '--feed', 'cli-one')).json.rootVerifierKey as string;
    });

    it('revokes an online key with the root key at hand: a fresh key takes its purpose, clients see the revocation', async () => {
      const before = (await centre('keys', 'list')).json.keys as Record<string, { keyId: string; verifierKey: string }[]>;
      const feedKey = before.feed?.[0];
      const revoked = await centre('keys', 'revoke', '--key', feedKey?.keyId ?? '', '--reason', 'laptop stolen', '--revoked-at', '2026-01-01T00:00:00Z');
      expect(revoked.status).toBe(0);
      expect(revoked.json.change).toEqual(expect.arrayContaining([expect.stringMatching(/^REVOKES 'feed' key .* from 2026-01-01T00:00:00.000Z: laptop stolen$/)]));
      const after = (await centre('keys', 'list')).json;
      const feed = (after.keys as Record<string, { verifierKey: string; status: string; signing: boolean }[]>).feed ?? [];
      expect(feed.map((k) => [k.status, k.signing])).toEqual([
        ['revoked', false],
        ['usable', true],
      ]);
      expect(after.revoked).toEqual([{ verifierKey: feedKey?.verifierKey, revokedAt: '2026-01-01T00:00:00.000Z', reason: 'laptop stolen' }]);
      expect(clientRoot([pin], 1).revoked.map((r) => r.verifierKey.text)).toEqual([feedKey?.verifierKey]);
      await expect(centre('keys', 'revoke', '--key', feedKey?.keyId ?? '', '--reason', 'again')).rejects.toMatchObject({ code: 'ROOT_PROPOSAL_ALREADY_REVOKED' });
    });

    it('replaces the single root key through the offline flow: signed by the old key and the new one', async () => {
      const fresh = await keys('generate', '--name', 'hashfeed/cli-one/root-2', '--out', join(work, 'root-2.key'));
      const draft = join(work, 'draft.json');
      const oldKeyFile = join(dataDir, 'keys', 'root.key');
      await centre('keys', 'root', 'propose', '--out', draft, '--add-root-key', fresh.json.verifierKey as string, '--remove-root-key', pin);
      // Signed by the old key alone: the new root's own threshold is not met.
      expect((await keys('sign', '--root-key', oldKeyFile, '--in', draft)).json).toMatchObject({ complete: false, signatures: { 'version 1': '1 of 1 needed', 'version 2': '0 of 1 needed' } });
      await expect(centre('keys', 'root', 'publish', '--in', draft)).rejects.toMatchObject({ code: 'ROOT_THRESHOLD_NOT_MET' });
      expect((await keys('sign', '--root-key', join(work, 'root-2.key'), '--in', draft)).json).toMatchObject({ complete: true });
      expect((await centre('keys', 'root', 'publish', '--in', draft)).json).toMatchObject({ rootVersion: 2 });
      expect(clientRoot([pin], 1).rootKeys.map((k) => k.text)).toEqual([fresh.json.verifierKey]);
      // The old key no longer signs anything: `keys rotate` with it alone is refused before any key is made.
      await expect(centre('keys', 'rotate', '--root-key', oldKeyFile)).rejects.toMatchObject({ code: 'KEYRING_WRONG_ROOT_KEY' });
      expect((await centre('keys', 'rotate', '--root-key', join(work, 'root-2.key'))).json).toMatchObject({ rootVersion: 3 });
    });

    it('refuses a revocation without a reason, or dated in the future', async () => {
      expect((await centre('keys', 'revoke', '--key', '00000000')).status).toBe(2);
      await expect(centre('keys', 'revoke', '--key', '00000000', '--reason', 'x')).rejects.toMatchObject({ code: 'ROOT_PROPOSAL_UNKNOWN_KEY' });
      const feedKeyId = ((await centre('keys', 'list')).json.keys as Record<string, { keyId: string }[]>).feed?.[0]?.keyId ?? '';
      await expect(centre('keys', 'revoke', '--key', feedKeyId, '--reason', 'x', '--revoked-at', '2999-01-01T00:00:00Z')).rejects.toMatchObject({ code: 'ROOT_PROPOSAL_FUTURE_REVOCATION' });
    });

    it('keeps the checkpoint key named after the log origin across two rotations', async () => {
      const names: string[] = [];
      const keyIds: string[] = [];
      for (let round = 0; round < 3; round++) {
        if (round > 0) expect((await centre('keys', 'rotate', '--purpose', 'checkpoint')).status).toBe(0);
        const opened = openCentre(dataDir, Date.now(), {});
        try {
          const signer = opened.keyring.signerFor('checkpoint', Date.now());
          const note = parseNote(opened.log.checkpoint(signer, Date.now()).note);
          names.push(...note.signatures.map((s) => s.name));
          keyIds.push(signer.keyIdHex);
          expect(signer.name).toBe(opened.log.origin);
        } finally {
          opened.close();
        }
      }
      expect(new Set(names)).toEqual(new Set(['hashfeed/cli-one']));
      expect(new Set(keyIds).size).toBe(3);
    });
  });
});
