import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../shared/crypto/index.ts';
import { parseSidecarConfig } from './config.ts';
import { createSidecar, type Sidecar } from './sidecar.ts';

const LOCAL_TOKEN = 'local-token-for-metrics-tests';

describe('sidecar /metrics', () => {
  let dataDir: string;
  let sidecar: Sidecar;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hf-sidecar-metrics-'));
    const config = parseSidecarConfig(
      {
        // Never contacted: these tests neither start() nor sync.
        centre: 'http://127.0.0.1:9',
        providerToken: 'hf_unused',
        provider: 'example-host',
        rootKey: generateSigningKey('hashfeed/test/root').verifier.text,
        dataDir: 'data',
        localToken: LOCAL_TOKEN,
        surfaces: [{ id: 'dm', description: 'Direct messages', e2ee: true }],
      },
      dataDir,
    );
    sidecar = await createSidecar({ config, logger: pino({ level: 'silent' }) });
  });
  afterEach(async () => {
    await sidecar.stop({ deadlineMs: 0 });
    rmSync(dataDir, { recursive: true, force: true });
  });

  const scrape = async (): Promise<string> => (await sidecar.app.request('/metrics')).text();
  const refuse = async (): Promise<void> => {
    const res = await sidecar.app.request('/v1/scan?surface=dm&subject=user:a', { method: 'POST', headers: { authorization: `Bearer ${LOCAL_TOKEN}` }, body: new Uint8Array(8) });
    expect(await res.json()).toMatchObject({ refused: { code: 'SURFACE_E2EE' } });
  };

  describe('when scans are refused', () => {
    it('exposes hashfeed_scan_refusals_total as a counter', async () => {
      await refuse();
      const text = await scrape();
      expect(text).toContain('# TYPE hashfeed_scan_refusals_total counter');
      expect(text).toContain('hashfeed_scan_refusals_total{code="SURFACE_E2EE"} 1');
      expect(text).toContain('hashfeed_scan_refusals_total{code="NO_ACTIVE_ORDER"} 0');
    });

    it('counts each refusal once however often it is scraped', async () => {
      await refuse();
      await scrape();
      await refuse();
      await scrape();
      expect(await scrape()).toContain('hashfeed_scan_refusals_total{code="SURFACE_E2EE"} 2');
    });
  });

  describe('when asked for the metric types', () => {
    it('declares totals as counters and levels as gauges', async () => {
      const types = Object.fromEntries([...(await scrape()).matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]]));
      for (const [name, type] of Object.entries(types)) {
        expect([name, type]).toEqual([name, name.endsWith('_total') ? 'counter' : 'gauge']);
      }
      expect(types).toMatchObject({ hashfeed_report_deliveries_total: 'counter', hashfeed_replica_version: 'gauge' });
    });
  });
});
