import { MAX_DECISION_LIST_BYTES, type DecisionList } from '../../shared/wire/decision-list.ts';
import type { FetchLike } from '../net/http.ts';
import { fetchProviderList } from '../net/provider-list.ts';
import type { TrustedStore } from '../sync/trusted-store/index.ts';
import type { DecisionBook } from './decision-book.ts';
import { DecisionsError } from './errors.ts';

/** The envelope around the largest accepted payload. */
export const MAX_DECISION_ENVELOPE_BYTES = MAX_DECISION_LIST_BYTES + 16 * 1024;
/** Pages per refresh at most (1000 entries each); the rest waits for the next round. */
const MAX_PAGES = 20;

export interface FetchDecisionsOptions {
  readonly baseUrl: string;
  readonly token: string;
  readonly fetch: FetchLike;
  /** Decides whether a list is trusted: this only fetches. */
  readonly store: Pick<TrustedStore, 'acceptDecisionList'>;
  readonly book: DecisionBook;
  readonly clock: () => number;
  readonly timeoutMs?: number;
}

/**
 * One decisions refresh (docs/PROTOCOL.md 12.3): step 1 here, GET
 * /v1/feed/decisions?since=<the cursor held> with the provider token, page
 * after page while the Centre says `more`; steps 2 to 7 in the trusted
 * store. Returns how many entries were taken. On a failure the pages
 * already taken stay taken.
 */
export async function fetchDecisions(options: FetchDecisionsOptions): Promise<number> {
  let taken = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { baseUrl, token, fetch, timeoutMs } = options;
    const envelope = await fetchProviderList(
      { baseUrl, path: `/v1/feed/decisions?since=${options.book.cursor}`, token, fetch, now: options.clock(), maxBytes: MAX_DECISION_ENVELOPE_BYTES, ...(timeoutMs === undefined ? {} : { timeoutMs }) },
      (failure, message, details) => new DecisionsError(`DECISIONS_${failure}`, message, details.cause === undefined ? {} : { cause: details.cause }),
    );
    const list: DecisionList = options.store.acceptDecisionList(envelope, options.book, options.clock());
    taken += list.entries.length;
    if (!list.more || list.entries.length === 0) break;
  }
  return taken;
}
