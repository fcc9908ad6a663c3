/**
 * `hashfeed witness init|serve`: a C2SP tlog-witness (server/witness/),
 * run by someone other than the Centre's operator (docs/OPERATIONS.md,
 * "Running a witness").
 */
import { resolve } from 'node:path';
import { initWitness, parseLogs, serveWitness } from '../../server/witness/index.ts';
import { bounded, defineCommand, UsageError, type Command, type CommandIo } from '../command.ts';
import { untilStopSignal } from '../stop-signal.ts';

const INIT = defineCommand({
  name: 'hashfeed witness init',
  usage: 'usage: hashfeed witness init --data DIR --name NAME\n\nGenerate the witness key (cosignature/v1, mode 0600) in DIR and print its verifier key.\n',
  options: { data: { type: 'string' }, name: { type: 'string' } },
  run: (values, _positionals, io) => {
    if (values.data === undefined) throw new UsageError('USAGE', '--data is required');
    if (values.name === undefined) throw new UsageError('USAGE', '--name is required');
    const verifier = initWitness(resolve(values.data), values.name);
    io.stdout.write(`${JSON.stringify({ verifierKey: verifier.text, note: 'Give the verifier key to the Centre (hashfeed centre witnesses add) and to the sidecars that require this witness.' }, null, 2)}\n`);
    return 0;
  },
});

const SERVE = defineCommand({
  name: 'hashfeed witness serve',
  usage: 'usage: hashfeed witness serve --data DIR --log ORIGIN=VKEY [--log ...] [--port P] [--host H]\n\nServe POST /add-checkpoint (c2sp.org/tlog-witness) for the logs named (default 127.0.0.1:8720).\n',
  options: { data: { type: 'string' }, log: { type: 'string', multiple: true }, port: { type: 'string', default: '8720' }, host: { type: 'string', default: '127.0.0.1' } },
  run: async (values, _positionals, io) => {
    if (values.data === undefined) throw new UsageError('USAGE', '--data is required');
    if (values.log === undefined || values.log.length === 0) throw new UsageError('USAGE', 'at least one --log ORIGIN=VKEY is required');
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('USAGE', '--port must be a port number');
    const running = await serveWitness({ dataDir: resolve(values.data), port, host: values.host, logs: parseLogs(values.log) });
    const stopped = untilStopSignal(() => running.close());
    io.stdout.write(`${JSON.stringify({ url: running.url, verifierKey: running.witness.verifierKey.text })}\n`);
    await stopped;
    return 0;
  },
});

const SUBCOMMANDS: Readonly<Record<string, Command>> = { init: INIT, serve: SERVE };

const OVERVIEW = 'usage: hashfeed witness init --data DIR --name NAME\n       hashfeed witness serve --data DIR --log ORIGIN=VKEY [--log ...] [--port P] [--host H]\n';

export async function run(argv: string[], io: CommandIo = process): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    io.stdout.write(OVERVIEW);
    return first === undefined ? 2 : 0;
  }
  const command = SUBCOMMANDS[first];
  if (command === undefined) {
    io.stderr.write(`hashfeed witness: unknown command '${bounded(first)}'\n\n${OVERVIEW}`);
    return 2;
  }
  return command.run(rest, io);
}
