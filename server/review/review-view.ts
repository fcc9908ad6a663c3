import type { Centre } from '../centre.ts';
import { IndicatorRecordStore } from '../store/indicator-record.ts';
import { orderStatus } from '../store/orders.ts';
import { ReportStore, type StoredReport } from '../store/reports.ts';
import type { BundleView } from './review-desk.ts';
import { previewSimilarity } from './preview-similarity.ts';

/**
 * What a reviewer sees of a report (docs/API.md, "Review"): the report with
 * its preview, each indicator it cites beside that indicator's own preview
 * and a similarity score, the indicator's record, the order it cites (its
 * window, issuer and legal reference, never its targets), its review state
 * and the bundle it is decided with. Never content: the Centre holds none.
 */
export class ReviewView {
  readonly #centre: Centre;
  readonly #reports: ReportStore;
  readonly #records: IndicatorRecordStore;

  constructor(centre: Centre) {
    this.#centre = centre;
    this.#reports = new ReportStore(centre.db);
    this.#records = new IndicatorRecordStore(centre.db);
  }

  /** The view of `reportId` in its bundle; the reviewer reads a bundle through any of its reports. */
  of(reportId: string, view: BundleView, now: number) {
    const found = this.#reports.find(reportId);
    if (found === undefined) throw new Error(`unreachable: report ${reportId} is in bundle ${view.bundle.id} but not stored`);
    const { report } = found.stored;
    const { bundle } = view;
    return {
      report: reportFields(found.stored),
      review: {
        state: bundle.state,
        bundleId: bundle.id,
        urgent: bundle.urgent,
        claimedBy: bundle.claimedBy,
        leaseUntil: bundle.leaseUntil,
        decidedBy: bundle.decidedBy,
        decidedAt: bundle.decidedAt,
        reason: bundle.reason,
        comment: bundle.comment,
        qa: bundle.qa,
      },
      // One entry per indicator record: a linked variant's id (a crop of the same material) stands for its record.
      indicators: recordsCited(report.indicatorIds, (id) => this.#centre.indicators.recordOf(id)).map(({ id, cited }) => {
        const indicator = this.#centre.indicators.get(id);
        const record = this.#records.of(id);
        return {
          id,
          cited,
          algorithm: indicator?.algorithm ?? null,
          category: indicator?.category ?? null,
          status: indicator?.status ?? null,
          submittedBy: indicator?.confirmations.filter((c) => c.withdrawnAt === null).map((c) => c.authority) ?? [],
          preview: record.preview,
          previewSimilarity: previewSimilarity(report.preview, record.preview),
          reports: record.reports,
          unfounded: record.unfounded,
        };
      }),
      order: this.#order(report.orderId, now),
      bundle: view.reportIds.map((id) => {
        const member = this.#reports.find(id)?.stored;
        return member === undefined ? { reportId: id } : reportFields(member);
      }),
    };
  }

  #order(orderId: string, now: number) {
    const stored = this.#centre.orders.get(orderId);
    if (stored === undefined) return null;
    const { order } = stored;
    // The order's targets name other people: the reviewer needs its legal footing, not them.
    return {
      orderId: order.orderId,
      issuingAuthority: order.issuingAuthority,
      legalReference: order.legalReference,
      memberState: stored.memberState,
      provider: order.provider,
      notBefore: order.notBefore,
      notAfter: order.notAfter,
      status: orderStatus(stored, now),
    };
  }
}

function reportFields(stored: StoredReport) {
  const { report } = stored;
  return {
    reportId: report.reportId,
    provider: report.provider,
    orderId: report.orderId,
    indicatorIds: [...report.indicatorIds],
    algorithm: report.algorithm,
    distance: report.distance,
    surface: report.surface,
    // Retention purged these (server/review/retention.ts): null, with purgedAt saying when.
    subject: stored.purgedAt === null ? report.subject : null,
    detectedAt: report.detectedAt,
    receivedAt: stored.receivedAt,
    preview: report.preview,
    purgedAt: stored.purgedAt,
    stale: report.stale,
    replicaVersion: report.replicaVersion,
    signedBy: stored.signedBy,
  };
}

/** A reviewer's view of a report, as GET /v1/review/reports/{id} answers it and the console shows it. */
export type ReviewerView = ReturnType<ReviewView['of']>;

/** The records a report's indicator ids stand for, in first-cited order, each with the ids that cite it. */
function recordsCited(ids: readonly number[], recordOf: (id: number) => number): { id: number; cited: number[] }[] {
  const records = new Map<number, number[]>();
  for (const id of ids) {
    const record = recordOf(id);
    const cited = records.get(record) ?? [];
    cited.push(id);
    records.set(record, cited);
  }
  return [...records].map(([id, cited]) => ({ id, cited }));
}
