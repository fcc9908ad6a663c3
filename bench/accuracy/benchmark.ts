/**
 * One accuracy run from options to files: originals, contenders, the engine,
 * then accuracy.json, report.md and the PNG figures in the output folder.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContenders } from './contenders.ts';
import type { AccuracyOptions } from './options.ts';
import { allPlots } from './plots.ts';
import { renderReport } from './report.ts';
import { runAccuracy } from './run.ts';
import { folderSource, syntheticSource } from './sources.ts';
import type { AccuracyResult } from './types.ts';

export interface BenchmarkOutput {
  readonly result: AccuracyResult;
  readonly files: readonly string[];
}

const FIGURE = /^(roc|tpr|hist)-.*\.png$/;

export async function runBenchmark(options: AccuracyOptions, command: string, progress?: (line: string) => void): Promise<BenchmarkOutput> {
  const source =
    options.images !== undefined
      ? folderSource(options.images, options.count)
      : syntheticSource({ seed: options.seed, count: options.count, minSide: options.minSide, maxSide: options.maxSide,
          ...(options.families === undefined ? {} : { families: options.families }),
          ...(options.sizes === undefined ? {} : { sizes: options.sizes }),
        });
  const contenders = await createContenders({ mode: options.decode, ...(options.algorithms === undefined ? {} : { names: options.algorithms }) });
  const result = await runAccuracy({
    source,
    transformed: options.transformed,
    cases: options.cases,
    contenders,
    seed: options.seed,
    jobs: options.jobs,
    options: {
      count: options.count,
      transformed: options.transformed,
      minSide: options.minSide,
      maxSide: options.maxSide,
      decode: options.decode,
      jobs: options.jobs,
      quick: options.quick,
      ...(options.images === undefined ? {} : { images: options.images }),
    },
    ...(progress === undefined ? {} : { progress }),
  });
  const plots = await allPlots(result);

  mkdirSync(options.out, { recursive: true });
  // Results are regenerated, not committed.
  writeFileSync(join(options.out, '.gitignore'), '*\n');
  for (const old of readdirSync(options.out)) if (FIGURE.test(old)) rmSync(join(options.out, old));
  const files: string[] = [];
  const write = (name: string, data: string | Buffer): void => {
    writeFileSync(join(options.out, name), data);
    files.push(join(options.out, name));
  };
  write('accuracy.json', `${JSON.stringify(result, null, 1)}\n`);
  for (const p of plots) write(p.file, p.png);
  write('report.md', renderReport(result, plots, command));
  return { result, files };
}
