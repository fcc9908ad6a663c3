/**
 * `hashfeed centre <subcommand>`: runs and administers the EU Centre. Each
 * subcommand is one entry of SUBCOMMANDS with its own options (plus --data),
 * parsed strictly; the overview lists the entries.
 */
import { resolve } from 'node:path';
import { openCentre, readCentreConfig, writeCentreConfig } from '../../server/centre.ts';
import { exportFeed } from '../../server/export.ts';
import { annualReport, isReportFormat, REPORT_FORMATS, writeAnnualReport } from '../../server/statistics/index.ts';
import { initCentre } from '../../server/init.ts';
import { ACCESS_EVENTS } from '../../server/access/access-log.ts';
import { ReportRetention } from '../../server/review/retention.ts';
import { serveCentre } from '../../server/main.ts';
import { ConfigError, MAX_WITNESSES, witness } from '../../server/config.ts';
import { ProviderKeyReview } from '../../server/keys/provider-key-review.ts';
import { isRole, ROLES } from '../../server/store/accounts.ts';
import { DEFAULT_SIGN_IN_CODE_MINUTES, MAX_SIGN_IN_CODE_MINUTES } from '../../server/store/sign-in-codes.ts';
import { CONSOLE_ROLES } from '../../server/console/index.ts';
import { isMemberState, memberStateProblem } from '../../server/store/member-states.ts';
import { isProviderKeyStatus, PROVIDER_KEY_STATUSES } from '../../server/store/provider-keys.ts';
import { bounded, UsageError, type CommandIo } from '../command.ts';
import { DATA_NOTE, print, subcommand, withCentre, type Subcommand } from './centre-subcommand.ts';
import { KEY_SUBCOMMANDS } from './centre-keys.ts';
import { untilStopSignal } from '../stop-signal.ts';

/** Every subcommand, in the order the overview lists them; adding one is adding an entry. */
const SUBCOMMANDS: readonly Subcommand[] = [
  subcommand({
    name: 'init',
    synopsis: '[--feed NAME] [--min-confirmations K] [--root-keys N --root-threshold K]',
    summary: 'create the database and keys (N root keys, K of which sign each new root; default 1 of 1); prints the first admin token and every root key',
    options: { feed: { type: 'string' }, 'min-confirmations': { type: 'string' }, 'root-keys': { type: 'string' }, 'root-threshold': { type: 'string' } },
    run: ({ values, dataDir, now, io }) => {
      const overrides = {
        ...(values.feed !== undefined ? { feed: values.feed } : {}),
        ...(values['min-confirmations'] !== undefined ? { minConfirmations: Number(values['min-confirmations']) } : {}),
      };
      const keyCount = values['root-keys'] === undefined ? 1 : Number(values['root-keys']);
      const threshold = values['root-threshold'] === undefined ? Math.min(keyCount, 1) : Number(values['root-threshold']);
      if (!Number.isInteger(keyCount) || keyCount < 1 || keyCount > 8) throw new UsageError('USAGE', '--root-keys must be from 1 to 8');
      if (!Number.isInteger(threshold) || threshold < 1 || threshold > keyCount) throw new UsageError('USAGE', `--root-threshold must be from 1 to ${keyCount}`);
      const result = initCentre(dataDir, now, overrides, { keyCount, threshold });
      print(io, {
        ...result,
        rootKeys: result.rootVerifierKeys.map((verifierKey, i) => ({ verifierKey, file: result.rootKeyFiles[i] })),
        note:
          `The admin token is shown once. Sidecars pin the root keys (rootKeys, rootThreshold ${result.rootThreshold}). ` +
          'Move each root key file offline, to a different holder: the running Centre never needs them (docs/OPERATIONS.md, "Keys").',
      });
      return 0;
    },
  }),
  subcommand({
    name: 'serve',
    synopsis: '[--port P] [--host H]',
    summary: 'serve the API (default 127.0.0.1:8700)',
    options: { port: { type: 'string', default: '8700' }, host: { type: 'string', default: '127.0.0.1' } },
    run: async ({ values, dataDir, io }) => {
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('USAGE', '--port must be a port number');
      const running = await serveCentre({ dataDir, port, host: values.host });
      // Drains requests in flight until the config's shutdownDeadlineSeconds, then closes the database.
      const stopped = untilStopSignal(() => running.close());
      io.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
      await stopped;
      return 0;
    },
  }),
  subcommand({
    name: 'token create',
    synopsis: '--role R --name NAME [--member-state XX] [--label L]',
    summary: 'create a token (and the account NAME if new); prints it once; an authority needs --member-state',
    options: { role: { type: 'string' }, name: { type: 'string' }, label: { type: 'string' }, 'member-state': { type: 'string' } },
    run: ({ values, dataDir, now, io }) => {
      const { role, name } = values;
      if (!isRole(role)) throw new UsageError('USAGE', `--role must be ${ROLES.join(', ')}`);
      if (name === undefined) throw new UsageError('USAGE', '--name is required');
      const requested = values['member-state'];
      const problem = memberStateProblem(role, requested);
      if (problem !== undefined) throw new UsageError('USAGE', `--member-state: ${problem}`);
      const memberState = isMemberState(requested) ? requested : null;
      return withCentre(dataDir, now, (centre) => {
        const issued = centre.write(() => {
          const before = centre.accounts.byName(name);
          const { account, created } = centre.accounts.ensure(name, role, now, memberState);
          const token = centre.accounts.issueToken(account.id, values.label ?? null, now);
          centre.audit.record(now, 'cli', created ? 'account.create' : 'token.create', name, { role, tokenId: token.tokenId, ...(memberState === null ? {} : { memberState }) });
          // An authority from before Member States existed gets its code once, audited.
          if (before !== undefined && before.memberState === null && account.memberState !== null) {
            centre.audit.record(now, 'cli', 'account.member-state', name, { memberState: account.memberState });
          }
          return { account: account.name, role: account.role, memberState: account.memberState, accountCreated: created, ...token };
        });
        print(io, issued);
      });
    },
  }),
  subcommand({
    name: 'console-code',
    synopsis: `--account NAME [--minutes M]`,
    summary: `a one-time code that signs NAME in to the console once, within M minutes (default ${DEFAULT_SIGN_IN_CODE_MINUTES}, at most ${MAX_SIGN_IN_CODE_MINUTES}); shown once (docs/CONSOLE.md)`,
    options: { account: { type: 'string' }, minutes: { type: 'string', default: String(DEFAULT_SIGN_IN_CODE_MINUTES) } },
    run: ({ values, dataDir, now, io }) => {
      if (values.account === undefined) throw new UsageError('USAGE', '--account is required');
      const minutes = Number(values.minutes);
      if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_SIGN_IN_CODE_MINUTES) throw new UsageError('USAGE', `--minutes must be from 1 to ${MAX_SIGN_IN_CODE_MINUTES}`);
      const name = values.account;
      return withCentre(dataDir, now, (centre) => {
        const account = centre.accounts.byName(name);
        if (account === undefined || account.disabledAt !== null) throw new UsageError('USAGE', `no enabled account ${bounded(name)}`);
        if (!CONSOLE_ROLES.includes(account.role)) throw new UsageError('USAGE', `a ${account.role} account cannot sign in to the console`);
        const issued = centre.write(() => {
          const code = centre.signInCodes.issue(account.id, now, minutes);
          centre.audit.record(now, 'cli', 'console.code', account.name, { expiresAt: code.expiresAt });
          return code;
        });
        print(io, { account: account.name, role: account.role, code: issued.code, expiresAt: new Date(issued.expiresAt).toISOString() });
      });
    },
  }),
  ...KEY_SUBCOMMANDS,
  subcommand({
    name: 'publish',
    synopsis: '',
    summary: 'publish version N+1 from everything approved',
    options: {},
    run: ({ dataDir, now, io }) => {
      return withCentre(dataDir, now, (centre) => print(io, centre.publisher.publish('cli', now)));
    },
  }),
  subcommand({
    name: 'witnesses add',
    synopsis: '--url URL --vkey VKEY',
    summary: "add a witness (its submission URL and cosignature verifier key) to centre.json; a running Centre starts asking it at its next start",
    options: { url: { type: 'string' }, vkey: { type: 'string' } },
    run: ({ values, dataDir, io }) => {
      if (values.url === undefined || values.vkey === undefined) throw new UsageError('USAGE', '--url and --vkey are required');
      let entry: ReturnType<typeof witness>;
      try {
        entry = witness({ url: values.url, vkey: values.vkey }, '--url/--vkey');
      } catch (err) {
        if (err instanceof ConfigError) throw new UsageError('USAGE', err.message);
        throw err;
      }
      const config = readCentreConfig(dataDir);
      const existing = config.witnesses.find((w) => w.vkey === entry.vkey);
      if (existing !== undefined && existing.url === entry.url) {
        print(io, { added: false, witnesses: config.witnesses });
        return 0;
      }
      if (existing === undefined && config.witnesses.length >= MAX_WITNESSES) throw new UsageError('USAGE', `at most ${MAX_WITNESSES} witnesses`);
      // The same key at a new URL moves the witness; its cosignatures stay.
      const witnesses = [...config.witnesses.filter((w) => w.vkey !== entry.vkey), entry];
      writeCentreConfig(dataDir, { ...config, witnesses });
      print(io, { added: true, witnesses });
      return 0;
    },
  }),
  subcommand({
    name: 'witnesses list',
    synopsis: '',
    summary: 'the configured witnesses, each with the largest size it cosigned and when',
    options: {},
    run: ({ dataDir, now, io }) => {
      return withCentre(dataDir, now, (centre) =>
        print(io, centre.cosignatures.status().map((w) => ({ ...w, cosignedAt: w.cosignedAt === null ? null : new Date(w.cosignedAt).toISOString() }))),
      );
    },
  }),
  subcommand({
    name: 'purge',
    synopsis: '',
    summary: 'purge reports past reportRetentionMonths after their decision (holds respected); prints the counts',
    options: {},
    run: ({ dataDir, now, io }) => {
      return withCentre(dataDir, now, (centre) => print(io, new ReportRetention(centre).purge('cli', now)));
    },
  }),
  subcommand({
    name: 'export',
    synopsis: '--out DIR',
    summary: 'write the signed feed as static files for mirrors',
    options: { out: { type: 'string' } },
    run: ({ values, dataDir, now, io }) => {
      if (values.out === undefined) throw new UsageError('USAGE', '--out is required');
      const out = resolve(values.out);
      return withCentre(dataDir, now, (centre) => print(io, exportFeed(centre, out, now)));
    },
  }),
  subcommand({
    name: 'report',
    synopsis: `--year YYYY [--format ${REPORT_FORMATS.join('|')}] [--out DIR]`,
    summary: 'write the annual public statistics (docs/API.md, "GET /v1/transparency") and PNG charts to DIR (default .)',
    options: { year: { type: 'string' }, format: { type: 'string', default: 'md' }, out: { type: 'string', default: '.' } },
    run: async ({ values, dataDir, now, io }) => {
      const year = Number(values.year);
      if (values.year === undefined || !/^\d{4}$/.test(values.year) || year < 2000) throw new UsageError('USAGE', '--year must be a year from 2000, four digits');
      if (!isReportFormat(values.format)) throw new UsageError('USAGE', `--format must be ${REPORT_FORMATS.join(', ')}`);
      const format = values.format;
      const centre = openCentre(dataDir, now);
      try {
        print(io, { files: await writeAnnualReport(annualReport(centre.db, centre.config.feed, year, now), format, resolve(values.out)) });
      } finally {
        centre.close();
      }
      return 0;
    },
  }),
  subcommand({
    name: 'access-log',
    synopsis: `[--provider NAME] [--event ${ACCESS_EVENTS.join('|')}] [--since ISO] [--limit N] [--json]`,
    summary: 'the access log of the sealed feed: every grant, end, wrap and access list fetch, with its basis (docs/SAFEGUARDS.md, "Access to the indicators")',
    options: { provider: { type: 'string' }, event: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string', default: '1000' }, json: { type: 'boolean', default: false } },
    run: ({ values, dataDir, now, io }) => {
      const event = ACCESS_EVENTS.find((e) => e === values.event);
      if (values.event !== undefined && event === undefined) throw new UsageError('USAGE', `--event must be ${ACCESS_EVENTS.join(', ')}`);
      const since = values.since === undefined ? 0 : Date.parse(values.since);
      if (!Number.isFinite(since)) throw new UsageError('USAGE', '--since must be an ISO date');
      const limit = Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError('USAGE', '--limit must be from 1 to 100000');
      return withCentre(dataDir, now, (centre) => {
        const entries = centre.accessLog.page({ provider: values.provider, event, since, afterId: 0, limit });
        if (values.json) return print(io, { entries });
        for (const e of entries) {
          const detail = [e.basis === null ? '' : `basis=${e.basis}`, e.reason === null ? '' : `reason=${e.reason}`, e.epoch === null ? '' : `epoch=${e.epoch}`, e.recipient === null ? '' : `key=${e.recipient}`, e.epochs === null ? '' : `epochs=${e.epochs.join(',')}`];
          io.stdout.write(`${new Date(e.at).toISOString()}  ${e.provider}  ${e.event}  ${detail.filter((d) => d !== '').join(' ')}\n`);
        }
      });
    },
  }),
  subcommand({
    name: 'provider-key list',
    synopsis: `[--status ${PROVIDER_KEY_STATUSES.join('|')}] [--provider NAME]`,
    summary: 'the report keys providers registered (docs/SAFEGUARDS.md, "Report keys")',
    options: { status: { type: 'string' }, provider: { type: 'string' } },
    run: ({ values, dataDir, now, io }) => {
      const { status, provider } = values;
      if (status !== undefined && !isProviderKeyStatus(status)) throw new UsageError('USAGE', `--status must be ${PROVIDER_KEY_STATUSES.join(', ')}`);
      return withCentre(dataDir, now, (centre) => {
        print(io, { keys: new ProviderKeyReview(centre).list({ ...(status === undefined ? {} : { status }), ...(provider === undefined ? {} : { provider }) }) });
      });
    },
  }),
  ...(['approve', 'revoke'] as const).map((decision) =>
    subcommand({
      name: `provider-key ${decision}`,
      synopsis: '--provider NAME --key KEY',
      summary:
        decision === 'approve'
          ? "trust KEY (key ID or full verifier key) for NAME's reports, once NAME confirmed it out of band"
          : 'stop trusting KEY (key ID or full verifier key) for good',
      options: { provider: { type: 'string' }, key: { type: 'string' } },
      run: ({ values, dataDir, now, io }) => {
        const { provider, key } = values;
        if (provider === undefined || key === undefined) throw new UsageError('USAGE', `${decision} needs --provider and --key`);
        return withCentre(dataDir, now, (centre) => {
          print(io, new ProviderKeyReview(centre).decide(decision, { provider, key }, 'cli', now));
        });
      },
    }),
  ),
];

function overview(): string {
  const nameWidth = Math.max(...SUBCOMMANDS.map(({ name }) => name.length)) + 1;
  const headWidth = Math.max(...SUBCOMMANDS.map(({ synopsis }) => synopsis.length)) + nameWidth;
  const lines = SUBCOMMANDS.map(({ name, synopsis, summary }) => `  ${(name.padEnd(nameWidth) + synopsis).padEnd(headWidth)}  ${summary}`);
  return `usage: hashfeed centre <command> [--data DIR]\n\n${lines.join('\n')}\n\n${DATA_NOTE}`;
}

/** The entry whose name is the longest run of leading words of `argv` (`token create` before `token`). */
function find(argv: readonly string[]): { subcommand: Subcommand; words: number } | undefined {
  let found: { subcommand: Subcommand; words: number } | undefined;
  for (const entry of SUBCOMMANDS) {
    const words = entry.name.split(' ');
    if (words.every((word, i) => argv[i] === word) && words.length > (found?.words ?? 0)) found = { subcommand: entry, words: words.length };
  }
  return found;
}

export async function run(argv: string[], io: CommandIo = process): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    io.stdout.write(overview());
    return first === undefined ? 2 : 0;
  }
  const found = find(argv);
  if (found === undefined) {
    const isGroup = SUBCOMMANDS.some(({ name }) => name.startsWith(`${first} `));
    const typed = isGroup ? `${first} ${second ?? ''}` : first;
    io.stderr.write(`hashfeed centre: unknown command '${bounded(typed)}'\n\n${overview()}`);
    return 2;
  }
  return found.subcommand.command.run(argv.slice(found.words), io);
}
