import type { SigningKey } from '../../shared/crypto/index.ts';
import type { DetectionOrder } from '../../shared/wire/order.ts';
import { buildReport, signReport, type MatchFacts } from './build.ts';
import { ReportingError } from './errors.ts';
import { computePreview } from './preview.ts';
import type { ReportQueue } from './queue.ts';

export interface MatchReport {
  /** The order the scan was allowed under (ScanDecision.order). */
  readonly order: DetectionOrder;
  readonly surfaceId: string;
  /** The subject reference as the policy accepted it. */
  readonly subject: string;
  readonly match: MatchFacts;
  /** The scanned content, used for the preview thumbnail only: never stored, sent or logged. */
  readonly content: Uint8Array;
  /** The frame of animated content that matched (0-based), shown in the preview; default the first. */
  readonly frame?: number;
  /** A preview made already (a video scan's: of a matching frame's pixels, the video itself never kept); then `content` is not decoded. */
  readonly preview?: string | null;
  readonly replicaVersion: number;
  readonly stale: boolean;
  readonly detectedAt: number;
}

export interface ReporterOptions {
  /** The provider account name (reports must carry the caller's own name). */
  readonly provider: string;
  readonly key: SigningKey;
  readonly queue: ReportQueue;
  /** Called after a report is queued, e.g. the deliverer's wake(). */
  readonly onQueued?: () => void;
}

/**
 * What the sidecar does on a match, in one call: preview, build, sign,
 * queue durably, wake the deliverer. Returns once the report is committed
 * to the replica database, so a crash afterwards loses nothing.
 */
export class Reporter {
  readonly #options: ReporterOptions;

  constructor(options: ReporterOptions) {
    this.#options = options;
  }

  async report(match: MatchReport): Promise<{ reportId: string }> {
    const report = buildReport({
      provider: this.#options.provider,
      orderId: match.order.orderId,
      match: match.match,
      surface: match.surfaceId,
      subject: match.subject,
      detectedAt: match.detectedAt,
      preview: match.preview !== undefined ? match.preview : await previewOrNull(match.content, match.frame ?? 0),
      replicaVersion: match.replicaVersion,
      stale: match.stale,
    });
    this.#options.queue.enqueue(report.reportId, signReport(report, this.#options.key), match.detectedAt);
    this.#options.onQueued?.();
    return { reportId: report.reportId };
  }
}

/** Content that is not a decodable image (an exact-hash match on another file type) is reported without a preview. */
async function previewOrNull(content: Uint8Array, frame: number): Promise<string | null> {
  try {
    return await computePreview(content, { frame });
  } catch (cause) {
    if (cause instanceof ReportingError && cause.code === 'PREVIEW_UNDECODABLE') return null;
    throw cause;
  }
}
