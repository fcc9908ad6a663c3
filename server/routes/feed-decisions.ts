import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { encodeEnvelope, signEnvelope } from '../../shared/crypto/index.ts';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';
import { DECISION_REASONS, DECISIONS_PAYLOAD_TYPE, encodeDecisionList, MAX_DECISIONS_PER_LIST, type DecisionEntry } from '../../shared/wire/decision-list.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import type { AppEnv } from '../http/auth.ts';
import { bodyBytes, MSGPACK } from '../http/responses.ts';
import { integerOr, mediaResponse } from '../http/schemas.ts';
import { ProviderDecisionStore, type ProviderDecisionRow } from '../store/provider-decisions.ts';
import type { RouteDeps } from './deps.ts';

const LIST = defineRoute({
  method: 'get',
  path: '/',
  summary: "What became of the caller's own reports: decisions and holds after a sequence number, signed and freshly dated",
  description: `At most ${MAX_DECISIONS_PER_LIST} entries; \`more\` says the page was cut (continue after the last \`seq\`). Signed by the provider-list key (docs/PROTOCOL.md 12).`,
  access: ['provider'],
  query: z.object({
    since: integerOr('since', { fallback: 0 }).openapi({ description: 'The last sequence number the caller holds; 0 (the default) for all' }),
  }),
  responses: { 200: mediaResponse('A signed decision list envelope (msgpack); never cached', MSGPACK) },
});

/**
 * A provider's own decisions feed (docs/PROTOCOL.md 12; mounted at
 * /v1/feed/decisions): what became of its reports, entries after `since`
 * (a sequence number, 0 for all), signed fresh like the order list by the
 * `provider-list` key.
 */
export function feedDecisionRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'feed');
  const store = new ProviderDecisionStore(centre.db);

  api.handle(LIST, (c, { query }) => {
    const provider = c.get('principal').account;
    const { since } = query;
    // One more than a page tells whether the page was cut.
    const rows = store.page(provider.id, since, MAX_DECISIONS_PER_LIST + 1);
    const entries = rows.slice(0, MAX_DECISIONS_PER_LIST).map(toEntry);
    const now = clock();
    const payload = encodeDecisionList({ provider: provider.name, issuedAt: now, since, entries, more: rows.length > MAX_DECISIONS_PER_LIST });
    const envelope = encodeEnvelope(signEnvelope(DECISIONS_PAYLOAD_TYPE, payload, [centre.keyring.signerFor(KEY_PURPOSES.providerList, now)]));
    // What became of a provider's reports is for that provider alone: no shared cache may keep it.
    return c.body(bodyBytes(envelope), 200, { 'content-type': MSGPACK, 'cache-control': 'private, no-store' });
  });

  return api.app;
}

function toEntry(row: ProviderDecisionRow): DecisionEntry {
  const hold = row.holdUntil === null ? {} : { hold: { until: row.holdUntil } };
  if (row.decision === 'forwarded') return { seq: row.seq, reportId: row.reportId, decision: 'forwarded', ...hold };
  return { seq: row.seq, reportId: row.reportId, decision: 'unfounded', reason: DECISION_REASONS.find((r) => r === row.reason) ?? 'other', ...hold };
}
