#!/usr/bin/env node
/**
 * The one CLI entry. The only module allowed to import both server/ and
 * client/; each command lives in bin/commands/ and is loaded on demand so that
 * `hashfeed hash` never pays for the Centre's dependencies.
 */
import { CodedError } from '../shared/errors.ts';

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  hash: { summary: 'hash images: hashfeed hash <files or folders...> [--algo ..] [--decode exact|fast] [--dihedral] [--unframe] [--variants crops] [--json]', load: () => import('./commands/hash.ts') },
  centre: { summary: 'run the EU Centre service: hashfeed centre init|serve|token create|keys list|rotate|revoke|root propose|root publish|publish|witnesses add|list|purge|export|report|provider-key', load: () => import('./commands/centre.ts') },
  keys: { summary: 'for root key holders, offline: hashfeed keys sign --root-key FILE --in DRAFT | generate --name NAME --out FILE', load: () => import('./commands/keys.ts') },
  sidecar: { summary: 'run the provider sidecar: hashfeed sidecar --config FILE [--once]', load: () => import('./commands/sidecar.ts') },
  'verify-report': { summary: 'check offline an inbox item: hashfeed verify-report FILE --root-key KEY [--roots FILE]', load: () => import('./commands/verify-report.ts') },
  audit: { summary: "replay the Centre's whole history as an auditor: hashfeed audit --centre URL --token T --state DIR [--pin ROOTKEY]", load: () => import('./commands/audit.ts') },
  witness: { summary: 'run a transparency-log witness: hashfeed witness init --data DIR --name NAME | serve --data DIR --log ORIGIN=VKEY', load: () => import('./commands/witness.ts') },
  demo: { summary: 'run the end-to-end demonstration (npm start)', load: () => import('./commands/demo.ts') },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: hashfeed <command> [args]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`hashfeed: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof CodedError) process.stderr.write(`hashfeed: ${err.code}: ${err.message}\n`);
    else process.stderr.write(`hashfeed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
