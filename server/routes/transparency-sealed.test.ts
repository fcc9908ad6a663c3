import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { StateAccumulator } from '../../shared/wire/state-digest.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

let t: TestCentre | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

describe('GET /v1/transparency', () => {
  describe('when the feed is sealed (docs/PROTOCOL.md 13: a version\'s stateDigest is inside the ciphertext)', () => {
    it('does not publish the state digest of a sealed version: anyone holding a candidate hash could confirm it offline', async () => {
      const c = createTestCentre();
      t = c;
      // The one indicator of version 1: what someone tuning an evasion would hold (the picture, so its hash).
      const hash = randomBytes(32);
      const rows = [{ algorithm: 'pdq', hash: hash.toString('hex'), category: 'A1', reference: 'candidate-1' }];
      const submitted = await c.request('POST', '/v1/indicators', c.tokens.authority, JSON.stringify(rows), 'application/json');
      const { batchId } = (await submitted.json()) as { batchId: number };
      expect((await c.request('POST', `/v1/batches/${batchId}/approve`, c.tokens.operator)).status).toBe(200);
      expect((await c.request('POST', '/v1/publish', c.tokens.operator)).status).toBe(201);
      const listed = (await (await c.request('GET', `/v1/indicators?batch=${batchId}`, c.tokens.operator)).json()) as { indicators: { id: number }[] };
      const id = listed.indicators[0]?.id ?? 0;

      // The digest of the set {candidate}, computed by anyone from public facts (counts say: 1 pdq, category A1).
      const candidate = Buffer.from(StateAccumulator.fromEntries([{ id, algorithm: 'pdq', hash: new Uint8Array(hash), category: 'A1' }]).digest()).toString('hex');
      expect(Buffer.from(c.centre.publisher.latest()?.stateDigest ?? []).toString('hex')).toBe(candidate);

      const res = await c.request('GET', '/v1/transparency');
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(candidate);
      const body = JSON.parse(text) as { versions: { version: number; stateDigest: string | null; stateDigestVersion: number }[] };
      expect(body.versions[0]).toMatchObject({ version: 1, stateDigest: null, stateDigestVersion: 2 });
    });
  });
});
