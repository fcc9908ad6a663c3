/**
 * The shape of a `hashfeed centre` subcommand: its own options plus
 * --data, parsed strictly (bin/command.ts), and the helpers they share.
 */
import { resolve } from 'node:path';
import { openCentre, type Centre } from '../../server/centre.ts';
import { defineCommand, type Command, type CommandIo, type OptionsConfig, type OptionValues } from '../command.ts';

export const DATA_NOTE = '--data defaults to ./data/centre.\n';
export const DATA = { data: { type: 'string', default: './data/centre' } } as const;

export interface Subcommand {
  /** The words that name it: `publish`, `token create`. */
  readonly name: string;
  /** Its options as the overview shows them. */
  readonly synopsis: string;
  readonly summary: string;
  readonly command: Command;
}

export interface CentreContext<V> {
  readonly values: V;
  /** The resolved --data folder. */
  readonly dataDir: string;
  readonly now: number;
  readonly io: CommandIo;
}

/** A subcommand taking `options` and --data; `run` gets the parsed values, the data folder and the time. */
export function subcommand<const O extends OptionsConfig>(spec: {
  readonly name: string;
  readonly synopsis: string;
  readonly summary: string;
  readonly options: O;
  run(context: CentreContext<OptionValues<O & typeof DATA>>): Promise<number> | number;
}): Subcommand {
  const command = defineCommand({
    name: `hashfeed centre ${spec.name}`,
    usage: `usage: hashfeed centre ${spec.name} ${spec.synopsis ? `${spec.synopsis} ` : ''}[--data DIR]\n\n${spec.summary}\n\n${DATA_NOTE}`,
    options: { ...spec.options, ...DATA },
    run: (values, _positionals, io) => {
      // `'data' in`: the values' type is still generic here.
      const data = 'data' in values && typeof values.data === 'string' ? values.data : DATA.data.default;
      return spec.run({ values, dataDir: resolve(data), now: Date.now(), io });
    },
  });
  return { name: spec.name, synopsis: spec.synopsis, summary: spec.summary, command };
}

export const print = (io: CommandIo, value: unknown): void => {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
};

/** Opens the Centre in `dataDir`, runs `work`, and closes it whatever happens; exit status 0. */
export function withCentre(dataDir: string, now: number, work: (centre: Centre) => void): number {
  const centre = openCentre(dataDir, now);
  try {
    work(centre);
  } finally {
    centre.close();
  }
  return 0;
}

