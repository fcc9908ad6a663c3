import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseVerifierKey, verifyEnvelope } from '../../shared/crypto/index.ts';
import { checkEpochKeyCommitment, encryptionKeyId, generateEncryptionKeyPair, unwrapEpochKey } from '../../shared/seal/index.ts';
import { decodeReport, REPORT_PAYLOAD_TYPE } from '../../shared/wire/report.ts';
import { publishIndicators } from '../testing/publish-indicators.ts';
import { reviewFixture, type ReviewFixture } from '../testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The one POST an auditor may call: it writes nothing but its audit record (it answers wrapped keys). */
const AUDITOR_POST = '/v1/audit/epoch-keys';

/** Every write operation of the OpenAPI document (everything but GET), with the roles it admits. */
function writeOperations(document: unknown): { method: string; path: string; roles: unknown }[] {
  if (!isRecord(document) || !isRecord(document.paths)) throw new Error('the document has no paths');
  const operations: { method: string; path: string; roles: unknown }[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    if (!isRecord(item)) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (method === 'get' || !isRecord(operation) || path === AUDITOR_POST) continue;
      operations.push({ method: method.toUpperCase(), path, roles: operation['x-roles'] });
    }
  }
  return operations;
}

/** Every read operation of the OpenAPI document that names its roles (the public ones name none). */
function readOperations(document: unknown): { path: string; roles: unknown[] }[] {
  if (!isRecord(document) || !isRecord(document.paths)) throw new Error('the document has no paths');
  const operations: { path: string; roles: unknown[] }[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    const operation = isRecord(item) ? item.get : undefined;
    if (isRecord(operation) && Array.isArray(operation['x-roles'])) operations.push({ path, roles: operation['x-roles'] });
  }
  return operations;
}

describe('the auditor', () => {
  describe('when it calls any read route', () => {
    let t: TestCentre;
    let operations: { path: string; roles: unknown[] }[] = [];
    beforeAll(async () => {
      t = createTestCentre();
      operations = readOperations(await (await t.request('GET', '/v1/openapi.json')).json());
    });
    afterAll(() => t.close());

    it('is admitted to its own routes and the feed a provider reads, and to nothing else', () => {
      expect(operations.filter((operation) => operation.roles.includes('auditor')).map((operation) => operation.path).sort()).toEqual([
        '/v1/audit/orders', '/v1/audit/reports', '/v1/feed/deltas', '/v1/feed/deltas/{version}', '/v1/feed/keys', '/v1/feed/root/{version}',
        '/v1/feed/snapshot', '/v1/feed/snapshots/{version}', '/v1/feed/timestamp',
      ]);
    });

    it('is refused with 403 AUTH_FORBIDDEN by every read route that does not name it (the admin trail, reports, orders, indicators, review)', async () => {
      const others = operations.filter((operation) => !operation.roles.includes('auditor'));
      expect(others.map((operation) => operation.path)).toEqual(expect.arrayContaining(['/v1/audit', '/v1/orders', '/v1/indicators']));
      const admitted: string[] = [];
      for (const operation of others) {
        const res = await t.request('GET', operation.path.replace(/\{[^}]+\}/g, '1'), t.tokens.auditor);
        const body = (await res.json()) as { error?: { code?: string } };
        if (res.status !== 403 || body.error?.code !== 'AUTH_FORBIDDEN') admitted.push(`GET ${operation.path}: ${res.status}`);
      }
      expect(admitted).toEqual([]);
    });
  });

  describe('when it calls any route that writes', () => {
    let t: TestCentre;
    let operations: { method: string; path: string; roles: unknown }[] = [];
    beforeAll(async () => {
      t = createTestCentre();
      operations = writeOperations(await (await t.request('GET', '/v1/openapi.json')).json());
    });
    afterAll(() => t.close());

    it('finds write routes to try', () => {
      expect(operations.length).toBeGreaterThan(20);
    });

    it('is refused with 403 AUTH_FORBIDDEN by every one of them, each refusal audited and nothing else changed', async () => {
      const lastEntry = t.centre.audit.page(0, 100_000).at(-1)?.id ?? 0;
      const admitted: string[] = [];
      for (const operation of operations) {
        // Sample values: the guard refuses before the path or the body is looked at.
        const path = operation.path.replace(/\{[^}]+\}/g, '1');
        const res = await t.request(operation.method, path, t.tokens.auditor, '{}', 'application/json');
        const body = (await res.json()) as { error?: { code?: string } };
        if (res.status !== 403 || body.error?.code !== 'AUTH_FORBIDDEN') admitted.push(`${operation.method} ${operation.path}: ${res.status}`);
        if (Array.isArray(operation.roles) && operation.roles.includes('auditor')) admitted.push(`${operation.method} ${operation.path}: names auditor`);
      }
      expect(admitted).toEqual([]);
      const entries = t.centre.audit.page(lastEntry, 100_000);
      expect(entries.map((entry) => [entry.actor, entry.action])).toEqual(operations.map(() => ['auditor-1', 'audit.refused']));
      expect(entries.map((entry) => entry.subject)).toEqual(operations.map((operation) => `${operation.method} ${operation.path.replace(/\{([^}]+)\}/g, ':$1')}`));
    });
  });

  describe('when it reads orders and reports', () => {
    let t: TestCentre;
    let fixture: ReviewFixture;
    beforeEach(async () => {
      t = createTestCentre();
      fixture = await reviewFixture(t);
    });
    afterEach(() => t.close());

    it('gets every order with its terms and commitments, paged', async () => {
      const second = await t.request('POST', '/v1/orders', t.tokens.operator, JSON.stringify({
        orderId: 'DE-2026-0002', issuingAuthority: 'Amtsgericht München', legalReference: 'Az. 12 Gs 346/26', provider: 'example-host',
        surfaces: ['public-posts'], targets: { users: ['u-1'], groups: [], channels: [] }, notBefore: t.clock.now, notAfter: t.clock.now + 86_400_000,
      }), 'application/json');
      expect(second.status).toBe(201);
      const first = await t.request('GET', '/v1/audit/orders?limit=1', t.tokens.auditor);
      expect(first.status).toBe(200);
      const page = (await first.json()) as { orders: Record<string, unknown>[]; next: number | null };
      expect(page.orders).toHaveLength(1);
      expect(page.orders[0]).toMatchObject({ number: 1, orderId: 'DE-2026-0001', memberState: 'DE', targets: { users: expect.arrayContaining(['u-9']) }, end: null });
      expect(page.orders[0]?.registration).toEqual({ salt: expect.any(String), commitment: expect.any(String), leafIndex: expect.any(Number), committedAt: expect.any(Number) });
      const rest = (await (await t.request('GET', `/v1/audit/orders?after=${String(page.next)}`, t.tokens.auditor)).json()) as { orders: { orderId: string }[]; next: number | null };
      expect(rest.orders.map((o) => o.orderId)).toEqual(['DE-2026-0002']);
      expect(rest.next).toBeNull();
    });

    it('gets every report as its provider signed it', async () => {
      const reportId = await fixture.send();
      const res = await t.request('GET', '/v1/audit/reports', t.tokens.auditor);
      expect(res.status).toBe(200);
      const { reports } = (await res.json()) as { reports: { reportId: string; provider: string; orderId: string; detectedAt: number; receivedAt: number; envelope: string | null }[] };
      expect(reports).toHaveLength(1);
      const [stored] = reports;
      expect(stored).toMatchObject({ reportId, provider: 'example-host', orderId: 'DE-2026-0001', detectedAt: t.clock.now, receivedAt: t.clock.now });
      const payload = verifyEnvelope(Buffer.from(stored?.envelope ?? '', 'base64'), REPORT_PAYLOAD_TYPE, [parseVerifierKey(fixture.providerKey)]);
      expect(decodeReport(payload)).toMatchObject({ reportId, subject: 'user:u-1' });
    });

    it('leaves a trace of each read in the audit trail', async () => {
      await t.request('GET', '/v1/audit/orders', t.tokens.auditor);
      await t.request('GET', '/v1/audit/reports?limit=5', t.tokens.auditor);
      const trail = t.centre.audit.page(0, 1000).filter((entry) => entry.action === 'audit.read');
      expect(trail.map((entry) => [entry.actor, entry.subject, entry.detail])).toEqual([
        ['auditor-1', 'orders', { after: 0, limit: 20, count: 1 }],
        ['auditor-1', 'reports', { after: 0, limit: 5, count: 0 }],
      ]);
    });
  });

  describe('when it asks for the epoch keys (POST /v1/audit/epoch-keys)', () => {
    let t: TestCentre;
    beforeEach(() => {
      t = createTestCentre();
    });
    afterEach(() => t.close());

    it("gets every epoch's key wrapped for its ephemeral key, each matching its commitment, and changes no feed state", async () => {
      await publishIndicators(t, 2);
      t.centre.write(() => t.centre.epochs.requestRotation('test', t.clock.now));
      await publishIndicators(t, 1);
      const versionBefore = t.centre.publisher.latest()?.version;
      const pair = await generateEncryptionKeyPair();
      const res = await t.request('POST', '/v1/audit/epoch-keys', t.tokens.auditor, JSON.stringify({ publicKey: Buffer.from(pair.publicKey).toString('base64') }), 'application/json');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { feed: string; recipient: string; epochs: { epoch: number; version: number; keyCommitment: string; enc: string; wrapped: string }[] };
      expect(body.recipient).toBe(encryptionKeyId(pair.publicKey));
      expect(body.epochs.map((e) => [e.epoch, e.version])).toEqual([[1, 1], [2, 2]]);
      for (const e of body.epochs) {
        const context = { feed: body.feed, provider: 'auditor-1', recipient: body.recipient, epoch: e.epoch };
        const key = await unwrapEpochKey(pair.privateKey, context, { enc: Buffer.from(e.enc, 'base64'), wrapped: Buffer.from(e.wrapped, 'base64') });
        checkEpochKeyCommitment(body.feed, e.epoch, key, Buffer.from(e.keyCommitment, 'base64'));
      }
      expect(t.centre.publisher.latest()?.version).toBe(versionBefore);
      const trail = t.centre.audit.page(0, 1000).filter((entry) => entry.action === 'audit.read');
      expect(trail.map((entry) => [entry.actor, entry.subject, entry.detail])).toEqual([['auditor-1', 'epoch-keys', { recipient: body.recipient, epochs: 2 }]]);
    });

    it.each([
      ['not base64', 'not base64!'],
      ['too short', Buffer.alloc(16, 1).toString('base64')],
      ['a point of small order', Buffer.alloc(32).toString('base64')],
    ])('refuses a key that is %s with 400 BAD_REQUEST', async (_name, publicKey) => {
      const res = await t.request('POST', '/v1/audit/epoch-keys', t.tokens.auditor, JSON.stringify({ publicKey }), 'application/json');
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    });

    it('is refused to every other role', async () => {
      const pair = await generateEncryptionKeyPair();
      const body = JSON.stringify({ publicKey: Buffer.from(pair.publicKey).toString('base64') });
      expect((await t.request('POST', '/v1/audit/epoch-keys', undefined, body, 'application/json')).status).toBe(401);
      for (const role of ['admin', 'authority', 'operator', 'provider', 'reviewer', 'europol'] as const) {
        expect((await t.request('POST', '/v1/audit/epoch-keys', t.tokens[role], body, 'application/json')).status, role).toBe(403);
      }
    });
  });

  describe('when anyone else asks for what the auditor reads', () => {
    let t: TestCentre;
    beforeAll(() => {
      t = createTestCentre();
    });
    afterAll(() => t.close());

    it.each(['/v1/audit/orders', '/v1/audit/reports'])('refuses %s without a token, and to every other role', async (path) => {
      expect((await t.request('GET', path)).status).toBe(401);
      for (const role of ['admin', 'authority', 'operator', 'provider', 'reviewer', 'europol'] as const) {
        expect((await t.request('GET', path, t.tokens[role])).status, role).toBe(403);
      }
    });
  });
});
