import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { IndicatorQualityStore } from '../store/indicator-quality.ts';
import { providersFixture } from '../testing/providers-fixture.ts';
import { expectStatus, flatPreview } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

let t: TestCentre | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

const ERROR = { decision: 'unfounded', reason: 'indicator_error', comment: 'The indicator does not show what its category says.' };
const pdqHex = (): string => randomBytes(32).toString('hex');

interface Listed {
  readonly id: number;
  readonly status: string;
  readonly variantOf: number | null;
  readonly removalPending: string | null;
}

/** Submits one record with `variants` linked variant hashes as the authority; returns the batch answer. */
async function submitRecord(c: TestCentre, variants: number): Promise<{ batchId: number; created: number; variants: number; record: number; variantIds: number[] }> {
  const row = { algorithm: 'pdq', hash: pdqHex(), category: 'B1', reference: 'case-crops', preview: flatPreview([90, 60, 40]), variants: Array.from({ length: variants }, pdqHex) };
  const res = await expectStatus(c.request('POST', '/v1/indicators', c.tokens.authority, JSON.stringify([row]), 'application/json'), 201, 'submit');
  const answer = (await res.json()) as { batchId: number; created: number; variants: number };
  const listed = await list(c, `batch=${answer.batchId}`);
  const record = listed.find((i) => i.variantOf === null)?.id ?? -1;
  return { ...answer, record, variantIds: listed.filter((i) => i.variantOf === record).map((i) => i.id) };
}

async function list(c: TestCentre, query: string): Promise<Listed[]> {
  const res = await expectStatus(c.request('GET', `/v1/indicators?${query}&limit=100`, c.tokens.operator), 200, 'list');
  return ((await res.json()) as { indicators: Listed[] }).indicators;
}

async function publish(c: TestCentre): Promise<{ adds: number; removes: number; active: number; version: number }> {
  const res = await expectStatus(c.request('POST', '/v1/publish', c.tokens.operator), 201, 'publish');
  return (await res.json()) as { adds: number; removes: number; active: number; version: number };
}

/** The transparency counts of a version, by dimension and key. */
async function versionCounts(c: TestCentre, version: number): Promise<Record<string, Record<string, { adds: number; removes: number; active: number }>>> {
  const res = await expectStatus(c.request('GET', '/v1/transparency'), 200, 'transparency');
  const body = (await res.json()) as { versions: { version: number; counts: Record<string, Record<string, { adds: number; removes: number; active: number }>> }[] };
  return body.versions.find((v) => v.version === version)?.counts ?? {};
}

describe('linked variant hashes', () => {
  describe('when an authority submits a record with crop variants', () => {
    it('stores each variant as an indicator linked to the record, and counts the record once', async () => {
      t = createTestCentre();
      const submitted = await submitRecord(t, 3);
      expect(submitted).toMatchObject({ created: 1, variants: 3 });
      expect(submitted.variantIds).toHaveLength(3);

      const approved = await expectStatus(t.request('POST', `/v1/batches/${submitted.batchId}/approve`, t.tokens.operator), 200, 'approve');
      expect(await approved.json()).toEqual({ batchId: submitted.batchId, approved: 1 });
      // The feed carries every hash (no wire change); the public counts name one indicator.
      const published = await publish(t);
      expect(published).toMatchObject({ adds: 4, active: 4 });
      expect((await versionCounts(t, published.version)).algorithm).toEqual({ pdq: { adds: 1, removes: 0, active: 1 } });
      expect((await list(t, `batch=${submitted.batchId}`)).map((i) => i.status)).toEqual(['active', 'active', 'active', 'active']);
    });

    it('revokes the variants with their record', async () => {
      t = createTestCentre();
      const { batchId, record } = await submitRecord(t, 2);
      await expectStatus(t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator), 200, 'approve');
      await publish(t);
      const revoked = await expectStatus(
        t.request('POST', `/v1/indicators/${record}/revoke`, t.tokens.authority, JSON.stringify({ reason: 'ENTRY_ERROR' }), 'application/json'),
        200,
        'revoke',
      );
      expect(await revoked.json()).toMatchObject({ removal: 'queued' });
      expect((await list(t, `batch=${batchId}`)).map((i) => i.removalPending)).toEqual(['ENTRY_ERROR', 'ENTRY_ERROR', 'ENTRY_ERROR']);
      const published = await publish(t);
      expect(published).toMatchObject({ removes: 3, active: 0 });
      expect((await versionCounts(t, published.version)).algorithm).toEqual({ pdq: { adds: 0, removes: 1, active: 0 } });
    });

    it('takes a second authority\'s confirmation of the record as a confirmation of its variants (the two-source rule)', async () => {
      t = createTestCentre({ minConfirmations: 2 });
      const { batchId, record } = await submitRecord(t, 2);
      const second = t.account('FR-OCLCTIC', 'authority', 'FR');
      const hash = ((await (await t.request('GET', `/v1/indicators/${record}`, t.tokens.operator)).json()) as { indicator: { hash: string } }).indicator.hash;
      const res = await expectStatus(
        t.request('POST', '/v1/indicators', second, JSON.stringify({ algorithm: 'pdq', hash, category: 'B1', reference: 'fr-1' }), 'application/json'),
        201,
        'confirm',
      );
      expect(await res.json()).toMatchObject({ created: 0, confirmed: 1, variants: 2 });
      await expectStatus(t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator), 200, 'approve');
      expect(await publish(t)).toMatchObject({ adds: 3 });
    });

    it('refuses variants of an exact hash, and more than 32, with ROW_BAD_VARIANTS', async () => {
      t = createTestCentre();
      const rows = [
        { algorithm: 'md5', hash: randomBytes(16).toString('hex'), category: 'B1', reference: 'case-1', variants: [randomBytes(16).toString('hex')] },
        { algorithm: 'pdq', hash: pdqHex(), category: 'B1', reference: 'case-2', variants: Array.from({ length: 33 }, pdqHex) },
        { algorithm: 'pdq', hash: pdqHex(), category: 'B1', reference: 'case-3', variants: ['not hex'] },
      ];
      const res = await t.request('POST', '/v1/indicators', t.tokens.authority, JSON.stringify(rows), 'application/json');
      expect(res.status).toBe(422);
      const body = (await res.json()) as { error: { code: string; rows: { line: number; code: string }[] } };
      expect(body.error.code).toBe('INGEST_INVALID_ROWS');
      expect(body.error.rows.map((r) => r.code)).toEqual(['ROW_BAD_VARIANTS', 'ROW_BAD_VARIANTS', 'ROW_BAD_VARIANTS']);
    });
  });

  describe('when reports cite a record and its variants', () => {
    it('counts each report once against the record, suspends the record with its variants, and shows reviewers one record', async () => {
      t = createTestCentre();
      const f = await providersFixture(t);
      const { batchId, record, variantIds } = await submitRecord(t, 2);
      await expectStatus(t.request('POST', `/v1/batches/${batchId}/approve`, t.tokens.operator), 200, 'approve');
      await publish(t);
      const [first = -1, second = -1] = variantIds;

      // Each provider's sidecar matched the record and a variant (or a variant alone): three reports, three providers.
      const cited = [[record, first], [first, second], [second]];
      for (const [i, provider] of f.providers.slice(0, 3).entries()) await f.sendAs(provider, { subject: `user:u-${i + 1}`, indicatorIds: cited[i] ?? [] });

      const claimed = await expectStatus(t.request('GET', '/v1/review/next', t.tokens.reviewer), 200, 'claim');
      const view = (await claimed.json()) as { indicators: { id: number; cited: number[] }[] };
      expect(view.indicators.map((i) => [i.id, i.cited])).toEqual([[record, [record, first]]]);

      for (let i = 0; i < 3; i++) await f.decideNext(t.tokens.reviewer, ERROR);
      expect(new IndicatorQualityStore(t.centre.db).of(record)).toMatchObject({ reports: 3, providers: 3, byReason: { indicator_error: 3, preview_mismatch: 0 } });
      expect(t.centre.audit.page(0, 10_000).filter((e) => e.action === 'indicator.suspend').map((e) => e.subject)).toEqual([`indicator:${record}`]);
      expect((await list(t, `batch=${batchId}`)).map((i) => i.removalPending)).toEqual(['SUSPENDED', 'SUSPENDED', 'SUSPENDED']);
    });
  });
});
