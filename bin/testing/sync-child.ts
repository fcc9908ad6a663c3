/**
 * Child process for the sidecar crash test: one sync round of a real
 * sidecar, announcing itself first so the parent can SIGKILL it mid-apply.
 */
import pino from 'pino';
import { parseSidecarConfig } from '../../client/sidecar/config.ts';
import { createSidecar } from '../../client/sidecar/sidecar.ts';

const [configJson] = process.argv.slice(2);
if (configJson === undefined) throw new Error('usage: sync-child <config json>');
const value: unknown = JSON.parse(configJson);
const sidecar = await createSidecar({ config: parseSidecarConfig(value, process.cwd()), logger: pino({ level: 'silent' }) });
process.stdout.write('syncing\n');
const outcome = await sidecar.syncOnce();
process.stdout.write(`synced ${outcome.version}\n`);
await sidecar.stop();
