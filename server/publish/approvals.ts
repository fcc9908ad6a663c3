import type { Centre } from '../centre.ts';
import { ApiError } from '../http/api-error.ts';
import type { Indicator } from '../store/indicators.ts';

/** Who approves: an operator account. */
export interface Approver {
  readonly id: number;
  readonly name: string;
}

/** One indicator of a many-at-once approval that was not approved, with the code the API would answer. */
export interface ApprovalRefusal {
  readonly id: number;
  readonly code: 'NOT_FOUND' | 'CONFLICT';
  readonly message: string;
}

/**
 * Operators' approvals of submitted indicators for the next publication
 * (docs/API.md, POST /v1/indicators/{id}/approve and /v1/batches/{id}/approve),
 * each audited in the transaction that makes it. The API routes and the
 * console's Indicators page both approve through here.
 */
export class IndicatorApprovals {
  readonly #centre: Centre;

  constructor(centre: Centre) {
    this.#centre = centre;
  }

  /** Approves one pending indicator; NOT_FOUND (404) or CONFLICT (409) when it cannot be. */
  approve(id: number, operator: Approver, now: number): Indicator {
    return this.#centre.write(() => {
      this.#approveOne(id, operator, now);
      const indicator = this.#centre.indicators.get(id);
      if (indicator === undefined) throw new ApiError(404, 'NOT_FOUND', `indicator ${id} does not exist`);
      return indicator;
    });
  }

  /** Approves each of `ids` in one transaction; the ones that cannot be are listed with their code, the rest approved. */
  approveMany(ids: readonly number[], operator: Approver, now: number): { approved: number[]; refused: ApprovalRefusal[] } {
    return this.#centre.write(() => {
      const approved: number[] = [];
      const refused: ApprovalRefusal[] = [];
      for (const id of new Set(ids)) {
        try {
          this.#approveOne(id, operator, now);
          approved.push(id);
        } catch (err) {
          // A refused row changed nothing (the store's approve wrote no row): the others still go through.
          if (!(err instanceof ApiError) || (err.code !== 'NOT_FOUND' && err.code !== 'CONFLICT')) throw err;
          refused.push({ id, code: err.code, message: err.message });
        }
      }
      return { approved, refused };
    });
  }

  /** Approves every pending indicator the batch confirmed; returns how many; NOT_FOUND (404) for an unknown batch. */
  approveBatch(batchId: number, operator: Approver, now: number): number {
    const { indicators, audit } = this.#centre;
    return this.#centre.write(() => {
      if (indicators.batch(batchId) === undefined) throw new ApiError(404, 'NOT_FOUND', `batch ${batchId} does not exist`);
      const approved = indicators.approveBatch(batchId, operator.id, now);
      audit.record(now, operator.name, 'batch.approve', `batch:${batchId}`, { approved });
      return approved;
    });
  }

  #approveOne(id: number, operator: Approver, now: number): void {
    const { indicators, audit } = this.#centre;
    if (!indicators.approve(id, operator.id, now)) {
      const current = indicators.get(id);
      if (current === undefined) throw new ApiError(404, 'NOT_FOUND', `indicator ${id} does not exist`);
      throw new ApiError(409, 'CONFLICT', `indicator ${id} is ${current.status}${current.approvedAt !== null ? ' and already approved' : ''}`);
    }
    audit.record(now, operator.name, 'indicator.approve', `indicator:${id}`);
  }
}
