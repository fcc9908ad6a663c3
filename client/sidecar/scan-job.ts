/**
 * The messages between the sidecar and its scan worker threads
 * (scan-workers.ts): a job (bytes and view options), and its answer (the
 * views' hashes, or why hashing failed). Both sides are this program, but a
 * message is still checked before use, as any structured clone is.
 */
import type { HashResult } from '../../shared/hashing/hash-image.ts';
import type { ImageViews, ImageViewsOptions, ViewHashes } from '../../shared/hashing/image-views.ts';
import { isImageInputCode } from '../../shared/hashing/image-input.ts';
import { isAlgorithmName } from '../../shared/hashing/registry.ts';

export interface ScanJob {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly options: ImageViewsOptions;
}

export type ScanAnswer = { readonly id: number; readonly views: ImageViews } | { readonly id: number; readonly failure: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function parseScanJob(message: unknown): ScanJob | undefined {
  if (!isRecord(message) || typeof message.id !== 'number' || !(message.bytes instanceof Uint8Array) || !isRecord(message.options)) return undefined;
  const { algorithms, exact, dihedral, unframe, maxPixels, maxFrames } = message.options;
  const options: ImageViewsOptions = {
    ...(Array.isArray(algorithms) ? { algorithms: algorithms.filter((a) => a === 'pdq' || a === 'phash64' || a === 'dhash64') } : {}),
    ...(Array.isArray(exact) ? { exact: exact.filter((a) => a === 'md5' || a === 'sha256') } : {}),
    ...(typeof dihedral === 'boolean' ? { dihedral } : {}),
    ...(typeof unframe === 'boolean' ? { unframe } : {}),
    ...(typeof maxPixels === 'number' ? { maxPixels } : {}),
    ...(typeof maxFrames === 'number' ? { maxFrames } : {}),
  };
  return { id: message.id, bytes: message.bytes, options };
}

/** The answer's id and views, or its failure; undefined for anything else. */
export function parseScanAnswer(message: unknown): ScanAnswer | undefined {
  if (!isRecord(message) || typeof message.id !== 'number') return undefined;
  if (typeof message.failure === 'string') return { id: message.id, failure: message.failure };
  const views = parseViews(message.views);
  return views === undefined ? undefined : { id: message.id, views };
}

function parseViews(value: unknown): ImageViews | undefined {
  if (!isRecord(value) || typeof value.partial !== 'boolean' || !isRecord(value.frames)) return undefined;
  const { hashed, total } = value.frames;
  const exact = parseResults(value.exact);
  if (typeof hashed !== 'number' || typeof total !== 'number' || exact === undefined || !Array.isArray(value.views)) return undefined;
  const views: ViewHashes[] = [];
  for (const v of value.views) {
    const results = isRecord(v) ? parseResults(v.results) : undefined;
    if (!isRecord(v) || typeof v.view !== 'string' || results === undefined) return undefined;
    views.push({ view: v.view, results });
  }
  const parsed = { exact, views, partial: value.partial, frames: { hashed, total } };
  const skipped = value.skipped;
  if (skipped === undefined) return parsed;
  if (!isRecord(skipped) || !isImageInputCode(skipped.code) || typeof skipped.message !== 'string') return undefined;
  return { ...parsed, skipped: { code: skipped.code, message: skipped.message } };
}

function parseResults(value: unknown): HashResult[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const results: HashResult[] = [];
  for (const r of value) {
    if (!isRecord(r) || !isAlgorithmName(r.algorithm) || !(r.hash instanceof Uint8Array)) return undefined;
    const dihedrals = Array.isArray(r.dihedrals) && r.dihedrals.every((d) => d instanceof Uint8Array) ? r.dihedrals.filter((d) => d instanceof Uint8Array) : undefined;
    results.push({ algorithm: r.algorithm, hash: r.hash, ...(typeof r.quality === 'number' ? { quality: r.quality } : {}), ...(dihedrals === undefined ? {} : { dihedrals }) });
  }
  return results;
}
