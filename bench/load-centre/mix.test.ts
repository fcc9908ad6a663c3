import { describe, expect, it } from 'vitest';
import { checkMix, DEFAULT_MIX, roundRequests, routeRates, type FeedShape } from './mix.ts';

const FEED: FeedShape = { latestVersion: 12, treeSize: 24, rootVersion: 1, behindVersions: 10, behindTreeSize: 4 };

describe('roundRequests', () => {
  describe('when the sidecar is up to date', () => {
    it('asks for the root chain after its version, the access list, the head and both provider lists', () => {
      expect(roundRequests('upToDate', FEED, 'centre').map((r) => r.path)).toEqual([
        '/v1/feed/keys?since=1',
        '/v1/feed/access',
        '/v1/feed/timestamp',
        '/v1/log/checkpoint',
        '/v1/feed/orders',
        '/v1/feed/decisions?since=0',
      ]);
    });
  });

  describe('when it is 10 versions behind', () => {
    it('takes one delta chain from the Centre and proves each delta in the tree', () => {
      const paths = roundRequests('behind', FEED, 'centre').map((r) => r.path);
      expect(paths).toContain('/v1/feed/deltas?since=2');
      expect(paths).toContain('/v1/log/proof/consistency/4/24');
      expect(paths.filter((p) => p.startsWith('/v1/log/proof/inclusion/delta/'))).toHaveLength(10);
    });

    it('takes one static file per version from a mirror', () => {
      const paths = roundRequests('behind', FEED, 'mirror').map((r) => r.path);
      expect(paths.filter((p) => p.startsWith('/v1/feed/deltas/'))).toEqual(Array.from({ length: 10 }, (_, i) => `/v1/feed/deltas/${i + 3}`));
      expect(paths.filter((p) => p.includes('?'))).toEqual(['/v1/feed/decisions?since=0']);
    });
  });

  describe('when it bootstraps', () => {
    it('takes the snapshot and proves it against the head verified again', () => {
      const requests = roundRequests('bootstrap', FEED, 'centre');
      expect(requests.map((r) => r.path)).toContain('/v1/feed/snapshot?version=12');
      expect(requests.filter((r) => r.path === '/v1/feed/timestamp')).toHaveLength(2);
      expect(requests.map((r) => r.path)).toContain('/v1/log/proof/inclusion/snapshot/12/24');
    });
  });

  describe('from a mirror', () => {
    it('sends only the access list, orders and decisions to the Centre', () => {
      for (const kind of ['upToDate', 'behind', 'bootstrap'] as const) {
        const centre = roundRequests(kind, FEED, 'mirror').filter((r) => r.server === 'centre').map((r) => r.route);
        expect(centre).toEqual(['GET /v1/feed/access', 'GET /v1/feed/orders', 'GET /v1/feed/decisions?since']);
      }
    });
  });
});

describe('routeRates', () => {
  describe('when 1,000 sidecars poll every 60 s', () => {
    it('makes each round-level route one request per sidecar per interval', () => {
      const rates = routeRates(DEFAULT_MIX, FEED, 'centre');
      const rate = (route: string): number => rates.find((r) => r.route === route)?.perSecond ?? Number.NaN;
      // Every round asks for the access list and the orders once: 1,000 / 60 s.
      expect(rate('GET /v1/feed/access')).toBeCloseTo(1000 / 60, 6);
      expect(rate('GET /v1/feed/orders')).toBeCloseTo(1000 / 60, 6);
      // A bootstrapping round verifies the head twice.
      expect(rate('GET /v1/feed/timestamp')).toBeCloseTo((1000 / 60) * (1 + 0.02), 6);
      expect(rate('GET /v1/log/proof/inclusion/delta/{v}/{size}')).toBeCloseTo((80 / 60) * 10, 6);
    });
  });
});

describe('checkMix', () => {
  describe('when the shares do not sum to 1', () => {
    it('throws', () => {
      expect(() => checkMix({ ...DEFAULT_MIX, shares: { upToDate: 0.5, behind: 0.1, bootstrap: 0.1 } })).toThrow('sum to 1');
    });
  });

  it('accepts the default mix', () => {
    expect(() => checkMix(DEFAULT_MIX)).not.toThrow();
  });
});
