import { execFileSync } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, generateSigningKey, signEnvelope } from '../../shared/crypto/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { KEY_PURPOSES, trustCustodyRoots, type CustodyRoots, type RootPin } from '../../shared/trust/index.ts';
import { decodeForwardingRecord, encodeForwardingRecord, FORWARDING_RECORD_PAYLOAD_TYPE } from '../../shared/wire/forwarding-record.ts';
import { reviewFixture } from '../../server/testing/review-fixture.ts';
import { createTestCentre, type TestCentre } from '../../server/testing/test-centre.ts';
import { run, verifyReportCommand } from './verify-report.ts';

const JSON_TYPE = 'application/json';
type InboxItem = { id: number; reportId: string; decision: string; report: string; record: string };
type InboxPage = { reports: InboxItem[]; next: number | null };

describe('hashfeed verify-report', () => {
  const dirs = tempDirs();
  let t: TestCentre;
  let dir: string;
  let page: InboxPage;
  let rootsFile: string;
  let rootsBase64: string;

  beforeAll(async () => {
    t = createTestCentre();
    const f = await reviewFixture(t, { memberState: 'DE' });
    for (const subject of ['user:u-1', 'user:u-2']) {
      const id = await f.send({ subject });
      await t.request('GET', '/v1/review/next', t.tokens.reviewer);
      const res = await t.request('POST', `/v1/review/reports/${id}/decision`, t.tokens.reviewer, JSON.stringify({ decision: 'forwarded' }), JSON_TYPE);
      if (res.status !== 200) throw new Error(`decide: ${res.status}`);
    }
    page = (await (await t.request('GET', '/v1/inbox/reports', t.tokens.authority)).json()) as InboxPage;
    const roots = new Uint8Array(await (await t.request('GET', '/v1/feed/keys', t.tokens.provider)).arrayBuffer());
    rootsBase64 = Buffer.from(roots).toString('base64');
    dir = dirs.make('hf-verify-report-');
    rootsFile = join(dir, 'roots.bin');
    writeFileSync(rootsFile, roots);
  });
  afterAll(() => {
    t.close();
    dirs.removeAll();
  });

  let files = 0;
  const saved = (value: unknown): string => {
    const path = join(dir, `item-${files++}.json`);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
  const verify = async (argv: string[]): Promise<{ status: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const status = await run(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
    return { status, out, err };
  };
  const item = (i = 0): InboxItem => page.reports[i] ?? { id: 0, reportId: '', decision: '', report: '', record: '' };
  const pinned = (): string[] => ['--root-key', t.rootVerifierKey, '--roots', rootsFile];

  describe('when the inbox output is verified as served', () => {
    it('verifies a whole page, each item with its provider, key, recipients and the forwarding key', async () => {
      const { status, out } = await verify([saved(page), ...pinned(), '--json']);
      expect(status).toBe(0);
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatchObject({ ok: true, reportId: item(0).reportId, decision: 'forwarded', provider: 'example-host', recipients: ['DE-BKA', 'europol'], rootVersion: 1 });
    });

    it('verifies one item that carries its roots, with no --roots', async () => {
      const { status, out } = await verify([saved({ ...item(1), roots: rootsBase64 }), '--root-key', t.rootVerifierKey]);
      expect(status).toBe(0);
      expect(out).toContain(`verified ${item(1).reportId}: forwarded`);
    });
  });

  describe('when a saved page holds several items', () => {
    const counting = () => {
      const walks = { count: 0 };
      const command = verifyReportCommand({
        trustRoots: (pin: RootPin, roots: readonly Uint8Array[]): CustodyRoots => {
          walks.count++;
          return trustCustodyRoots(pin, roots);
        },
      });
      const verifyCounting = async (argv: string[]): Promise<{ status: number; out: string }> => {
        let out = '';
        const status = await command.run(argv, { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => true } });
        return { status, out };
      };
      return { walks, verifyCounting };
    };

    it('walks the root chain once for the file and verifies every item under it', async () => {
      const { walks, verifyCounting } = counting();
      const { status, out } = await verifyCounting([saved({ ...page, reports: [item(0), item(1), item(0)] }), ...pinned(), '--json']);
      expect(status).toBe(0);
      expect(out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
        { ok: true, reportId: item(0).reportId, rootVersion: 1 },
        { ok: true, reportId: item(1).reportId, rootVersion: 1 },
        { ok: true, reportId: item(0).reportId, rootVersion: 1 },
      ]);
      expect(walks.count).toBe(1);
    });

    it('fails every item with CUSTODY_ROOT_UNTRUSTED, from one walk, when the chain does not reach the pin', async () => {
      const { walks, verifyCounting } = counting();
      const { status, out } = await verifyCounting([saved(page), '--root-key', generateSigningKey('hashfeed/test/root').verifier.text, '--roots', rootsFile, '--json']);
      expect(status).toBe(1);
      expect(out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)).toMatchObject([
        { ok: false, item: item(0).reportId, code: 'CUSTODY_ROOT_UNTRUSTED' },
        { ok: false, item: item(1).reportId, code: 'CUSTODY_ROOT_UNTRUSTED' },
      ]);
      expect(walks.count).toBe(1);
    });
  });

  describe('when something was tampered with', () => {
    const flipLast = (base64: string): string => {
      const bytes = Buffer.from(base64, 'base64');
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
      return bytes.toString('base64');
    };
    const resigned = (): string => {
      const record = decodeEnvelope(Buffer.from(item(0).record, 'base64'));
      return Buffer.from(encodeEnvelope(signEnvelope(FORWARDING_RECORD_PAYLOAD_TYPE, record.payload, [generateSigningKey('hashfeed/test/forwarding')]))).toString('base64');
    };
    it.each<[string, () => unknown, string[] | undefined, string]>([
      ['another report under the record', () => ({ ...item(0), report: item(1).report }), undefined, 'CUSTODY_REPORT_HASH_MISMATCH'],
      ['a changed byte in the report', () => ({ ...item(0), report: flipLast(item(0).report) }), undefined, 'CUSTODY_REPORT_HASH_MISMATCH'],
      ['a changed byte in the record signature', () => ({ ...item(0), record: flipLast(item(0).record) }), undefined, 'CUSTODY_RECORD_UNTRUSTED'],
      ['a record re-signed by a key the root does not list', () => ({ ...item(0), record: resigned() }), undefined, 'CUSTODY_RECORD_UNTRUSTED'],
      ['an item claiming another decision than its record', () => ({ ...item(0), decision: 'unfounded' }), undefined, 'CUSTODY_BINDING_MISMATCH'],
      ['an item claiming another report than its record', () => ({ ...item(0), reportId: item(1).reportId }), undefined, 'CUSTODY_BINDING_MISMATCH'],
      ['a pin of another root key', () => item(0), ['--root-key', generateSigningKey('hashfeed/test/root').verifier.text, '--roots', ''], 'CUSTODY_ROOT_UNTRUSTED'],
    ])('fails %s with exit 1 and a stable code', async (_name, tamper, pin, code) => {
      const args = pin === undefined ? pinned() : pin.map((a) => (a === '' ? rootsFile : a));
      const { status, out } = await verify([saved(tamper()), ...args, '--json']);
      expect(status).toBe(1);
      expect(JSON.parse(out.trim())).toMatchObject({ ok: false, code });
    });
  });

  describe('when retention purged a report envelope (report: null)', () => {
    it('verifies the other items and the purged one\'s record, and exits 3 with CUSTODY_REPORT_PURGED for it', async () => {
      const { status, out } = await verify([saved({ ...page, reports: [item(0), { ...item(1), report: null, purgedAt: 1 }] }), ...pinned(), '--json']);
      expect(status).toBe(3);
      const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toMatchObject([{ ok: true, reportId: item(0).reportId }, { ok: false, item: item(1).reportId, code: 'CUSTODY_REPORT_PURGED' }]);
    });

    it('still fails a purged item whose record does not verify with exit 1', async () => {
      const record = Buffer.from(item(0).record, 'base64');
      record[record.length - 1] = (record[record.length - 1] ?? 0) ^ 1;
      const { status, out } = await verify([saved({ ...item(0), report: null, record: record.toString('base64') }), ...pinned(), '--json']);
      expect(status).toBe(1);
      expect(JSON.parse(out.trim())).toMatchObject({ ok: false, code: 'CUSTODY_RECORD_UNTRUSTED' });
    });
  });

  describe('when FILE is a pipe that reports no size (/dev/stdin, a FIFO)', () => {
    it('stops reading at the cap instead of trusting stat', async () => {
      const fifo = join(dir, 'keys.fifo');
      execFileSync('mkfifo', [fifo]);
      // 1 MiB of one line, far past the 64 KiB cap on --root-keys-file.
      const writer = createWriteStream(fifo);
      writer.on('error', () => undefined); // EPIPE once the reader stops at the cap
      writer.end(Buffer.alloc(1024 * 1024, 0x61));
      const { status, err } = await verify([saved(page), '--root-keys-file', fifo, '--roots', rootsFile]);
      writer.destroy();
      expect(status).toBe(2);
      expect(err).toContain('larger than 65536 bytes');
    });
  });

  describe('when the command line or the input is wrong', () => {
    it.each<[string, () => string[]]>([
      ['no FILE', () => pinned()],
      ['no pinned key', () => [saved(page), '--roots', rootsFile]],
      ['a threshold above the keys', () => [saved(page), ...pinned(), '--root-threshold', '2']],
      ['a file that does not exist', () => [join(dir, 'absent.json'), ...pinned()]],
      ['a file that is not JSON', () => [saved('not json'), ...pinned()]],
      ['JSON that is no inbox item', () => [saved({ hello: 1 }), ...pinned()]],
      ['roots that are no keys body', () => [saved(page), '--root-key', t.rootVerifierKey, '--roots', saved('{}')]],
      ['no roots at all', () => [saved(item(0)), '--root-key', t.rootVerifierKey]],
    ])('exits 2 for %s', async (_name, argv) => {
      expect((await verify(argv())).status).toBe(2);
    });
  });
});

describe('hashfeed verify-report against a backdated record', () => {
  const dirs = tempDirs();
  afterAll(() => dirs.removeAll());

  describe('when a forwarding key signs a record dated days before the report it names was made', () => {
    it('fails it with CUSTODY_BINDING_MISMATCH: a stolen key, once revoked, cannot decide reports made after the theft', async () => {
      const t = createTestCentre();
      try {
        const keyValidFrom = t.clock.now;
        t.clock.now += 3 * 86_400_000;
        const f = await reviewFixture(t, { memberState: 'DE' });
        const id = await f.send({ subject: 'user:u-9' });
        await t.request('GET', '/v1/review/next', t.tokens.reviewer);
        const decided = await t.request('POST', `/v1/review/reports/${id}/decision`, t.tokens.reviewer, JSON.stringify({ decision: 'forwarded' }), JSON_TYPE);
        expect(decided.status).toBe(200);
        const [served] = ((await (await t.request('GET', '/v1/inbox/reports', t.tokens.authority)).json()) as InboxPage).reports;
        if (served === undefined) throw new Error('no inbox item');
        const record = decodeForwardingRecord(decodeEnvelope(Buffer.from(served.record, 'base64')).payload);
        // Within the forwarding key's window, two days before the report was detected.
        const backdated = { ...record, decidedAt: keyValidFrom + 3_600_000 };
        const signer = t.centre.keyring.signerFor(KEY_PURPOSES.forwarding, t.clock.now);
        const forged = Buffer.from(encodeEnvelope(signEnvelope(FORWARDING_RECORD_PAYLOAD_TYPE, encodeForwardingRecord(backdated), [signer]))).toString('base64');
        const roots = Buffer.from(await (await t.request('GET', '/v1/feed/keys', t.tokens.provider)).arrayBuffer()).toString('base64');
        const path = join(dirs.make('hf-verify-backdated-'), 'item.json');
        writeFileSync(path, JSON.stringify({ ...served, record: forged, roots }));
        let out = '';
        const status = await run([path, '--root-key', t.rootVerifierKey, '--json'], { stdout: { write: (s: string) => (out += s) }, stderr: { write: () => undefined } });
        expect(JSON.parse(out.trim())).toMatchObject({ ok: false, code: 'CUSTODY_BINDING_MISMATCH' });
        expect(status).toBe(1);
      } finally {
        t.close();
      }
    });
  });
});
