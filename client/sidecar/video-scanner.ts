import { createHash } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { VPDQ_QUALITY_FLOOR, type VideoFrame, type VideoMatch } from '../../shared/video-match/index.ts';
import { openVideo, VideoError, type OpenedVideo } from '../../shared/video/index.ts';
import { viewLists, vpdqViews, type VpdqViewFrame } from '../../shared/video/vpdq-views.ts';
import { spoolToFile } from '../../shared/video/spool.ts';
import type { Matcher } from '../match/matcher.ts';
import { computePreviewOfPixels } from '../report/index.ts';
import type { DecodeBudget } from './decode-budget.ts';
import type { MatchItem, ScanResult } from './scanner.ts';

export interface VideoScanSettings {
  readonly maxBytes: number;
  readonly maxSeconds: number;
  /** vPDQ's secondsPerHash (0: every frame). */
  readonly secondsPerHash: number;
  /** Wall clock of one scan: spooling, probing, decoding and hashing. */
  readonly timeoutMs: number;
  readonly ffmpegPath?: string | undefined;
  readonly ffprobePath?: string | undefined;
  /** Where bodies are spooled (0600 files in a 0700 folder, removed after); default the system's. */
  readonly tempDir?: string | undefined;
}

export interface VideoScannerDeps {
  readonly matcher: () => Matcher;
  readonly category: (indicatorId: number) => string | undefined;
  /** One unit per video hashed at once (videoScanConcurrency), with its bounded queue. */
  readonly slots: DecodeBudget;
  /** Seconds of video hashed, as they are (the progress of a long scan in /metrics). */
  readonly onSecondsHashed?: (seconds: number) => void;
  /** Each ffmpeg/ffprobe child started (tests check that none outlives its scan). */
  readonly onChild?: (child: { readonly pid: number; readonly tool: string }) => void;
}

/**
 * Refusals of the video itself, answered as errors: too large, too long, a
 * bomb, no decoder, out of time. Data ffmpeg cannot read as video (corrupt,
 * audio only, absurd dimensions) is instead matched on its exact hashes
 * only, with `perceptualSkipped`, as an image that does not decode is.
 */
const SKIPPED_CODES: ReadonlySet<string> = new Set(['VIDEO_UNREADABLE', 'VIDEO_NO_VIDEO_STREAM', 'VIDEO_BAD_DIMENSIONS']);

/**
 * Video scans (docs/SIDECAR.md, "Video scans"), without policy: the route
 * has decided the scan is allowed and sniffed the body as video. The body
 * is streamed to a private spool file (never held whole in memory) while
 * its MD5 and SHA-256 are computed, then decoded by ffmpeg child processes
 * and hashed with vPDQ; the frame list is matched against the video
 * indicators, the file's digests against the exact ones. At most
 * `slots.capacity` videos are hashed at once; a scan that cannot get a
 * slot in time is refused OVERLOADED (503). The spool file is removed and
 * every child ended however the scan ends, the client's disconnect
 * (`signal`) included. Nothing of the video is kept but a blurhash of
 * each hashed frame until the answer, for the report's preview.
 */
export class VideoScanner {
  readonly #settings: VideoScanSettings;
  readonly #deps: VideoScannerDeps;

  constructor(settings: VideoScanSettings, deps: VideoScannerDeps) {
    this.#settings = settings;
    this.#deps = deps;
  }

  async scan(body: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<ScanResult> {
    const release = await this.#deps.slots.acquire(1, signal);
    try {
      return await this.#scan(body, signal);
    } finally {
      release();
    }
  }

  async #scan(body: AsyncIterable<Uint8Array>, signal: AbortSignal | undefined): Promise<ScanResult> {
    const { maxBytes, maxSeconds, secondsPerHash, timeoutMs } = this.#settings;
    const deadline = Date.now() + timeoutMs;
    const md5 = createHash('md5');
    const sha256 = createHash('sha256');
    const spooled = await spoolToFile(digesting(body, [md5, sha256]), { maxBytes, tempDir: this.#settings.tempDir, signal, deadline });
    try {
      const matcher = this.#deps.matcher();
      const exact = this.#exactMatches([
        { algorithm: 'md5', hash: md5.digest() },
        { algorithm: 'sha256', hash: sha256.digest() },
      ]);
      let video: OpenedVideo;
      try {
        video = await openVideo(
          { path: spooled.path },
          {
            ffmpegPath: this.#settings.ffmpegPath,
            ffprobePath: this.#settings.ffprobePath,
            limits: { maxInputBytes: maxBytes, maxDurationSec: maxSeconds, timeoutMs: Math.max(1, deadline - Date.now()) },
            signal,
            onChild: this.#deps.onChild,
          },
        );
      } catch (err) {
        if (!(err instanceof VideoError && SKIPPED_CODES.has(err.code))) throw err;
        return { matches: exact, quality: null, lowQuality: false, partial: false, perceptualSkipped: { code: err.code, message: err.message } };
      }
      // Previews only when a video indicator could match: each costs a resize of the frame.
      const wantPreviews = matcher.holds('vpdq');
      const { frames, unframed, previews } = await this.#hashFrames(video, secondsPerHash, wantPreviews);
      const videoMatches = bestPerIndicator(matcher.matchVideo(frames), unframed === undefined ? [] : matcher.matchVideo(unframed)).map(({ match: m, view }): MatchItem => ({
        indicatorId: m.indicatorId,
        algorithm: 'vpdq',
        // A report's distance, for vpdq: percentage points of the indicator's frames not found (docs/PROTOCOL.md, "Reports").
        distance: 100 - Math.floor(m.candidateShare * 100),
        category: this.#deps.category(m.indicatorId) ?? 'UNKNOWN',
        variant: 'original',
        view,
        matchedShare: m.candidateShare,
        queryShare: m.queryShare,
        timestamps: m.timestamps,
      }));
      const qualities = frames.map((f) => f.quality);
      const quality = qualities.length > 0 ? Math.max(...qualities) : null;
      const first = videoMatches[0]?.timestamps?.[0];
      return {
        matches: [...videoMatches, ...exact],
        quality,
        lowQuality: quality !== null && quality < VPDQ_QUALITY_FLOOR,
        partial: false,
        video: { durationSec: video.info.durationSec ?? ((frames.at(-1)?.frame ?? 0) + 1) / video.info.fps, framesHashed: frames.length, secondsPerHash },
        ...(first === undefined ? {} : { reportPreview: previews.get(first) ?? null }),
      };
    } finally {
      await spooled.remove();
    }
  }

  /**
   * vPDQ of every frameMod-th frame, as decoded and unframed (shared/video/vpdq-views.ts),
   * with a blurhash of each usable frame when asked.
   */
  async #hashFrames(video: OpenedVideo, secondsPerHash: number, wantPreviews: boolean): Promise<{ frames: VideoFrame[]; unframed: VideoFrame[] | undefined; previews: Map<number, string> }> {
    const views: Omit<VpdqViewFrame, 'pixels'>[] = [];
    const previews = new Map<number, string>();
    let hashedUpTo = 0;
    try {
      for await (const { frame, unframed, pixels } of vpdqViews(video, secondsPerHash)) {
        views.push({ frame, unframed });
        // Before the next frame is asked for: the decoder reuses the buffer.
        if (wantPreviews && frame.quality >= VPDQ_QUALITY_FLOOR) previews.set(frame.timestamp, await computePreviewOfPixels(pixels));
        const upTo = (frame.frame + 1) / video.info.fps;
        this.#deps.onSecondsHashed?.(Math.max(0, upTo - hashedUpTo));
        hashedUpTo = upTo;
        // PDQ of a frame is JavaScript work: other requests get a turn between frames.
        await nextTurn();
      }
    } finally {
      await video.close();
    }
    return { ...viewLists(views), previews };
  }

  #exactMatches(digests: readonly { algorithm: 'md5' | 'sha256'; hash: Uint8Array }[]): MatchItem[] {
    const matcher = this.#deps.matcher();
    return matcher
      .match(digests.filter((d) => matcher.holds(d.algorithm)))
      .map((m) => ({ ...m, view: 'file', category: this.#deps.category(m.indicatorId) ?? 'UNKNOWN' }));
  }
}

/** Each indicator once, from the view whose frames found more of it (the frames as they are on a tie). */
function bestPerIndicator(original: readonly VideoMatch[], unframed: readonly VideoMatch[]): { match: VideoMatch; view: 'video' | 'video/unframed' }[] {
  const best = new Map<number, { match: VideoMatch; view: 'video' | 'video/unframed' }>();
  for (const match of original) best.set(match.indicatorId, { match, view: 'video' });
  for (const match of unframed) {
    const known = best.get(match.indicatorId);
    if (known === undefined || match.candidateShare > known.match.candidateShare) best.set(match.indicatorId, { match, view: 'video/unframed' });
  }
  return [...best.values()];
}

/** The body's chunks, each also fed to the digests: the file's exact hashes without reading it twice. */
async function* digesting(body: AsyncIterable<Uint8Array>, digests: readonly { update(data: Uint8Array): unknown }[]): AsyncGenerator<Uint8Array> {
  for await (const chunk of body) {
    for (const digest of digests) digest.update(chunk);
    yield chunk;
  }
}
