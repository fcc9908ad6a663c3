/**
 * `hashfeed audit`: an authorised auditor's replay of the Centre's whole
 * published history (docs/AUDIT.md, "Running an audit"). Prints a Markdown
 * report, writes audit.json; exit 0 clean, 1 violations, 2 no audit.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditFailure, formatAuditReport, runAudit } from '../../client/audit/index.ts';
import { defineCommand, UsageError, type CommandIo } from '../command.ts';

const USAGE = `usage: hashfeed audit --centre URL --token T --state DIR [--pin ROOTKEY ...] [--threshold K] [--witness VKEY ...] [--mirror URL] [--out DIR]

Replays every published version from 1 with an auditor's token: the root
chain from the pin, every delta verified, decrypted and applied with the state
digest recomputed after each, every version's leaf in the log, the log against
the tree head the previous audit saved in --state, witness cosignatures, and
every order's commitment and report's order. Prints a Markdown report and
writes audit.json.

options:
  --centre URL      the Centre (the auditor's reads, the log, the epoch keys)
  --token T         an auditor token (or HASHFEED_AUDITOR_TOKEN)
  --state DIR       where the pin and the last audited tree head are kept
  --pin ROOTKEY     a pinned root verifier key (required on the first audit; repeat for k-of-n)
  --threshold K     how many pinned keys must sign the first root (default 1)
  --witness VKEY    a witness verifier key whose cosignature the report looks for (repeat)
  --mirror URL      read the feed objects from a static export instead of the Centre
  --out DIR         where audit.json goes (default: --state)
  --json            print audit.json instead of the Markdown report

exit status: 0 clean, 1 violations found, 2 the audit could not be done (usage, network, pin, token)
`;

const command = defineCommand({
  name: 'hashfeed audit',
  usage: USAGE,
  options: {
    centre: { type: 'string' },
    token: { type: 'string' },
    state: { type: 'string' },
    pin: { type: 'string', multiple: true },
    threshold: { type: 'string' },
    witness: { type: 'string', multiple: true },
    mirror: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, _positionals, io: CommandIo) {
    const centre = values.centre;
    const token = values.token ?? process.env.HASHFEED_AUDITOR_TOKEN;
    const stateDir = values.state;
    if (centre === undefined || token === undefined || stateDir === undefined) throw new UsageError('USAGE', '--centre, --token and --state are required');
    let threshold: number | undefined;
    if (values.threshold !== undefined) {
      threshold = Number(values.threshold);
      if (!/^[1-9][0-9]{0,2}$/.test(values.threshold)) throw new UsageError('USAGE', '--threshold must be a positive integer');
    }
    try {
      const result = await runAudit({ centre, mirror: values.mirror, token, stateDir, pin: values.pin, threshold, witnesses: values.witness, now: Date.now() });
      const outDir = values.out ?? stateDir;
      mkdirSync(outDir, { recursive: true });
      const json = `${JSON.stringify(result, null, 2)}\n`;
      const temporary = join(outDir, `audit.json.${process.pid}.tmp`);
      writeFileSync(temporary, json);
      renameSync(temporary, join(outDir, 'audit.json'));
      io.stdout.write(values.json === true ? json : formatAuditReport(result));
      return result.clean ? 0 : 1;
    } catch (err) {
      if (err instanceof AuditFailure) {
        io.stderr.write(`hashfeed audit: ${err.code}: ${err.message}\n`);
        return 2;
      }
      throw err;
    }
  },
});

export const run = (argv: string[], io?: CommandIo): Promise<number> => command.run(argv, io);
