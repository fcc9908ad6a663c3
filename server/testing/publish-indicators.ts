import { randomBytes } from 'node:crypto';
import type { TestCentre } from './test-centre.ts';

const HASH_BYTES: Readonly<Record<string, number>> = { pdq: 32, phash64: 8, dhash64: 8, md5: 16, sha256: 32 };

/**
 * Submits `count` random indicators of `algorithm`, approves and publishes
 * them at the test clock's time; returns their ids, ascending. For tests
 * that need indicators a report can cite.
 */
export async function publishIndicators(t: TestCentre, count: number, algorithm = 'pdq'): Promise<number[]> {
  const bytes = HASH_BYTES[algorithm];
  if (bytes === undefined) throw new Error(`no test hash length for ${algorithm}`);
  const rows = Array.from({ length: count }, (_, i) => ({ algorithm, hash: randomBytes(bytes).toString('hex'), category: 'A1', reference: `test-${randomBytes(4).toString('hex')}-${i}` }));
  const submitted = await t.request('POST', '/v1/indicators', t.tokens.authority, JSON.stringify(rows), 'application/json');
  if (submitted.status !== 201) throw new Error(`submit: ${submitted.status} ${await submitted.text()}`);
  const { batchId } = (await submitted.json()) as { batchId: number };
  const approved = await t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator);
  if (approved.status !== 200) throw new Error(`approve: ${approved.status} ${await approved.text()}`);
  const published = await t.request('POST', '/v1/publish', t.tokens.operator);
  if (published.status !== 201) throw new Error(`publish: ${published.status} ${await published.text()}`);
  const listed = (await (await t.request('GET', `/v1/indicators?batch=${batchId}&limit=1000`, t.tokens.operator)).json()) as { indicators: { id: number }[] };
  return listed.indicators.map((i) => i.id).sort((a, b) => a - b);
}

/** Queues the removal of a published indicator and publishes it at the test clock's time. */
export async function revokeAndPublish(t: TestCentre, id: number, reason = 'FALSE_POSITIVE'): Promise<void> {
  const revoked = await t.request('POST', `/v1/indicators/${id}/revoke`, t.tokens.authority, JSON.stringify({ reason }), 'application/json');
  if (revoked.status !== 200) throw new Error(`revoke: ${revoked.status} ${await revoked.text()}`);
  const published = await t.request('POST', '/v1/publish', t.tokens.operator);
  if (published.status !== 201) throw new Error(`publish: ${published.status} ${await published.text()}`);
}
