import { Hono } from 'hono';
import { encodeEnvelope, signEnvelope } from '../../shared/crypto/index.ts';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { DECISION_REASONS, DECISIONS_PAYLOAD_TYPE, encodeDecisionList, MAX_DECISIONS_PER_LIST, type DecisionEntry } from '../../shared/wire/decision-list.ts';
import type { AppEnv } from '../http/auth.ts';
import { intParam } from '../http/body.ts';
import { bodyBytes, MSGPACK } from '../http/responses.ts';
import { ProviderDecisionStore, type ProviderDecisionRow } from '../store/provider-decisions.ts';
import type { RouteDeps } from './deps.ts';

/**
 * A provider's own decisions feed (docs/PROTOCOL.md 12; mounted at
 * /v1/feed/decisions): what became of its reports, entries after `since`
 * (a sequence number, 0 for all), signed fresh like the order list by the
 * `provider-list` key.
 */
export function feedDecisionRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const store = new ProviderDecisionStore(centre.db);

  app.get('/', guard('provider'), (c) => {
    const provider = c.get('principal').account;
    const since = intParam(c.req.query('since'), 'since', { fallback: 0 });
    // One more than a page tells whether the page was cut.
    const rows = store.page(provider.id, since, MAX_DECISIONS_PER_LIST + 1);
    const entries = rows.slice(0, MAX_DECISIONS_PER_LIST).map(toEntry);
    const now = clock();
    const payload = encodeDecisionList({ provider: provider.name, issuedAt: now, since, entries, more: rows.length > MAX_DECISIONS_PER_LIST });
    const envelope = encodeEnvelope(signEnvelope(DECISIONS_PAYLOAD_TYPE, payload, [centre.keyring.signerFor(KEY_PURPOSES.providerList, now)]));
    // What became of a provider's reports is for that provider alone: no shared cache may keep it.
    return c.body(bodyBytes(envelope), 200, { 'content-type': MSGPACK, 'cache-control': 'private, no-store' });
  });

  return app;
}

function toEntry(row: ProviderDecisionRow): DecisionEntry {
  const hold = row.holdUntil === null ? {} : { hold: { until: row.holdUntil } };
  if (row.decision === 'forwarded') return { seq: row.seq, reportId: row.reportId, decision: 'forwarded', ...hold };
  return { seq: row.seq, reportId: row.reportId, decision: 'unfounded', reason: DECISION_REASONS.find((r) => r === row.reason) ?? 'other', ...hold };
}
