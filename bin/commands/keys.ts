/**
 * `hashfeed keys ...`: what a root key holder runs, on an offline machine
 * with no data folder (docs/OPERATIONS.md, "Keys"). Imports shared/ only,
 * never the Centre or the sidecar.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CryptoError, generateSigningKey, keyNameProblem, loadSigningKey, parseVerifierKey, writePrivateKeyFile } from '../../shared/crypto/index.ts';
import {
  anchorRootDraft,
  describeRoot,
  encodeRootDraft,
  MAX_ROOT_DRAFT_BYTES,
  parseRootDraft,
  RootDraftError,
  rootDraftStatus,
  rootKeyNameProblem,
  signRootDraft,
  type RootDraft,
  type RootDraftTrust,
  type TrustedRoot,
} from '../../shared/trust/index.ts';
import { decodeRootList } from '../../shared/wire/delta-chain.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { bounded, defineCommand, UsageError, type Command, type CommandIo } from '../command.ts';

/** The variable that may hold a holder's root key instead of a file. */
const ROOT_KEY_ENV = 'HASHFEED_ROOT_KEY';

const print = (io: CommandIo, value: unknown): void => {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Reads and checks a draft file (at most MAX_ROOT_DRAFT_BYTES): both documents decode and every signature verifies. */
export function readDraft(path: string): RootDraft {
  if (statSync(path).size > MAX_ROOT_DRAFT_BYTES) throw new RootDraftError('ROOT_DRAFT_MALFORMED', `the draft file is larger than a draft can be (${MAX_ROOT_DRAFT_BYTES} bytes)`);
  const draft = parseRootDraft(readFileSync(path, 'utf8'));
  rootDraftStatus(draft);
  return draft;
}

/** A saved GET /v1/feed/keys body holds 64 versions at most per page; a holder may save several pages' worth. */
const MAX_TRUSTED_ROOT_FILE_BYTES = 4 * 1024 * 1024;

/**
 * What the holder says they trust (--trusted-root, --pin, --pin-threshold), or null when they said nothing:
 * then only the draft's own consistency is checked.
 */
function statedTrust(values: { 'trusted-root'?: string | undefined; pin?: string[] | undefined; 'pin-threshold'?: string | undefined }): RootDraftTrust | null {
  const pins = values.pin ?? [];
  if (values['pin-threshold'] !== undefined && pins.length === 0) throw new UsageError('USAGE', '--pin-threshold needs --pin');
  const thresholdText = values['pin-threshold'] ?? '1';
  if (!/^[1-9][0-9]{0,2}$/.test(thresholdText) || Number(thresholdText) > Math.max(pins.length, 1)) {
    throw new UsageError('USAGE', `--pin-threshold must be a whole number from 1 to the number of --pin keys (${pins.length})`);
  }
  const keys = pins.map((text) => {
    try {
      return parseVerifierKey(text);
    } catch (cause) {
      if (cause instanceof CryptoError) throw new UsageError('USAGE', `--pin: ${cause.message}`, { cause });
      throw cause;
    }
  });
  const roots = values['trusted-root'] === undefined ? [] : trustedRoots(resolve(values['trusted-root']));
  if (keys.length === 0 && roots.length === 0) return null;
  return { pin: keys.length === 0 ? null : { keys, threshold: Number(thresholdText) }, roots };
}

/** A root envelope (as GET /v1/feed/root/N serves it) or a GET /v1/feed/keys body: the root envelopes, oldest first. */
function trustedRoots(path: string): Uint8Array[] {
  if (statSync(path).size > MAX_TRUSTED_ROOT_FILE_BYTES) throw new UsageError('USAGE', `--trusted-root: the file is larger than ${MAX_TRUSTED_ROOT_FILE_BYTES} bytes`);
  const bytes = readFileSync(path);
  try {
    return decodeRootList(bytes, MAX_TRUSTED_ROOT_FILE_BYTES);
  } catch (cause) {
    if (!(cause instanceof WireError)) throw cause;
    // Not a root list: one envelope, which the anchor check decodes (and refuses if it is not a root).
    return [bytes];
  }
}

const anchoredTo = (root: TrustedRoot | null): Record<string, string> => (root === null ? {} : { anchoredTo: `root version ${root.document.version}` });

const COMMANDS: Record<string, Command> = {
  sign: defineCommand({
    name: 'hashfeed keys sign',
    usage:
      'usage: hashfeed keys sign --root-key FILE --in DRAFT [--out DRAFT] [--show]\n' +
      '                          [--trusted-root FILE] [--pin VKEY ... [--pin-threshold K]]\n\n' +
      'Prints the root version a draft proposes (decoded from the bytes to sign, with what it changes and who signed so far),\n' +
      `then adds the signature of the root key in FILE (or ${ROOT_KEY_ENV}) and writes the draft to --out (default: --in).\n` +
      '--show prints without signing. Check the change before you pass the draft on.\n\n' +
      'State the root you trust, so that the change is shown against it: --trusted-root FILE (a root envelope you saved,\n' +
      'or a saved GET /v1/feed/keys body) and/or --pin VKEY (repeated; root verifier keys you hold, K of which must have\n' +
      "signed, default 1). The draft's current root must be that root or descend from it, else ROOT_DRAFT_UNANCHORED and\n" +
      'nothing is signed. Without them, only the draft\'s own signatures are checked.\n',
    options: {
      'root-key': { type: 'string' },
      in: { type: 'string' },
      out: { type: 'string' },
      show: { type: 'boolean' },
      'trusted-root': { type: 'string' },
      pin: { type: 'string', multiple: true },
      'pin-threshold': { type: 'string' },
    },
    run: (values, _positionals, io) => {
      if (values.in === undefined) throw new UsageError('USAGE', '--in is required');
      const trust = statedTrust(values);
      const input = resolve(values.in);
      const draft = readDraft(input);
      const anchor = anchoredTo(trust === null ? null : anchorRootDraft(draft, trust));
      if (values.show === true) {
        print(io, { ...described(draft), ...anchor });
        return 0;
      }
      if (values['root-key'] === undefined && (process.env[ROOT_KEY_ENV] ?? '').trim() === '') throw new UsageError('USAGE', `--root-key is required (or ${ROOT_KEY_ENV})`);
      const key = loadSigningKey(values['root-key'] === undefined ? { envVariable: ROOT_KEY_ENV } : { path: resolve(values['root-key']) });
      const signed = signRootDraft(draft, key);
      const out = resolve(values.out ?? input);
      writeFileSync(out, encodeRootDraft(signed), { mode: 0o644 });
      print(io, { ...described(signed), ...anchor, signedBy: key.verifier.text, draft: out });
      return 0;
    },
  }),
  generate: defineCommand({
    name: 'hashfeed keys generate',
    usage:
      'usage: hashfeed keys generate --name NAME --out FILE\n\n' +
      'Creates a key pair (a new root key holder: NAME is hashfeed/<feed>/root-<i>), writes the private key to FILE (0600,\n' +
      'never overwritten) and prints the verifier key to give to the Centre (`centre keys root propose --add-root-key`).\n',
    options: { name: { type: 'string' }, out: { type: 'string' } },
    run: (values, _positionals, io) => {
      if (values.name === undefined || values.out === undefined) throw new UsageError('USAGE', '--name and --out are required');
      const problem = keyNameProblem(values.name) ?? rootKeyNameProblem(values.name);
      if (problem !== null) throw new UsageError('USAGE', `--name: ${problem}`);
      const key = generateSigningKey(values.name);
      const out = resolve(values.out);
      writePrivateKeyFile(out, key);
      print(io, { verifierKey: key.verifier.text, file: out });
      return 0;
    },
  }),
};

function described(draft: RootDraft): Record<string, unknown> {
  const status = rootDraftStatus(draft);
  return {
    change: status.change,
    proposed: describeRoot(status.document, status.document.issuedAt),
    signatures: {
      [`version ${status.previous.version}`]: `${status.previousSigners.length} of ${status.previousThreshold} needed`,
      [`version ${status.document.version}`]: `${status.ownSigners.length} of ${status.ownThreshold} needed`,
    },
    complete: status.complete,
  };
}

function overview(): string {
  return `usage: hashfeed keys <command>\n\n  sign      add a root key holder's signature to a root draft\n  generate  create a key pair for a new root key holder\n`;
}

export async function run(argv: string[], io: CommandIo = process): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr.write(`hashfeed keys: unknown command '${bounded(name)}'\n\n${overview()}`);
    return 2;
  }
  return command.run(rest, io);
}
