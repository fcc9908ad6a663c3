/**
 * The polling mix of `npm run load:centre`: what one sync round of a sidecar
 * requests (client/sync/syncer.ts, client/sidecar/sidecar.ts), by how far
 * behind it is, and the request rates per route that N sidecars polling
 * every P seconds make. Pure: the driver turns these into autocannon
 * instances.
 */

export type RoundKind = 'upToDate' | 'behind' | 'bootstrap';
export const ROUND_KINDS: readonly RoundKind[] = ['upToDate', 'behind', 'bootstrap'];

/** Where a sidecar fetches feed objects from: the Centre's API, or a static mirror of its export. */
export type FeedMode = 'centre' | 'mirror';

/** Who answers a request: feed objects come from the feed source, provider lists always from the Centre (with the token). */
export type Server = 'feed' | 'centre';

export interface PlannedRequest {
  /** The route, its path parameters and queries as placeholders: the key figures are grouped by. */
  readonly route: string;
  readonly path: string;
  readonly server: Server;
}

/** The published feed a round is planned against. */
export interface FeedShape {
  readonly latestVersion: number;
  /** The log's size at the latest version (the checkpoint's). */
  readonly treeSize: number;
  /** The trusted root version of an up-to-date sidecar. */
  readonly rootVersion: number;
  /** How far a lagging sidecar is behind, and the log's size when it last synced. */
  readonly behindVersions: number;
  readonly behindTreeSize: number;
}

export interface SidecarMix {
  readonly sidecars: number;
  readonly pollSeconds: number;
  /** Shares of sidecars in each state at any round (sum 1). */
  readonly shares: Readonly<Record<RoundKind, number>>;
}

/** The mix: most up to date, some 10 versions behind, a few bootstrapping; the sidecar's default interval (syncIntervalSeconds 60). */
export const DEFAULT_MIX: SidecarMix = { sidecars: 1000, pollSeconds: 60, shares: { upToDate: 0.9, behind: 0.08, bootstrap: 0.02 } };

const get = (route: string, path: string, server: Server): PlannedRequest => ({ route: `GET ${route}`, path, server });

/**
 * One round's requests, in the syncer's order (PROTOCOL 9.3): root update,
 * access list (13.4), timestamp, checkpoint (with a consistency proof when
 * the tree grew), deltas or a snapshot with inclusion proofs; then the order
 * list and the decisions, which always come from the Centre.
 */
export function roundRequests(kind: RoundKind, feed: FeedShape, mode: FeedMode): PlannedRequest[] {
  const { latestVersion: latest, treeSize: size } = feed;
  const onMirror = mode === 'mirror';
  const keys = (since: number): PlannedRequest =>
    onMirror || since === 0 ? get('/v1/feed/keys', '/v1/feed/keys', 'feed') : get('/v1/feed/keys?since', `/v1/feed/keys?since=${since}`, 'feed');
  const head = [get('/v1/feed/timestamp', '/v1/feed/timestamp', 'feed'), get('/v1/log/checkpoint', '/v1/log/checkpoint', 'feed')];
  const access = get('/v1/feed/access', '/v1/feed/access', 'centre');
  const lists = [get('/v1/feed/orders', '/v1/feed/orders', 'centre'), get('/v1/feed/decisions?since', '/v1/feed/decisions?since=0', 'centre')];
  const inclusion = (leaf: 'delta' | 'snapshot', version: number): PlannedRequest =>
    get(`/v1/log/proof/inclusion/${leaf}/{v}/{size}`, `/v1/log/proof/inclusion/${leaf}/${version}/${size}`, 'feed');

  switch (kind) {
    case 'upToDate':
      return [keys(feed.rootVersion), access, ...head, ...lists];
    case 'behind': {
      const from = latest - feed.behindVersions;
      const versions = Array.from({ length: feed.behindVersions }, (_, i) => from + 1 + i);
      const deltas = onMirror ? versions.map((v) => get('/v1/feed/deltas/{v}', `/v1/feed/deltas/${v}`, 'feed')) : [get('/v1/feed/deltas?since', `/v1/feed/deltas?since=${from}`, 'feed')];
      const consistency = get('/v1/log/proof/consistency/{from}/{to}', `/v1/log/proof/consistency/${feed.behindTreeSize}/${size}`, 'feed');
      // The Centre sends the chain in one answer; a mirror one file per version. Each delta's inclusion is proved (syncer.ts).
      return [keys(feed.rootVersion), access, ...head, consistency, ...deltas, ...versions.map((v) => inclusion('delta', v)), ...lists];
    }
    case 'bootstrap': {
      // An empty replica: the whole root chain, and the Centre advises the snapshot when asked for deltas since 0 (a mirror
      // client takes it without asking once it is more than mirrorMaxDeltas behind, as a new sidecar of a long feed is).
      const ask = onMirror ? [] : [get('/v1/feed/deltas?since', '/v1/feed/deltas?since=0', 'feed')];
      const snapshot = onMirror ? get('/v1/feed/snapshot', '/v1/feed/snapshot', 'feed') : get('/v1/feed/snapshot?version', `/v1/feed/snapshot?version=${latest}`, 'feed');
      // After the snapshot the head is verified again, then the snapshot's inclusion in it (syncer.ts #bootstrap).
      return [keys(0), access, ...head, ...ask, snapshot, ...head, inclusion('snapshot', latest), ...lists];
    }
  }
}

/** Sync rounds per second of sidecars of `kind`. */
export function roundsPerSecond(mix: SidecarMix, kind: RoundKind): number {
  return (mix.sidecars * mix.shares[kind]) / mix.pollSeconds;
}

/** The request rate per route (req/s) that the mix makes, and on which server. */
export function routeRates(mix: SidecarMix, feed: FeedShape, mode: FeedMode): { route: string; server: Server; perSecond: number }[] {
  const rates = new Map<string, { route: string; server: Server; perSecond: number }>();
  for (const kind of ROUND_KINDS) {
    const rounds = roundsPerSecond(mix, kind);
    for (const r of roundRequests(kind, feed, mode)) {
      const entry = rates.get(r.route) ?? { route: r.route, server: r.server, perSecond: 0 };
      entry.perSecond += rounds;
      rates.set(r.route, entry);
    }
  }
  return [...rates.values()];
}

/** Checks a mix is usable: a positive count and interval, shares that are non-negative and sum to 1. */
export function checkMix(mix: SidecarMix): void {
  if (!(Number.isInteger(mix.sidecars) && mix.sidecars > 0)) throw new Error('sidecars must be a positive integer');
  if (!(mix.pollSeconds > 0)) throw new Error('the poll interval must be positive');
  const shares = ROUND_KINDS.map((k) => mix.shares[k]);
  if (shares.some((s) => !(s >= 0))) throw new Error('shares must be non-negative');
  if (Math.abs(shares.reduce((a, b) => a + b, 0) - 1) > 1e-9) throw new Error('shares must sum to 1');
}
