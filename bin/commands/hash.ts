/**
 * `hashfeed hash <files or folders...>`: hashes images, one line per image
 * and algorithm.
 *
 *   text:  <algorithm> <hex> <quality or -> <path>
 *          with --dihedral, 7 more PDQ lines: pdq/rotate90 ... pdq/flipMinus1
 *          with --unframe and a frame found, one more: <algorithm>/unframed <hex> <quality or -> <path>
 *          (with --dihedral, its 7 variants as <algorithm>/unframed/rotate90 ...)
 *   json:  {"path","algorithm","hash","quality"[,"dihedral":[8 hex]][,"partial":true]
 *           [,"unframed":{"hash","quality","box":[x,y,w,h]}][,"unframedDihedral":[8 hex]]}
 *          or {"path","error":{"code","message"}} for a file that fails
 *
 * With --algo vpdq the files are videos: see hash-video.ts for its output
 * (md5 and sha256 may be asked for with it; the image algorithms may not).
 *
 * A failing file does not stop the others; the exit status is 1 at the end
 * if any failed (2 for a usage error). Folders are walked recursively for
 * image files (by extension); files named explicitly are always tried.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { CodedError } from '../../shared/errors.ts';
import {
  DECODE_MODES,
  DEFAULT_MAX_PIXELS,
  DIHEDRAL_NAMES,
  getAlgorithm,
  hashImage,
  HashFormatError,
  isVideoAlgorithmName,
  vpdqVideo,
} from '../../shared/hashing/index.ts';
import type { AlgorithmName, DecodeMode, HashedImage } from '../../shared/hashing/index.ts';
import { defineCommand, UsageError, type CommandIo, type OptionValues } from '../command.ts';
import { hashVideoFile, printVideo, VIDEO_EXTENSIONS } from './hash-video.ts';
import type { HashedVideo } from './hash-video.ts';

const USAGE = `usage: hashfeed hash [options] <files or folders...>

options:
  --algo <names>       comma-separated: pdq, phash64, dhash64, md5, sha256 (default pdq);
                       or vpdq for videos (with md5, sha256 if wanted): needs ffmpeg
  --seconds-per-hash <s>  vpdq: seconds between hashed frames, 0 for every frame (default ${vpdqVideo.defaultSecondsPerHash})
  --decode exact|fast  exact: full resolution; fast: JPEG/WebP reduced while decoding (default fast)
  --dihedral           also print PDQ's 8 rotations and flips (from one DCT)
  --unframe            also hash the picture inside a frame, letterbox, pillarbox or caption band, when one is found
  --json               one JSON object per line
  --max-pixels <n>     refuse images whose header claims more pixels (default ${DEFAULT_MAX_PIXELS})
  --tolerant           decode truncated images as far as they go, as the sidecar's scans do (marked partial)
  --jobs <n>           files in flight at once (default: CPU count, at most 4)
`;

/** Files larger than this are refused without reading them. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** Videos larger than this are refused without decoding them. */
const MAX_VIDEO_BYTES = 1024 * 1024 * 1024;

const IMAGE_EXTENSIONS = /\.(jpe?g|jfif|png|webp|gif|avif|heif|tiff?)$/i;

interface Options {
  readonly paths: readonly string[];
  readonly algorithms: readonly AlgorithmName[];
  /** --algo vpdq: the files are videos. */
  readonly video: boolean;
  readonly secondsPerHash: number;
  readonly mode: DecodeMode;
  readonly dihedral: boolean;
  readonly unframe: boolean;
  readonly tolerant: boolean;
  readonly json: boolean;
  readonly maxPixels: number;
  readonly jobs: number;
}

/** A failure that is the file's, not the program's: printed, counted, and the run goes on. */
interface FileError {
  readonly code: string;
  readonly message: string;
}

type Outcome =
  | { readonly path: string; readonly hashed: HashedImage }
  | { readonly path: string; readonly hashedVideo: HashedVideo }
  | { readonly path: string; readonly error: FileError };

const OPTIONS = {
  algo: { type: 'string' },
  'seconds-per-hash': { type: 'string' },
  decode: { type: 'string' },
  dihedral: { type: 'boolean' },
  unframe: { type: 'boolean' },
  tolerant: { type: 'boolean' },
  json: { type: 'boolean' },
  'max-pixels': { type: 'string' },
  jobs: { type: 'string' },
} as const;

const command = defineCommand({
  name: 'hashfeed hash',
  usage: USAGE,
  positionals: true,
  options: OPTIONS,
  run: (values, positionals, io) => hashAll(parseOptions(values, positionals), io),
});

export const run = (argv: string[], io?: CommandIo): Promise<number> => command.run(argv, io);

async function hashAll(options: Options, io: CommandIo): Promise<number> {
  const files = await collectFiles(options.paths, options.video ? VIDEO_EXTENSIONS : IMAGE_EXTENSIONS);
  const progress = io.stderr.isTTY === true ? (done: number) => io.stderr.write(`\r\x1b[K[${done}/${files.length}] hashing`) : () => {};
  let failures = 0;
  let done = 0;
  await forEachInOrder(
    files,
    options.jobs,
    (entry) => hashOne(entry, options),
    (outcome) => {
      done++;
      if ('error' in outcome) failures++;
      if (io.stderr.isTTY === true) io.stderr.write('\r\x1b[K');
      if ('hashedVideo' in outcome) printHashedVideo(outcome.path, outcome.hashedVideo, options, files.length > 1, io);
      else print(outcome, options, io);
      progress(done);
    },
  );
  if (io.stderr.isTTY === true) io.stderr.write('\r\x1b[K');
  return failures === 0 ? 0 : 1;
}

function parseOptions(values: OptionValues<typeof OPTIONS>, positionals: readonly string[]): Options {
  if (positionals.length === 0) throw new UsageError('USAGE', 'no files or folders given');
  const names = (values.algo ?? 'pdq').split(',').map((name) => name.trim());
  const video = names.some((name) => isVideoAlgorithmName(name));
  const algorithms = names.filter((name) => !isVideoAlgorithmName(name)).map((name) => algorithmName(name));
  if (video && algorithms.some((a) => a !== 'md5' && a !== 'sha256')) {
    throw new UsageError('USAGE', 'vpdq hashes videos and pdq, phash64, dhash64 hash images: run them separately (md5 and sha256 go with either)');
  }
  if (values['seconds-per-hash'] !== undefined && !video) throw new UsageError('USAGE', '--seconds-per-hash goes with --algo vpdq');
  const mode = values.decode ?? 'fast';
  if (!isDecodeMode(mode)) throw new UsageError('USAGE', `--decode must be exact or fast, not '${mode}'`);
  return {
    paths: positionals,
    algorithms: [...new Set(algorithms)],
    video,
    secondsPerHash: nonNegativeNumber(values['seconds-per-hash'], '--seconds-per-hash', vpdqVideo.defaultSecondsPerHash),
    mode,
    dihedral: values.dihedral === true,
    unframe: values.unframe === true,
    tolerant: values.tolerant === true,
    json: values.json === true,
    maxPixels: positiveInteger(values['max-pixels'], '--max-pixels', DEFAULT_MAX_PIXELS),
    jobs: positiveInteger(values.jobs, '--jobs', Math.min(4, availableParallelism())),
  };
}

function algorithmName(name: string): AlgorithmName {
  try {
    return getAlgorithm(name).name;
  } catch (error) {
    if (error instanceof HashFormatError) throw new UsageError('USAGE', error.message, { cause: error });
    throw error;
  }
}

function isDecodeMode(value: string): value is DecodeMode {
  return DECODE_MODES.some((m) => m === value);
}

function positiveInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError('USAGE', `${name} must be a positive integer, not '${value}'`);
  return n;
}

function nonNegativeNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 3600) throw new UsageError('USAGE', `${name} must be a number of seconds from 0 to 3600, not '${value}'`);
  return n;
}

type Entry = { readonly path: string } | { readonly path: string; readonly error: FileError };

/** Expands folders (sorted, recursively, files whose names match `extensions` only); a path that cannot be read becomes an error entry. */
async function collectFiles(paths: readonly string[], extensions: RegExp): Promise<Entry[]> {
  const out: Entry[] = [];
  for (const path of paths) {
    try {
      if ((await stat(path)).isDirectory()) out.push(...(await walk(path, extensions)));
      else out.push({ path });
    } catch (cause) {
      out.push({ path, error: fileError(cause) });
    }
  }
  return out;
}

async function walk(folder: string, extensions: RegExp): Promise<Entry[]> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: Entry[] = [];
  for (const entry of entries) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path, extensions)));
    else if (entry.isFile() && extensions.test(entry.name)) out.push({ path });
  }
  return out;
}

async function hashOne(entry: Entry, options: Options): Promise<Outcome> {
  if ('error' in entry) return entry;
  try {
    if (options.video) {
      const exact = options.algorithms.filter((a) => a === 'md5' || a === 'sha256');
      return { path: entry.path, hashedVideo: await hashVideoFile(entry.path, options.secondsPerHash, exact, MAX_VIDEO_BYTES) };
    }
    const { size } = await stat(entry.path);
    if (size > MAX_FILE_BYTES) {
      return { path: entry.path, error: { code: 'IMAGE_TOO_LARGE', message: `the file is ${size} bytes, over the limit of ${MAX_FILE_BYTES}` } };
    }
    const bytes = await readFile(entry.path);
    const hashed = await hashImage(bytes, {
      algorithms: options.algorithms,
      mode: options.mode,
      dihedral: options.dihedral,
      unframe: options.unframe,
      maxPixels: options.maxPixels,
      tolerant: options.tolerant,
    });
    return { path: entry.path, hashed };
  } catch (cause) {
    if (cause instanceof CodedError) return { path: entry.path, error: { code: cause.code, message: cause.message } };
    if (isSystemError(cause)) return { path: entry.path, error: fileError(cause) };
    throw cause;
  }
}

function printHashedVideo(path: string, hashed: HashedVideo, options: Options, several: boolean, io: CommandIo): void {
  printVideo(path, hashed.video, options.json, several, io);
  for (const { algorithm, hash } of hashed.exact) {
    const hex = getAlgorithm(algorithm).format(hash);
    if (options.json) io.stdout.write(`${JSON.stringify({ path, algorithm, hash: hex, quality: null })}\n`);
    else printText(algorithm, hex, undefined, undefined, path, io);
  }
}

function print(outcome: Exclude<Outcome, { readonly hashedVideo: HashedVideo }>, options: Options, io: CommandIo): void {
  if ('error' in outcome) {
    if (options.json) io.stdout.write(`${JSON.stringify({ path: outcome.path, error: outcome.error })}\n`);
    else io.stderr.write(`hashfeed hash: ${outcome.path}: ${outcome.error.code}: ${outcome.error.message}\n`);
    return;
  }
  const partial = outcome.hashed.image?.partial === true;
  if (partial && !options.json) io.stderr.write(`hashfeed hash: ${outcome.path}: partial: truncated or broken data, decoded as far as it goes\n`);
  const { unframed } = outcome.hashed;
  for (const result of outcome.hashed.results) {
    const algorithm = getAlgorithm(result.algorithm);
    const hash = algorithm.format(result.hash);
    const dihedral = options.dihedral && result.dihedrals !== undefined ? result.dihedrals.map((h) => algorithm.format(h)) : undefined;
    const inside = unframed?.results.find((r) => r.algorithm === result.algorithm);
    const insideDihedral = options.dihedral && inside?.dihedrals !== undefined ? inside.dihedrals.map((h) => algorithm.format(h)) : undefined;
    if (options.json) {
      const line = {
        path: outcome.path,
        algorithm: result.algorithm,
        hash,
        quality: result.quality ?? null,
        ...(dihedral === undefined ? {} : { dihedral }),
        ...(partial ? { partial } : {}),
        ...(inside === undefined || unframed === undefined ? {} : { unframed: { hash: algorithm.format(inside.hash), quality: inside.quality ?? null, box: [...unframed.box] } }),
        ...(insideDihedral === undefined ? {} : { unframedDihedral: insideDihedral }),
      };
      io.stdout.write(`${JSON.stringify(line)}\n`);
      continue;
    }
    printText(result.algorithm, hash, result.quality, dihedral, outcome.path, io);
    if (inside !== undefined) printText(`${result.algorithm}/unframed`, algorithm.format(inside.hash), inside.quality, insideDihedral, outcome.path, io);
  }
}

/** `<name> <hex> <quality or -> <path>`, then the 7 further dihedral variants as `<name>/rotate90` ... */
function printText(name: string, hash: string, quality: number | undefined, dihedral: readonly string[] | undefined, path: string, io: CommandIo): void {
  const shown = quality === undefined ? '-' : String(quality);
  io.stdout.write(`${name} ${hash} ${shown} ${path}\n`);
  dihedral?.slice(1).forEach((h, k) => io.stdout.write(`${name}/${DIHEDRAL_NAMES[k + 1] ?? k + 1} ${h} ${shown} ${path}\n`));
}

/**
 * Runs `work` on up to `concurrency` items at once (decoding runs on libuv's
 * threads while JavaScript hashes the previous image) and hands the
 * outcomes to `emit` in input order.
 */
async function forEachInOrder<T, R extends object>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<R>,
  emit: (result: R) => void,
): Promise<void> {
  const pending = new Map<number, R>();
  let next = 0;
  let emitted = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const item = items[index];
      if (item === undefined) continue;
      pending.set(index, await work(item));
      for (let ready = pending.get(emitted); ready !== undefined; ready = pending.get(emitted)) {
        pending.delete(emitted);
        emitted++;
        emit(ready);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

function fileError(cause: unknown): FileError {
  return { code: 'FILE_UNREADABLE', message: cause instanceof Error ? cause.message : String(cause) };
}

function isSystemError(value: unknown): value is Error & { code?: string } {
  return value instanceof Error && 'code' in value && typeof value.code === 'string' && !(value instanceof CodedError);
}
