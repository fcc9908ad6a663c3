/**
 * `npm run bench:accuracy`: how well matching survives re-uploads and how
 * often distinct pictures collide, for every matcher in the registry and an
 * outside baseline, on the synthetic corpus or a folder (`--images DIR`).
 * Writes bench/results/accuracy/{report.md, accuracy.json, *.png}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegInstalled } from '../shared/video/testing/synthetic-video.ts';
import { runVideoAccuracy, videoReport } from './accuracy/video.ts';
import { repoRoot } from '../shared/testing/vectors.ts';
import { runBenchmark } from './accuracy/benchmark.ts';
import { parseOptions, USAGE } from './accuracy/options.ts';
import { CodedError } from '../shared/errors.ts';
import { printTable } from './harness.ts';

async function main(argv: readonly string[]): Promise<number> {
  const options = parseOptions(argv, join(repoRoot, 'bench', 'results', 'accuracy'));
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = `npm run bench:accuracy${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
  process.stdout.write(`${options.count} originals, ${options.transformed} re-uploaded through ${options.cases.length} cases, ${options.jobs} at a time\n`);
  const { result, files } = await runBenchmark(options, command, (line) => process.stdout.write(`  ${line}\n`));
  printTable(
    result.matchers.map((m) => {
      const fp = result.falsePositives[m.name];
      return { matcher: m.name, threshold: m.threshold, pairs: fp?.pairs ?? 0, 'false positives': fp?.falsePositives ?? 0, 'closest pair': fp?.closest[0]?.distance ?? -1 };
    }),
  );
  process.stdout.write(`\n${result.meta.seconds} s; wrote ${files.length} files to ${options.out}\n`);
  if (options.videos > 0 && !ffmpegInstalled()) process.stdout.write('\nvideo section skipped: ffmpeg is not installed (apt-get install ffmpeg)\n');
  else if (options.videos > 0) {
    const videoOptions = { videos: options.videos, seed: options.seed };
    process.stdout.write(`\nvideo: ${options.videos} synthetic videos through every video transform\n`);
    const video = await runVideoAccuracy(videoOptions, (line) => process.stdout.write(`  ${line}\n`));
    printTable(video.cases.map((c) => ({ transform: c.transform, matched: `${c.matched}/${c.videos}`, 'mean share': `${(100 * c.meanShare).toFixed(0)}%` })));
    process.stdout.write(`false matches: ${video.falseMatches.matches} of ${video.falseMatches.pairs} pairs of distinct videos\n`);
    mkdirSync(options.out, { recursive: true });
    writeFileSync(join(options.out, 'video.md'), videoReport(video, videoOptions));
    writeFileSync(join(options.out, 'video.json'), `${JSON.stringify(video, null, 2)}\n`);
    process.stdout.write(`${video.seconds} s; wrote video.md and video.json to ${options.out}\n`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // Coded errors (a bad flag, an unknown transform or matcher) are the caller's to fix: show the usage.
    process.stderr.write(err instanceof CodedError ? `bench:accuracy: ${err.code}: ${err.message}\n\n${USAGE}` : `bench:accuracy: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = err instanceof CodedError ? 2 : 1;
  },
);
