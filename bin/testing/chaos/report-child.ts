/**
 * Child process for the report-delivery chaos scenario: a real sidecar
 * scans COUNT copies of known content (each scan enqueues a signed report
 * in its durable queue, printed as "queued <id>" once the scan answered)
 * and delivers the queue to the Centre every few scans; says "reporting"
 * first so that the parent can SIGKILL it at any point.
 */
import pino from 'pino';
import { parseSidecarConfig } from '../../../client/sidecar/config.ts';
import { createSidecar } from '../../../client/sidecar/sidecar.ts';

const [configJson, contentHex, countText] = process.argv.slice(2);
if (configJson === undefined || contentHex === undefined || countText === undefined) throw new Error('usage: report-child <config json> <content hex> <count>');
const value: unknown = JSON.parse(configJson);
const sidecar = await createSidecar({ config: parseSidecarConfig(value, process.cwd()), logger: pino({ level: 'silent' }) });
const content = Buffer.from(contentHex, 'hex');
process.stdout.write('reporting\n');
for (let i = 0; i < Number(countText); i++) {
  const result = await sidecar.scan('uploads', 'user:alice', content);
  if (result.reportId === undefined) throw new Error(`scan ${i} made no report: ${JSON.stringify(result.refused ?? null)}`);
  process.stdout.write(`queued ${result.reportId}\n`);
  if (i % 4 === 3) await sidecar.deliverReports();
}
await sidecar.deliverReports();
process.stdout.write('reported\n');
await sidecar.stop();
