import { HashFormatError } from '../../shared/hashing/algorithm.ts';
import { getAlgorithm } from '../../shared/hashing/registry.ts';
import type { Submission } from '../store/indicators.ts';
import { IngestError, type RowCode, type RowProblem } from './errors.ts';
import { quote } from '../../shared/quote.ts';
import { WireError } from '../../shared/wire/errors.ts';
import { parsePreview } from '../../shared/wire/report.ts';
import { parseFrameList, parseVideoValue, VideoMatchError, videoIndicatorValue, type VideoMatchCode } from '../../shared/video-match/index.ts';
import { createHash } from 'node:crypto';

export const SUBMISSION_FIELDS = ['algorithm', 'hash', 'category', 'reference'] as const;
/**
 * Optional in a JSON or NDJSON row (a CSV row keeps the four fields): the
 * indicator's own blurhash preview, which reviewers set beside a report's
 * (docs/SAFEGUARDS.md, "Preview"), validated exactly as a report's is.
 */
const OPTIONAL_FIELDS = ['preview', 'variants'] as const;
/**
 * A video indicator (algorithm `vpdq`) in a JSON or NDJSON row may give
 * `frames` instead of `hash`: the output of `hashfeed hash --algo vpdq
 * --json` or its `frames` array (docs/API.md, "Video indicators").
 */
const VIDEO_FIELD = 'frames';
const VIDEO_ROW_CODES: Record<VideoMatchCode, RowCode> = {
  VIDEO_BAD_FRAMES: 'ROW_BAD_FRAMES',
  VIDEO_TOO_MANY_FRAMES: 'ROW_TOO_MANY_FRAMES',
  VIDEO_NO_USABLE_FRAMES: 'ROW_NO_USABLE_FRAMES',
  VIDEO_BAD_OPTIONS: 'ROW_BAD_FRAMES',
};
/**
 * A record's linked variant hashes (`hashfeed hash --variants crops` prints
 * 29): more would only add chances of a false match (docs/HASHING.md, "Crops").
 */
export const MAX_VARIANTS = 32;
const REFERENCE_PATTERN = /^[\x20-\x7e]{1,128}$/;
/**
 * Refuse the batch once this many rows are bad, without reading on: one is
 * enough to refuse it, and an upload of nothing but bad lines would
 * otherwise be parsed to its end (256 MiB of them took half an hour).
 */
export const MAX_REPORTED_PROBLEMS = 100;

export interface RowRules {
  readonly categories: readonly string[];
  readonly maxRows: number;
}

class RowError extends Error {
  readonly code: RowCode;
  constructor(code: RowCode, message: string) {
    super(message);
    this.code = code;
  }
}

/**
 * Validates rows into submissions. Collects every problem (up to a cap, where
 * it refuses the batch at once) with its line number, so an authority can
 * fix a file in one round; one bad row refuses the whole batch.
 */
export class SubmissionCollector {
  readonly #rules: RowRules;
  readonly #rows: Submission[] = [];
  readonly #problems: RowProblem[] = [];
  readonly #seen = new Set<string>();
  #count = 0;

  constructor(rules: RowRules) {
    this.#rules = rules;
  }

  /** Adds one decoded row (an object from JSON/NDJSON, or the CSV fields mapped to names). */
  add(line: number, value: unknown): void {
    this.#countRow();
    try {
      const row = this.#validate(value);
      // A frame list is up to 128 KiB: its digest stands for it.
      const keyOf = (hash: Uint8Array) => `${row.algorithm}:${hash.byteLength > 64 ? createHash('sha256').update(hash).digest('hex') : Buffer.from(hash).toString('hex')}`;
      const keys = [row.hash, ...(row.variants ?? [])].map(keyOf);
      if (keys.some((key) => this.#seen.has(key))) throw new RowError('ROW_DUPLICATE', 'the same hash appears earlier in this batch');
      if (new Set(keys).size !== keys.length) throw new RowError('ROW_BAD_VARIANTS', 'a variant repeats the row\'s hash or another variant');
      for (const key of keys) this.#seen.add(key);
      this.#rows.push(row);
    } catch (err) {
      if (!(err instanceof RowError)) throw err;
      this.#problem({ line, code: err.code, message: err.message });
    }
  }

  /** A row that could not even be decoded (bad JSON on a line, bad CSV quoting): it counts toward maxRows too. */
  malformed(line: number, message: string): void {
    this.#countRow();
    this.#problem({ line, code: 'ROW_MALFORMED', message });
  }

  finish(): Submission[] {
    if (this.#problems.length > 0) throw this.#refusal();
    if (this.#rows.length === 0) throw new IngestError('INGEST_EMPTY', 'the submission holds no rows');
    return this.#rows;
  }

  #countRow(): void {
    this.#count++;
    if (this.#count > this.#rules.maxRows) {
      throw new IngestError('INGEST_TOO_MANY_ROWS', `a batch holds at most ${this.#rules.maxRows} rows`);
    }
  }

  /** Records a bad row; at the cap the batch is refused at once (the caller stops reading). */
  #problem(problem: RowProblem): void {
    this.#problems.push(problem);
    if (this.#problems.length >= MAX_REPORTED_PROBLEMS) throw this.#refusal();
  }

  #refusal(): IngestError {
    const first = this.#problems[0];
    return new IngestError(
      'INGEST_INVALID_ROWS',
      `the batch was refused: ${this.#problems.length}${this.#problems.length >= MAX_REPORTED_PROBLEMS ? '+' : ''} invalid rows (first at line ${first?.line}: ${first?.message})`,
      this.#problems,
    );
  }

  #validate(value: unknown): Submission {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RowError('ROW_MALFORMED', 'a row must be an object');
    const video = Reflect.get(value, 'algorithm') === 'vpdq';
    for (const key of Object.keys(value)) {
      const allowed = (SUBMISSION_FIELDS as readonly string[]).includes(key) || (OPTIONAL_FIELDS as readonly string[]).includes(key) || (video && key === VIDEO_FIELD);
      if (!allowed) throw new RowError('ROW_UNKNOWN_FIELD', `unknown field ${quote(key)}`);
    }
    const field = (name: (typeof SUBMISSION_FIELDS)[number]): string => {
      const v: unknown = Object.hasOwn(value, name) ? Reflect.get(value, name) : undefined;
      if (v === undefined || v === '') throw new RowError('ROW_MISSING_FIELD', `field '${name}' is missing`);
      if (typeof v !== 'string') throw new RowError('ROW_MALFORMED', `field '${name}' must be a string`);
      return v;
    };
    const algorithmName = field('algorithm');
    let hash: Uint8Array;
    try {
      hash = video ? videoValue(value, field) : getAlgorithm(algorithmName).parse(field('hash'));
    } catch (err) {
      if (err instanceof VideoMatchError) throw new RowError(VIDEO_ROW_CODES[err.code], err.message);
      if (err instanceof HashFormatError) {
        throw new RowError(err.code === 'HASH_UNKNOWN_ALGORITHM' ? 'ROW_UNKNOWN_ALGORITHM' : 'ROW_BAD_HASH', err.message);
      }
      throw err;
    }
    const category = field('category');
    if (!this.#rules.categories.includes(category)) {
      throw new RowError('ROW_UNKNOWN_CATEGORY', `category ${quote(category)} is not in the scheme (${this.#rules.categories.join(', ')})`);
    }
    const reference = field('reference');
    if (!REFERENCE_PATTERN.test(reference)) throw new RowError('ROW_BAD_REFERENCE', 'reference must be 1 to 128 printable ASCII characters');
    const rawPreview: unknown = Object.hasOwn(value, 'preview') ? Reflect.get(value, 'preview') : undefined;
    let preview: string | null = null;
    if (rawPreview !== undefined && rawPreview !== null) {
      try {
        preview = parsePreview(rawPreview, 'preview');
      } catch (err) {
        if (err instanceof WireError) throw new RowError('ROW_BAD_PREVIEW', err.message);
        throw err;
      }
    }
    const variants = parseVariants(algorithmName, Object.hasOwn(value, 'variants') ? Reflect.get(value, 'variants') : undefined);
    return { algorithm: algorithmName, hash, category, reference, preview, ...(variants === undefined ? {} : { variants }) };
  }
}

/**
 * A video row's value (docs/API.md, "Video indicators"): from `frames` (a
 * frame list with qualities: frames under 50 dropped, repeats kept once) or
 * from `hash` (frame hashes in hex joined by ':', the form CSV carries and
 * the API shows; every frame listed counts as usable), then capped.
 */
function videoValue(row: object, field: (name: 'hash') => string): Uint8Array {
  const frames: unknown = Object.hasOwn(row, VIDEO_FIELD) ? Reflect.get(row, VIDEO_FIELD) : undefined;
  const hash: unknown = Object.hasOwn(row, 'hash') ? Reflect.get(row, 'hash') : undefined;
  if (frames !== undefined && hash !== undefined && hash !== '') throw new RowError('ROW_BAD_FRAMES', "a video row gives 'frames' or 'hash', not both");
  return frames === undefined ? parseVideoValue(field('hash')) : videoIndicatorValue(parseFrameList(frames));
}

/**
 * `variants`: hashes of the same material under fixed edits (crops), of the
 * row's algorithm, which must be perceptual (an exact hash has no near copy).
 */
function parseVariants(algorithmName: string, raw: unknown): Uint8Array[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new RowError('ROW_BAD_VARIANTS', 'variants must be an array of hashes');
  const algorithm = getAlgorithm(algorithmName);
  if (algorithm.kind !== 'perceptual' || algorithm.name === 'vpdq') throw new RowError('ROW_BAD_VARIANTS', `variants are for perceptual hashes, not ${algorithm.name}`);
  if (raw.length > MAX_VARIANTS) throw new RowError('ROW_BAD_VARIANTS', `a row links at most ${MAX_VARIANTS} variants`);
  return raw.map((item: unknown, k) => {
    try {
      return algorithm.parse(item);
    } catch (err) {
      if (err instanceof HashFormatError) throw new RowError('ROW_BAD_VARIANTS', `variant ${k + 1}: ${err.message}`);
      throw err;
    }
  });
}
