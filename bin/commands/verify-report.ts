/**
 * `hashfeed verify-report FILE`: checks offline what a recipient's inbox
 * holds, both signatures and what binds them (docs/PROTOCOL.md 11.5):
 *
 *   FILE   the JSON of one inbox item as `GET /v1/inbox/reports` serves it
 *          (`{reportId, decision, report, record, ...}`, envelopes in base64),
 *          or a whole page of it (`{reports: [...], ...}`), as saved; it may
 *          carry `roots`, the base64 of a saved `GET /v1/feed/keys` body.
 *
 * Exit status: 0 every item verified; 1 a signature or binding fails (a
 * CUSTODY_* code per item); 2 usage, a file that cannot be read or is not
 * shaped like an inbox item; 3 nothing failed, but an item's report was
 * purged (`report: null`): its record verified, the report cannot be.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parseVerifierKey } from '../../shared/crypto/index.ts';
import { CustodyError, trustCustodyRoots, verifyForwardedItem, type CustodyRoots, type RootPin } from '../../shared/trust/index.ts';
import { decodeRootList } from '../../shared/wire/delta-chain.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { defineCommand, UsageError, type Command, type CommandIo } from '../command.ts';

const USAGE = `usage: hashfeed verify-report FILE --root-key KEY [--root-key KEY ...] [--root-threshold N] [--roots FILE] [--json]

Checks offline an inbox item (or a saved page of GET /v1/inbox/reports): the
Centre's forwarding record against its root, the provider's report against
the key the record names, and that the record names exactly this report.

options:
  --root-key KEY        a pinned root verifier key, as \`centre init\` printed it (repeat for k-of-n)
  --root-keys-file F    the pinned root keys, one per line (# comments), instead of --root-key
  --root-threshold N    how many of the pinned keys must sign the first root (default 1)
  --roots FILE          a saved GET /v1/feed/keys body (the root chain); default: FILE's "roots"
  --json                one JSON line per item

exit status: 0 verified, 1 a signature or binding fails, 2 usage or unreadable input,
3 nothing failed but a report was purged (its record verified, CUSTODY_REPORT_PURGED)
`;

/** An inbox page is at most 200 items of two envelopes: a few MiB. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MAX_ROOTS_BYTES = 4 * 1024 * 1024;

class InputError extends Error {}

interface Item {
  readonly label: string;
  readonly reportId: string | undefined;
  readonly decision: string | undefined;
  /** null once retention purged it (the record stays). */
  readonly report: Uint8Array | null;
  readonly record: Uint8Array;
}

/** What the command is built from: tests pass a `trustRoots` that counts the walks of the root chain. */
export interface VerifyReportDeps {
  readonly trustRoots?: (pin: RootPin, roots: readonly Uint8Array[]) => CustodyRoots;
}

export const verifyReportCommand = ({ trustRoots = trustCustodyRoots }: VerifyReportDeps = {}): Command => defineCommand({
  name: 'hashfeed verify-report',
  usage: USAGE,
  positionals: true,
  options: {
    'root-key': { type: 'string', multiple: true },
    'root-keys-file': { type: 'string' },
    'root-threshold': { type: 'string' },
    roots: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    const [file, ...extra] = positionals;
    if (file === undefined || extra.length > 0) throw new UsageError('USAGE', 'name exactly one FILE');
    try {
      const pin = await pinFrom(values['root-key'] ?? [], values['root-keys-file'], values['root-threshold']);
      const document = parseJson(await readCapped(file, MAX_FILE_BYTES), file);
      const roots = decodeRoots(values.roots === undefined ? rootsOf(document) : await readCapped(values.roots, MAX_ROOTS_BYTES));
      return verifyAll(itemsOf(document), () => trustRoots(pin, roots), values.json === true, io);
    } catch (err) {
      if (err instanceof InputError) {
        io.stderr.write(`hashfeed verify-report: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  },
});

export const command = verifyReportCommand();

export const run = (argv: string[], io?: CommandIo): Promise<number> => command.run(argv, io);

function verifyAll(items: readonly Item[], trust: () => CustodyRoots, json: boolean, io: CommandIo): number {
  let failed = 0;
  let purged = 0;
  // Every item of a file is checked under the same pin and roots: the chain is walked once. A chain that fails
  // fails each item with its code, as when each walked its own.
  let trusted: CustodyRoots | CustodyError;
  try {
    trusted = trust();
  } catch (err) {
    if (!(err instanceof CustodyError)) throw err;
    trusted = err;
  }
  for (const item of items) {
    try {
      if (trusted instanceof CustodyError) throw trusted;
      const verified = verifyForwardedItem(trusted, { reportEnvelope: item.report, recordEnvelope: item.record, claimed: { reportId: item.reportId, decision: item.decision } });
      const { record } = verified;
      const line = {
        ok: true,
        reportId: record.reportId,
        decision: record.decision,
        provider: record.provider,
        providerKey: record.providerKey,
        decidedAt: new Date(record.decidedAt).toISOString(),
        recipients: record.recipients.map((r) => r.account),
        forwardingKey: verified.forwardingKey,
        rootVersion: verified.rootVersion,
      };
      io.stdout.write(json ? `${JSON.stringify(line)}\n` : `verified ${line.reportId}: ${line.decision} on ${line.decidedAt} to ${line.recipients.join(', ')}; report signed by ${line.provider} (${line.providerKey}); record signed by ${line.forwardingKey} (root ${line.rootVersion})\n`);
    } catch (err) {
      if (!(err instanceof CustodyError)) throw err;
      if (err.code === 'CUSTODY_REPORT_PURGED') purged++;
      else failed++;
      const line = { ok: false, item: item.label, code: err.code, message: err.message };
      io.stdout.write(json ? `${JSON.stringify(line)}\n` : `${err.code === 'CUSTODY_REPORT_PURGED' ? 'PURGED' : 'FAILED'} ${item.label}: ${err.code}: ${err.message}\n`);
    }
  }
  return failed > 0 ? 1 : purged > 0 ? 3 : 0;
}

async function pinFrom(keys: readonly string[], keysFile: string | undefined, thresholdText: string | undefined): Promise<RootPin> {
  if (keys.length > 0 && keysFile !== undefined) throw new UsageError('USAGE', 'give --root-key or --root-keys-file, not both');
  const texts = keysFile === undefined ? keys : new TextDecoder().decode(await readCapped(keysFile, 64 * 1024)).split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (texts.length === 0) throw new UsageError('USAGE', 'pin the Centre: --root-key KEY (or --root-keys-file FILE)');
  const parsed = texts.map((text) => {
    try {
      return parseVerifierKey(text);
    } catch {
      throw new UsageError('USAGE', 'a root key is not a verifier key (name+keyid+base64, as `centre init` prints it)');
    }
  });
  const threshold = thresholdText === undefined ? 1 : Number(thresholdText);
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > parsed.length) throw new UsageError('USAGE', `--root-threshold must be an integer from 1 to ${parsed.length}`);
  return { keys: parsed, threshold };
}

/** Reads at most `maxBytes`, counting what is read: a pipe (/dev/stdin, a FIFO) or a device reports no size to stat. */
async function readCapped(path: string, maxBytes: number): Promise<Uint8Array> {
  let file: FileHandle | undefined;
  try {
    file = await open(path, 'r');
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, Math.max((await file.stat()).size + 1, 64 * 1024)));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.byteLength, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw new InputError(`${path} is larger than ${maxBytes} bytes`);
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    }
    return new Uint8Array(Buffer.concat(chunks));
  } catch (cause) {
    if (cause instanceof InputError) throw cause;
    throw new InputError(`cannot read ${path}`);
  } finally {
    await file?.close().catch(() => undefined);
  }
}

function parseJson(bytes: Uint8Array, path: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new InputError(`${path} is not JSON`);
  }
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, key) ? Reflect.get(value, key) : undefined;
}

function rootsOf(document: unknown): Uint8Array {
  const roots = field(document, 'roots');
  if (typeof roots !== 'string') throw new UsageError('USAGE', 'give --roots FILE (a saved GET /v1/feed/keys body), or put its base64 in FILE as "roots"');
  return base64(roots, 'roots');
}

function decodeRoots(body: Uint8Array): Uint8Array[] {
  try {
    return decodeRootList(body, MAX_ROOTS_BYTES);
  } catch (cause) {
    if (cause instanceof WireError) throw new InputError('the roots are not a GET /v1/feed/keys body');
    throw cause;
  }
}

function itemsOf(document: unknown): Item[] {
  const page = field(document, 'reports');
  const list = Array.isArray(page) ? page : [document];
  if (list.length === 0) throw new InputError('the page holds no inbox item');
  return list.map((value, i) => {
    const report = field(value, 'report');
    const record = field(value, 'record');
    const reportId = field(value, 'reportId');
    const decision = field(value, 'decision');
    // `report: null` is a purged envelope (retention), not a malformed item: its record is still checked.
    if ((typeof report !== 'string' && report !== null) || typeof record !== 'string') throw new InputError(`item ${i} is not an inbox item (it needs "report" and "record", base64)`);
    return {
      label: typeof reportId === 'string' && /^[0-9a-f-]{36}$/.test(reportId) ? reportId : `item ${i}`,
      reportId: typeof reportId === 'string' ? reportId : undefined,
      decision: typeof decision === 'string' ? decision : undefined,
      report: report === null ? null : base64(report, `item ${i}.report`),
      record: base64(record, `item ${i}.record`),
    };
  });
}

function base64(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new InputError(`${what} is not base64`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}
