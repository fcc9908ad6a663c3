/**
 * `hashfeed centre keys ...`: the Centre's root of trust and online keys
 * (docs/OPERATIONS.md, "Keys"). Root keys are never needed by the running
 * Centre: a change is proposed here as a draft, signed offline by the root
 * key holders (`hashfeed keys sign`), and published here; where the root
 * keys are at hand, `keys rotate` and `keys revoke` do all three at once.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseVerifierKey } from '../../shared/crypto/index.ts';
import {
  createRootDraft,
  describeRoot,
  encodeRootDocument,
  encodeRootDraft,
  rootDraftEnvelope,
  RootDraftError,
  rootDraftStatus,
  TrustError,
} from '../../shared/trust/index.ts';
import type { Centre } from '../../server/centre.ts';
import { ROOT_KEY_ENV } from '../../server/keys/keyring.ts';
import { localRootKeys } from '../../server/keys/local-root-keys.ts';
import { loadOnlineKey, ONLINE_PURPOSES } from '../../server/keys/online-keys.ts';
import { installRoot, type RootInstallation } from '../../server/keys/root-installation.ts';
import { proposeRoot, type RootChange } from '../../server/keys/root-proposal.ts';
import { changeRootLocally } from '../../server/keys/root-rotation.ts';
import { bounded, UsageError } from '../command.ts';
import { readDraft } from './keys.ts';
import { print, subcommand, withCentre, type Subcommand } from './centre-subcommand.ts';

const REVOKE_OPTIONS = { reason: { type: 'string' }, 'revoked-at': { type: 'string' } } as const;

export const KEY_SUBCOMMANDS: readonly Subcommand[] = [
  subcommand({
    name: 'keys list',
    synopsis: '',
    summary: 'the current root: version, root keys and threshold, online keys per purpose with their windows, revocations',
    options: {},
    run: ({ dataDir, now, io }) =>
      withCentre(dataDir, now, (centre) => {
        const root = centre.keyring.root.document;
        // Which key the Centre signs each purpose with now, and whether each key's private half is here.
        const signing = Object.fromEntries(ONLINE_PURPOSES.map((purpose) => [purpose, centre.keyring.signerFor(purpose, now).verifier.text]));
        const here = new Set(root.keys.filter((k) => loadOnlineKey(dataDir, k, process.env) !== undefined).map((k) => k.verifierKey.text));
        const described = describeRoot(root, now);
        const keys = Object.fromEntries(
          Object.entries(described.keys).map(([purpose, list]) => [purpose, list.map((k) => ({ ...k, privateKeyHere: here.has(k.verifierKey), signing: signing[purpose] === k.verifierKey }))]),
        );
        print(io, { ...described, keys, rootVersions: centre.keyring.roots.latestVersion() });
      }),
  }),
  subcommand({
    name: 'keys rotate',
    synopsis: '[--purpose P ...] [--root-key FILE ...]',
    summary: `new online keys for every purpose (or each --purpose), in a new root version signed by the root keys at hand (files, or ${ROOT_KEY_ENV})`,
    options: { 'root-key': { type: 'string', multiple: true }, purpose: { type: 'string', multiple: true } },
    run: ({ values, dataDir, now, io }) => {
      const purposes = onlinePurposes(values.purpose ?? ONLINE_PURPOSES);
      return withCentre(dataDir, now, (centre) => {
        const installed = changeRootLocally(centre, dataDir, { rotate: purposes }, localRootKeys(dataDir, values['root-key']), 'cli', now);
        const root = installed.root.document;
        print(io, { ...report(installed), keys: root.keys.slice(-purposes.length).map((k) => ({ purpose: k.purpose, verifierKey: k.verifierKey.text })) });
      });
    },
  }),
  subcommand({
    name: 'keys epoch-rotate',
    synopsis: '[--publish]',
    summary: 'start a new epoch of the sealed feed at the next publication (docs/PROTOCOL.md 13.2); with --publish, publish an empty version for it now',
    options: { publish: { type: 'boolean', default: false } },
    run: ({ values, dataDir, now, io }) =>
      withCentre(dataDir, now, (centre) => {
        centre.write(() => {
          centre.epochs.requestRotation('operator asked (keys epoch-rotate)', now);
          centre.audit.record(now, 'cli', 'epoch.rotate-request', centre.config.feed, { publish: values.publish });
        });
        const current = centre.epochs.current()?.epoch ?? 0;
        if (!values.publish) {
          print(io, { currentEpoch: current, rotationRequested: true, note: 'the next publication starts a new epoch' });
          return;
        }
        // Providers fetch the new key from their access list; the running Centre wraps it on demand.
        print(io, centre.publisher.publish('cli', now));
      }),
  }),
  subcommand({
    name: 'keys revoke',
    synopsis: '--key KEYID --reason TEXT [--revoked-at ISO] [--root-key FILE ...]',
    summary: 'withdraw an online key (from --revoked-at, default now) and give its purpose a fresh key, in a new root version signed by the root keys at hand',
    options: { key: { type: 'string' }, 'root-key': { type: 'string', multiple: true }, ...REVOKE_OPTIONS },
    run: ({ values, dataDir, now, io }) => {
      if (values.key === undefined) throw new UsageError('USAGE', '--key is required');
      const revoke = revocation(values.key, values.reason, values['revoked-at'], now);
      return withCentre(dataDir, now, (centre) => {
        print(io, report(changeRootLocally(centre, dataDir, { revoke }, localRootKeys(dataDir, values['root-key']), 'cli', now)));
      });
    },
  }),
  subcommand({
    name: 'keys root propose',
    synopsis: '--out DRAFT [--rotate P ...] [--revoke KEYID --reason TEXT [--revoked-at ISO]] [--add-root-key VKEY ...] [--remove-root-key VKEY ...] [--root-threshold K]',
    summary: 'write the next root version as a draft for the root key holders to sign offline (`hashfeed keys sign`); new online keys are written to keys/ now, used once published',
    options: {
      out: { type: 'string' },
      rotate: { type: 'string', multiple: true },
      revoke: { type: 'string' },
      'add-root-key': { type: 'string', multiple: true },
      'remove-root-key': { type: 'string', multiple: true },
      'root-threshold': { type: 'string' },
      ...REVOKE_OPTIONS,
    },
    run: ({ values, dataDir, now, io }) => {
      if (values.out === undefined) throw new UsageError('USAGE', '--out is required');
      if (values.revoke === undefined && (values.reason !== undefined || values['revoked-at'] !== undefined)) throw new UsageError('USAGE', '--reason and --revoked-at go with --revoke');
      const threshold = values['root-threshold'];
      if (threshold !== undefined && !/^[1-8]$/.test(threshold)) throw new UsageError('USAGE', '--root-threshold must be from 1 to 8');
      const change: RootChange = {
        ...(values.rotate === undefined ? {} : { rotate: onlinePurposes(values.rotate) }),
        ...(values.revoke === undefined ? {} : { revoke: revocation(values.revoke, values.reason, values['revoked-at'], now) }),
        ...(values['add-root-key'] === undefined ? {} : { addRootKeys: values['add-root-key'].map((text) => verifierKey(text)) }),
        ...(values['remove-root-key'] === undefined ? {} : { removeRootKeys: values['remove-root-key'] }),
        ...(threshold === undefined ? {} : { rootThreshold: Number(threshold) }),
      };
      const out = resolve(values.out);
      // Before any key is generated: a draft is never overwritten.
      if (existsSync(out)) throw new UsageError('USAGE', `--out ${bounded(values.out)} exists already`);
      return withCentre(dataDir, now, (centre) => {
        const current = centre.keyring.root;
        const next = proposeRoot(current.document, change, dataDir, now, centre.config.signingKeyValidityDays);
        const draft = createRootDraft(encodeRootDocument(next), current.envelope);
        writeFileSync(out, encodeRootDraft(draft), { flag: 'wx', mode: 0o644 });
        centre.write(() => centre.audit.record(now, 'cli', 'keys.root.propose', `root:${next.version}`, { change: draft.summary }));
        print(io, {
          draft: out,
          version: next.version,
          change: draft.summary,
          needs: `${current.document.rootThreshold} of the ${current.document.rootKeys.length} root keys of version ${current.document.version}, and ${next.rootThreshold} of the ${next.rootKeys.length} of version ${next.version}`,
        });
      });
    },
  }),
  subcommand({
    name: 'keys root publish',
    synopsis: '--in DRAFT',
    summary: 'install a signed draft as the next root version (checks both thresholds), re-sign the timestamp at once',
    options: { in: { type: 'string' } },
    run: ({ values, dataDir, now, io }) => {
      if (values.in === undefined) throw new UsageError('USAGE', '--in is required');
      const draft = readDraft(resolve(values.in));
      return withCentre(dataDir, now, (centre) => {
        checkDraftFollows(centre, draft.previous);
        const status = rootDraftStatus(draft);
        if (!status.complete) {
          // RootStore.install would refuse it too; this says whose signatures are missing.
          throw new TrustError(
            'ROOT_THRESHOLD_NOT_MET',
            `the draft is signed by ${status.previousSigners.length} of the ${status.previousThreshold} root keys version ${status.previous.version} needs ` +
              `and ${status.ownSigners.length} of the ${status.ownThreshold} version ${status.document.version} needs: have more holders run \`hashfeed keys sign\``,
          );
        }
        print(io, report(installRoot(centre, rootDraftEnvelope(draft), 'cli', now)));
      });
    },
  }),
];

function report(installed: RootInstallation): Record<string, unknown> {
  return {
    rootVersion: installed.root.document.version,
    change: installed.change,
    ...(installed.recovery === null ? {} : { recoveryPublication: installed.recovery }),
  };
}

/** The draft was proposed against the root this Centre holds; otherwise it cannot be the next link. */
function checkDraftFollows(centre: Centre, previous: Uint8Array): void {
  const current = centre.keyring.root.envelope;
  if (Buffer.compare(Buffer.from(previous), Buffer.from(current)) !== 0) {
    throw new RootDraftError('ROOT_DRAFT_STALE', `the draft was proposed against another root than this Centre's version ${centre.keyring.root.document.version}: propose it again`);
  }
}

function onlinePurposes(values: readonly string[]): string[] {
  for (const purpose of values) {
    if (!ONLINE_PURPOSES.some((known) => known === purpose)) throw new UsageError('USAGE', `a purpose must be one of ${ONLINE_PURPOSES.join(', ')}, not '${bounded(purpose)}'`);
  }
  return [...new Set(values)];
}

function revocation(key: string, reason: string | undefined, revokedAt: string | undefined, now: number): NonNullable<RootChange['revoke']> {
  if (reason === undefined || reason.length === 0 || reason.length > 256) throw new UsageError('USAGE', '--reason is required: 1 to 256 characters');
  const at = revokedAt === undefined ? now : Date.parse(revokedAt);
  if (!Number.isSafeInteger(at) || at < 0) throw new UsageError('USAGE', '--revoked-at must be an ISO 8601 time, such as 2026-11-01T12:00:00Z');
  return { key, reason, revokedAt: at };
}

function verifierKey(text: string): ReturnType<typeof parseVerifierKey> {
  try {
    return parseVerifierKey(text);
  } catch {
    throw new UsageError('USAGE', `--add-root-key takes a verifier key string (name+keyid+base64), not '${bounded(text)}'`);
  }
}
