/**
 * How each CLI command reads its arguments. Every command and subcommand
 * declares its own options and parses them strictly, so an option that
 * belongs to another command (`centre publish --port 1`) is a usage error,
 * exit status 2, instead of being silently accepted; `--help` prints that
 * command's own usage.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CodedError } from '../shared/errors.ts';

/** A command line that does not fit the command: printed with its usage, exit status 2. */
export class UsageError extends CodedError<'USAGE'> {}

/** Where a command writes; tests pass their own. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
}

export interface Command {
  /** As typed, for messages: `hashfeed centre publish`. */
  readonly name: string;
  /** Printed for `--help` and after a usage error. */
  readonly usage: string;
  run(argv: string[], io?: CommandIo): Promise<number>;
}

/** Long option name to its type, default and short form. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

type Parsed<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ options: O & typeof HELP; strict: true; allowPositionals: true }>>;

/** The parsed values of a command with options `O`. */
export type OptionValues<O extends OptionsConfig> = Parsed<O>['values'];

export interface CommandSpec<O extends OptionsConfig> {
  readonly name: string;
  readonly usage: string;
  /** This command's options; `--help`/`-h` is added to every command. */
  readonly options: O;
  /** Whether bare arguments (file names) are accepted; refused by default. */
  readonly positionals?: boolean;
  /** Runs the command; throw UsageError for a value the options cannot express (a bad port). */
  run(values: OptionValues<O>, positionals: readonly string[], io: CommandIo): Promise<number> | number;
}

export function defineCommand<const O extends OptionsConfig>(spec: CommandSpec<O>): Command {
  const refuse = (io: CommandIo, message: string): number => {
    io.stderr.write(`${spec.name}: ${message}\n\n${spec.usage}`);
    return 2;
  };
  return {
    name: spec.name,
    usage: spec.usage,
    async run(argv, io = process) {
      let parsed: Parsed<O>;
      try {
        parsed = parseArgs({ args: argv, options: { ...spec.options, ...HELP }, strict: true, allowPositionals: true });
      } catch (cause) {
        if (isParseArgsError(cause)) return refuse(io, cause.message);
        throw cause;
      }
      // `'help' in`: the values' type is still generic here.
      if ('help' in parsed.values && parsed.values.help === true) {
        io.stdout.write(spec.usage);
        return 0;
      }
      if (spec.positionals !== true && parsed.positionals.length > 0) return refuse(io, `unexpected argument '${bounded(parsed.positionals[0] ?? '')}'`);
      try {
        return await spec.run(parsed.values, parsed.positionals, io);
      } catch (error) {
        if (error instanceof UsageError) return refuse(io, error.message);
        throw error;
      }
    },
  };
}

/** Echoes at most a short prefix of what was typed. */
export function bounded(text: string): string {
  return text.length <= 64 ? text : `${text.slice(0, 64)}...`;
}

function isParseArgsError(value: unknown): value is Error {
  return value instanceof TypeError && 'code' in value && typeof value.code === 'string' && value.code.startsWith('ERR_PARSE_ARGS_');
}
