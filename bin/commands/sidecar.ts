import { listenLocal } from '../../client/sidecar/listen.ts';
import { loadSidecarConfig } from '../../client/sidecar/config.ts';
import { createSidecar } from '../../client/sidecar/sidecar.ts';
import { defineCommand, UsageError, type CommandIo } from '../command.ts';
import { untilStopSignal } from '../stop-signal.ts';

const USAGE = `usage: hashfeed sidecar --config FILE [--once]

Runs the provider sidecar: verified sync into the local replica, the local
matching API (POST /v1/scan, /v1/match and their /batch forms), /healthz and
/metrics. Every config key can be overridden by HASHFEED_<KEY> (e.g.
HASHFEED_PROVIDER_TOKEN). --once syncs once, delivers queued reports and exits.
`;

const command = defineCommand({
  name: 'hashfeed sidecar',
  usage: USAGE,
  options: { config: { type: 'string' }, once: { type: 'boolean', default: false } },
  run: async (values) => {
    if (values.config === undefined) throw new UsageError('USAGE', '--config is required');
    return serve(values.config, values.once);
  },
});

export const run = (argv: string[], io?: CommandIo): Promise<number> => command.run(argv, io);

async function serve(configFile: string, once: boolean): Promise<number> {
  const sidecar = await createSidecar({ config: loadSidecarConfig(configFile) });
  if (once) {
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
