import { CodedError } from '../../shared/errors.ts';
import { quote } from '../../shared/quote.ts';
import type { Centre } from '../centre.ts';
import { ProviderKeyStore, type ProviderKeyRecord, type ProviderKeyStatus } from '../store/provider-keys.ts';

/**
 * PROVIDER_KEY_NOT_FOUND: the provider has no such key (404);
 * PROVIDER_KEY_AMBIGUOUS: several of its keys share that 8-digit key ID, name the full verifier key (409);
 * PROVIDER_KEY_REVOKED: a revoked key cannot be approved again (409).
 */
export type ProviderKeyReviewCode = 'PROVIDER_KEY_NOT_FOUND' | 'PROVIDER_KEY_AMBIGUOUS' | 'PROVIDER_KEY_REVOKED';
export class ProviderKeyReviewError extends CodedError<ProviderKeyReviewCode> {}

export type ProviderKeyDecision = 'approve' | 'revoke';

export interface ProviderKeySelector {
  /** The provider account's name: keys are looked up per provider, never globally. */
  readonly provider: string;
  /** The key ID (8 hex digits) or the full verifier key, as the provider read it out of band. */
  readonly key: string;
}

/**
 * An operator's decision on a provider's report key, shared by the HTTP
 * routes and `hashfeed centre provider-key`: the one place a key becomes
 * trusted or stops being trusted, each decision audited in the same
 * transaction. The binding itself happens out of band (docs/SAFEGUARDS.md,
 * "Report keys"): the operator approves only a key the provider confirmed
 * through another channel than its token.
 */
export class ProviderKeyReview {
  readonly #centre: Centre;
  readonly #keys: ProviderKeyStore;

  constructor(centre: Centre) {
    this.#centre = centre;
    this.#keys = new ProviderKeyStore(centre.db);
  }

  list(filter: { status?: ProviderKeyStatus; provider?: string; afterId?: number; limit?: number }): ProviderKeyRecord[] {
    return this.#keys.page({ ...filter, afterId: filter.afterId ?? 0, limit: filter.limit ?? 1000 });
  }

  /** Applies the decision; `changed` is false when the key already was in that state. */
  decide(decision: ProviderKeyDecision, selector: ProviderKeySelector, actor: string, now: number): { key: ProviderKeyRecord; changed: boolean } {
    return this.#centre.write(() => {
      const account = this.#centre.accounts.byName(selector.provider);
      const found = account === undefined || account.role !== 'provider' ? [] : this.#keys.find(account.id, selector.key);
      const [target, ...others] = found;
      if (target === undefined) {
        throw new ProviderKeyReviewError('PROVIDER_KEY_NOT_FOUND', `provider ${quote(selector.provider)} has no key ${quote(selector.key)}`);
      }
      if (others.length > 0) {
        throw new ProviderKeyReviewError('PROVIDER_KEY_AMBIGUOUS', `several keys of provider ${quote(selector.provider)} have key ID ${quote(selector.key)}: name the full verifier key`);
      }
      if (decision === 'approve' && target.status === 'revoked') {
        throw new ProviderKeyReviewError('PROVIDER_KEY_REVOKED', `key ${target.keyId} of provider ${target.provider} is revoked; the provider must register a new key`);
      }
      const changed = decision === 'approve' ? this.#keys.approve(target.id, actor, now) : this.#keys.revoke(target.id, actor, now);
      if (changed) {
        this.#centre.audit.record(now, actor, `provider-key.${decision}`, target.provider, { verifierKey: target.verifierKey, keyId: target.keyId });
      }
      const [after] = this.#keys.find(account?.id ?? 0, target.verifierKey);
      return { key: after ?? target, changed };
    });
  }
}
