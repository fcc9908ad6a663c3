import { parseArgs } from 'node:util';
import { listenLocal } from '../../client/sidecar/listen.ts';
import { loadSidecarConfig } from '../../client/sidecar/config.ts';
import { createSidecar } from '../../client/sidecar/sidecar.ts';
import { untilStopSignal } from '../stop-signal.ts';

const USAGE = `usage: hashfeed sidecar --config FILE [--once]

Runs the provider sidecar: verified sync into the local replica, the local
matching API (POST /v1/scan, /v1/match and their /batch forms), /healthz and
/metrics. Every config key can be overridden by HASHFEED_<KEY> (e.g.
HASHFEED_PROVIDER_TOKEN). --once syncs once, delivers queued reports and exits.
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, once: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } });
  if (values.help === true || values.config === undefined) {
    process.stdout.write(USAGE);
    return values.help === true ? 0 : 2;
  }
  const sidecar = await createSidecar({ config: loadSidecarConfig(values.config) });
  if (values.once) {
    try {
      const outcome = await sidecar.syncOnce();
      await sidecar.deliverReports();
      process.stdout.write(`${JSON.stringify({ ...outcome, health: sidecar.health() })}\n`);
      return 0;
    } finally {
      await sidecar.stop();
    }
  }
  const server = await listenLocal(sidecar.app, sidecar.config.listen);
  sidecar.start();
  // Scans in flight finish first (they may queue reports), then deliveries; one deadline bounds both.
  const stopped = untilStopSignal(async () => {
    const deadline = Date.now() + sidecar.config.shutdownDeadlineSeconds * 1000;
    await server.close(deadline - Date.now());
    await sidecar.stop({ deadlineMs: deadline - Date.now() });
  });
  process.stdout.write(`${JSON.stringify({ listening: server.address })}\n`);
  await stopped;
  return 0;
}
