import { describe, expect, it } from 'vitest';
import { assertLoopback } from '../load/loopback.ts';
import { runLoadCentre } from './run.ts';

describe('runLoadCentre', () => {
  describe('when run in a tiny configuration', () => {
    // The whole script end to end, so that it cannot rot: a real Centre process, the export, nginx where installed.
    it('loads every phase with zero errors and accounts for every report', { timeout: 90_000 }, async () => {
      const result = await runLoadCentre({
        mix: { sidecars: 60, pollSeconds: 10, shares: { upToDate: 0.8, behind: 0.1, bootstrap: 0.1 } },
        seconds: 2,
        reportsPerSecond: 20,
        providers: 2,
        indicators: 200,
        versions: 11,
        indicatorsPerVersion: 5,
        mirror: true,
      });
      expect(result.failures).toEqual([]);
      expect(result.machine.diskSyncAtStart.p99Ms).toBeGreaterThanOrEqual(result.machine.diskSyncAtStart.p50Ms);
      expect(result.feed).toMatchObject({ latestVersion: 11, behindVersions: 10 });
      const names = result.phases.map((p) => p.name);
      expect(names).toEqual(result.mirrorSkipped === null ? ['centre', 'centre + reports', 'mirror'] : ['centre', 'centre + reports']);
      for (const phase of result.phases) {
        expect(phase.routes.length).toBeGreaterThan(5);
        for (const route of phase.routes) {
          expect(route.requests, `${phase.name} ${route.route}`).toBeGreaterThan(0);
          expect(route.p99Ms).toBeGreaterThanOrEqual(route.p50Ms);
        }
        expect(phase.processes.centre?.rssPeakMb).toBeGreaterThan(0);
        expect(phase.processes.loadGenerator?.cpuSeconds).toBeGreaterThan(0);
      }
      expect(result.reports).toEqual({ sent: 40, accepted: 40, duplicates: 0, held: 40, distinctIds: 40, heldPrepared: 40, heldUnknown: 0 });
      const mirror = result.phases.find((p) => p.name === 'mirror');
      if (mirror !== undefined) {
        // Feed objects came from nginx; the Centre answered the provider lists only.
        expect(mirror.routes.filter((r) => r.server === 'centre').map((r) => r.route)).toEqual(['GET /v1/feed/access', 'GET /v1/feed/decisions?since', 'GET /v1/feed/orders']);
        expect(mirror.processes.nginx?.rssPeakMb).toBeGreaterThan(0);
      }
    });
  });
});

describe('assertLoopback', () => {
  it.each(['http://127.0.0.1:8080', 'http://localhost:1', 'http://[::1]:9'])('lets %s through', (url) => {
    expect(() => assertLoopback(url)).not.toThrow();
  });

  it.each(['http://10.0.0.1:8080', 'https://centre.example'])('refuses %s', (url) => {
    expect(() => assertLoopback(url)).toThrow('loopback only');
  });
});
