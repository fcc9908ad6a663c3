import { createHash } from 'node:crypto';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { CodedError } from '../../shared/errors.ts';
import { MAX_FORWARDING_RECIPIENTS, type ForwardingRecipient } from '../../shared/wire/forwarding-record.ts';
import type { Centre } from '../centre.ts';
import { ForwardingStore } from '../store/forwarding.ts';
import { ReportStore } from '../store/reports.ts';
import type { BundleView } from './review-desk.ts';
import { recipientsFor } from './routing.ts';
import { signForwardingRecord } from './sign-forwarding-record.ts';

/**
 * ROUTING_NO_RECIPIENT (409): a forward would reach nobody (no Europol
 * account and no competent authority). ROUTING_TOO_MANY_RECIPIENTS (409):
 * more recipient accounts than a signed record may name
 * (MAX_FORWARDING_RECIPIENTS): such a record would be refused by every
 * verifier, so none is signed.
 */
export type RoutingCode = 'ROUTING_NO_RECIPIENT' | 'ROUTING_TOO_MANY_RECIPIENTS';
export class RoutingError extends CodedError<RoutingCode> {}

/**
 * What a standing decision sends out, inside the decision's transaction:
 * for each report of the bundle, a forwarding record signed by the Centre
 * and one inbox item per recipient. `forwarded` goes where routing.ts says;
 * `unfounded` goes only to those who received the report before (a report
 * reopened and then judged unfounded), and nowhere if nobody did.
 */
export class Forwarder {
  readonly #centre: Centre;
  readonly #store: ForwardingStore;
  readonly #reports: ReportStore;

  constructor(centre: Centre) {
    this.#centre = centre;
    this.#store = new ForwardingStore(centre.db);
    this.#reports = new ReportStore(centre.db);
  }

  forward(view: BundleView, now: number): void {
    const centre = this.#centre;
    const { bundle } = view;
    if (bundle.state !== 'forwarded' && bundle.state !== 'unfounded') return;
    const decisionId = this.#store.latestDecisionId(bundle.id);
    if (decisionId === undefined) throw new Error(`unreachable: bundle ${bundle.id} is decided without a decision record`);
    for (const reportId of view.reportIds) {
      const recipients = bundle.state === 'forwarded' ? this.#routed(reportId) : this.#earlier(reportId);
      if (recipients.length === 0) continue;
      const record = { reportId, decision: bundle.state, recipients, decidedAt: now, ...this.#reportBinding(reportId) };
      // The one place the Centre chooses the key that signs decisions: one listed for 'forwarding' only (PROTOCOL 4.2).
      const envelope = signForwardingRecord(record, centre.keyring.signerFor(KEY_PURPOSES.forwarding, now));
      const recordId = this.#store.addRecord(reportId, decisionId, bundle.state, now, envelope);
      for (const recipient of recipients) {
        const account = centre.accounts.byName(recipient.account);
        if (account === undefined) throw new Error(`unreachable: recipient ${recipient.account} vanished inside its transaction`);
        this.#store.deliver(account.id, reportId, recordId, now);
      }
      centre.audit.record(now, 'centre', bundle.state === 'forwarded' ? 'report.forward' : 'report.retract', `report:${reportId}`, {
        bundle: bundle.id,
        recipients: recipients.map((r) => r.account),
      });
    }
  }

  /** What ties the record to the exact report a recipient receives (PROTOCOL 11.4): its provider, the key it verified under, its envelope's SHA-256. */
  #reportBinding(reportId: string): { provider: string; providerKey: string; reportSha256: Uint8Array } {
    const stored = this.#reports.find(reportId)?.stored;
    const envelope = this.#store.reportEnvelope(reportId);
    if (stored === undefined || envelope === undefined) throw new Error(`unreachable: report ${reportId} is decided but not stored`);
    return { provider: stored.report.provider, providerKey: stored.signedBy, reportSha256: new Uint8Array(createHash('sha256').update(envelope).digest()) };
  }

  #routed(reportId: string): ForwardingRecipient[] {
    const orderId = this.#reports.find(reportId)?.stored.report.orderId;
    const order = orderId === undefined ? undefined : this.#centre.orders.get(orderId);
    const recipients = recipientsFor({ orderMemberState: order?.memberState ?? null, providerMemberState: null }, this.#centre.accounts);
    if (recipients.length === 0) {
      throw new RoutingError('ROUTING_NO_RECIPIENT', 'no Europol account and no authority of the competent Member State: create one before forwarding');
    }
    if (recipients.length > MAX_FORWARDING_RECIPIENTS) {
      throw new RoutingError('ROUTING_TOO_MANY_RECIPIENTS', `${recipients.length} recipient accounts, at most ${MAX_FORWARDING_RECIPIENTS} in one forwarding record: disable the accounts that should not receive reports`);
    }
    return recipients;
  }

  #earlier(reportId: string): ForwardingRecipient[] {
    return this.#store.forwardedTo(reportId).flatMap((id): ForwardingRecipient[] => {
      const account = this.#centre.accounts.byId(id);
      if (account === undefined) return [];
      if (account.role === 'europol') return [{ account: account.name, role: 'europol', memberState: null }];
      return account.memberState === null ? [] : [{ account: account.name, role: 'authority', memberState: account.memberState }];
    });
  }
}
