import { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import pino from 'pino';
import { drainable } from '../shared/http/drain.ts';
import { createApp } from './app.ts';
import { openCentre, type Centre } from './centre.ts';
import { createCentreMetrics } from './http/metrics.ts';
import { ReportRetention } from './review/retention.ts';
import { WitnessSubmitter } from './log/witness-submitter.ts';

/** How often the Centre looks for reports due for purging (retention counts in months: hourly is punctual enough). */
export const PURGE_INTERVAL_MS = 3_600_000;

export interface ServeOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly host?: string;
  readonly clock?: () => number;
  readonly logger?: pino.Logger;
}

export interface RunningCentre {
  readonly url: string;
  readonly centre: Centre;
  /** Submits each new checkpoint to the configured witnesses, in the background. */
  readonly witnesses: WitnessSubmitter;
  /**
   * Stops listening, lets requests in flight finish (until `deadlineMs`,
   * default the config's shutdownDeadlineSeconds, then cuts them), then
   * closes the database.
   */
  close(options?: { readonly deadlineMs?: number }): Promise<void>;
}

/**
 * Opens the Centre in `dataDir` and serves its API; re-signs the freshness
 * timestamp on the configured schedule so that clients can tell a live
 * Centre from a frozen one, and purges reports past their retention at
 * start and hourly (server/review/retention.ts); gets each new checkpoint
 * cosigned by the configured witnesses (server/log/witness-submitter.ts). Logs carry routes and codes, never tokens or
 * bodies; one access-log line per request (see AccessLogEntry).
 */
export async function serveCentre(options: ServeOptions): Promise<RunningCentre> {
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? pino({ name: 'hashfeed-centre' });
  const centre = openCentre(options.dataDir, clock());
  const app = createApp({
    centre,
    clock,
    onError: (err) => logger.error({ err }, 'unexpected error'),
    clientKey: (c) => getConnInfo(c).remote.address ?? 'unknown',
    metrics: createCentreMetrics({ centre, processMetrics: true }),
    accessLog: (entry) => logger.info(entry, 'request'),
  });
  const refresh = (): void => {
    try {
      centre.publisher.refreshTimestamp(clock());
    } catch (err) {
      logger.error({ err }, 'timestamp refresh failed');
    }
  };
  refresh();
  const timer = setInterval(refresh, centre.config.timestampIntervalSeconds * 1000);
  timer.unref();
  const retention = new ReportRetention(centre);
  const purge = (): void => {
    try {
      const purged = retention.purge('centre', clock());
      if (purged.reports > 0 || purged.checkpointed === false) logger.info(purged, 'reports purged');
    } catch (err) {
      logger.error({ err }, 'report purge failed');
    }
  };
  purge();
  const purgeTimer = setInterval(purge, PURGE_INTERVAL_MS);
  purgeTimer.unref();
  // Publishing never waits for a witness: the submitter follows the log on its own timer.
  const witnesses = new WitnessSubmitter({ centre, clock, logger });
  witnesses.start();
  const server = await new Promise<ServerType>((resolve) => {
    const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host ?? '127.0.0.1' }, () => resolve(server));
  });
  if (!(server instanceof Server)) throw new Error('the Centre serves HTTP/1.1 only');
  const drain = drainable(server);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
  logger.info({ url, feed: centre.config.feed, version: centre.publisher.latestVersion() }, 'centre listening');
  return {
    url,
    centre,
    witnesses,
    close: async (closeOptions) => {
      clearInterval(timer);
      clearInterval(purgeTimer);
      await witnesses.stop();
      const { drained } = await drain.close(closeOptions?.deadlineMs ?? centre.config.shutdownDeadlineSeconds * 1000);
      if (!drained) logger.warn('shutdown deadline reached; connections still open were cut');
      centre.close();
    },
  };
}
