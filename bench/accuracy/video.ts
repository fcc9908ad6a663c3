/**
 * The video section of bench:accuracy: synthetic footage (video-fixtures.ts)
 * through each re-upload transform, hashed as the sidecar hashes an upload
 * (vPDQ at one hash a second, each frame also unframed:
 * shared/video/vpdq-views.ts) and matched with the reference's rule against
 * the original's frame list as an indicator holds it (Pc = 80% of its
 * unique frames, Pq = 0); and every pair of distinct videos, originals and
 * copies against the other originals, for false matches.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareFrameLists, type VideoFrame } from '../../shared/video-match/index.ts';
import { openVideo } from '../../shared/video/index.ts';
import { viewLists, vpdqViews, type VpdqViewFrame } from '../../shared/video/vpdq-views.ts';
import { applyVideoCase, makeFootage, VIDEO_CASES, type VideoCase } from './video-fixtures.ts';

export interface VideoAccuracyOptions {
  readonly videos: number;
  readonly seed: number;
  /** Case names to run (default all). */
  readonly cases?: readonly string[];
}

export interface VideoCaseResult {
  readonly transform: string;
  readonly videos: number;
  readonly matched: number;
  /** Mean share of the original's unique frames found in the copy (Pc's side). */
  readonly meanShare: number;
}

export interface VideoAccuracyResult {
  readonly cases: readonly VideoCaseResult[];
  /** Pairs of distinct videos compared (each copy and original against every other original) and how many matched. */
  readonly falseMatches: { readonly pairs: number; readonly matches: number; readonly highestShare: number };
  readonly seconds: number;
}

interface Hashed {
  readonly frames: VideoFrame[];
  readonly unframed: VideoFrame[] | undefined;
}

async function hashViews(path: string): Promise<Hashed> {
  const video = await openVideo({ path });
  const views: Omit<VpdqViewFrame, 'pixels'>[] = [];
  try {
    for await (const { frame, unframed } of vpdqViews(video, 1)) views.push({ frame, unframed });
  } finally {
    await video.close();
  }
  return viewLists(views);
}

/** The query's better view against an indicator's frames: the share of the indicator found, and the verdict. */
function compare(query: Hashed, indicator: readonly VideoFrame[]): { share: number; matches: boolean } {
  const results = [query.frames, ...(query.unframed === undefined ? [] : [query.unframed])].map((frames) => compareFrameLists(frames, indicator));
  const best = results.reduce((a, b) => (b.candidateMatched > a.candidateMatched ? b : a));
  return { share: best.candidateFrames === 0 ? 0 : best.candidateMatched / best.candidateFrames, matches: results.some((r) => r.matches) };
}

export async function runVideoAccuracy(options: VideoAccuracyOptions, log: (line: string) => void = () => {}): Promise<VideoAccuracyResult> {
  const started = Date.now();
  const cases: readonly VideoCase[] = options.cases === undefined ? VIDEO_CASES : VIDEO_CASES.filter((c) => options.cases?.includes(c.name));
  const dir = mkdtempSync(join(tmpdir(), 'hf-bench-video-'));
  try {
    const originals: Hashed[] = [];
    const copies: { caseIndex: number; of: number; hashed: Hashed }[] = [];
    for (let i = 0; i < options.videos; i++) {
      const original = join(dir, `video-${i}.mp4`);
      await makeFootage(original, options.seed, i);
      originals.push(await hashViews(original));
      for (const [caseIndex, videoCase] of cases.entries()) {
        const copy = join(dir, `video-${i}-${caseIndex}.mp4`);
        applyVideoCase(original, copy, videoCase);
        copies.push({ caseIndex, of: i, hashed: await hashViews(copy) });
        rmSync(copy, { force: true });
      }
      rmSync(original, { force: true });
      log(`video ${i + 1}/${options.videos}: ${originals[i]?.frames.length ?? 0} frames, ${cases.length} copies`);
    }
    const results = cases.map((videoCase, caseIndex): VideoCaseResult => {
      const outcomes = copies.filter((c) => c.caseIndex === caseIndex).map((c) => compare(c.hashed, originals[c.of]?.frames ?? []));
      return {
        transform: videoCase.name,
        videos: outcomes.length,
        matched: outcomes.filter((o) => o.matches).length,
        meanShare: outcomes.length === 0 ? 0 : outcomes.reduce((sum, o) => sum + o.share, 0) / outcomes.length,
      };
    });
    let pairs = 0;
    let matches = 0;
    let highestShare = 0;
    const queries = [...originals.map((hashed, of) => ({ of, hashed })), ...copies];
    for (const query of queries) {
      for (const [other, indicator] of originals.entries()) {
        if (other === query.of) continue;
        const outcome = compare(query.hashed, indicator.frames);
        pairs++;
        if (outcome.matches) matches++;
        highestShare = Math.max(highestShare, outcome.share);
      }
    }
    return { cases: results, falseMatches: { pairs, matches, highestShare }, seconds: Math.round((Date.now() - started) / 100) / 10 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The section of report.md. */
export function videoReport(result: VideoAccuracyResult, options: VideoAccuracyOptions): string {
  const rows = result.cases.map((c) => `| ${c.transform} | ${c.matched}/${c.videos} | ${(100 * c.meanShare).toFixed(0)}% |`);
  return [
    '## Video (vPDQ)',
    '',
    `${options.videos} synthetic videos (8 s, 640x480, 10 fps: four synthetic pictures panned, seed ${options.seed}), hashed at one frame a second as the sidecar hashes an upload (each frame also unframed), matched under the reference's rule (Pc = 80% of the indicator's unique frames, Pq = 0, frames within 31 bits).`,
    '',
    '| transform | matched | mean share of the indicator found |',
    '|---|---|---|',
    ...rows,
    '',
    `False matches: ${result.falseMatches.matches} of ${result.falseMatches.pairs} pairs of distinct videos (each original and copy against every other original); the highest share of another video's frames found: ${(100 * result.falseMatches.highestShare).toFixed(0)}%.`,
    '',
  ].join('\n');
}
