/**
 * Child process for the order commitment crash test: registers an order
 * through the app and is killed (SIGKILL, no cleanup) from inside the
 * registration's transaction, after the order, its audit entry, its log leaf
 * and its commitment were written and before the log is sealed and the
 * transaction commits.
 */
import { createApp } from '../app.ts';
import { openCentre } from '../centre.ts';

const [dataDir, token, body] = process.argv.slice(2);
if (dataDir === undefined || token === undefined || body === undefined) throw new Error('usage: order-crash-child <dataDir> <operatorToken> <orderJson>');
const centre = openCentre(dataDir, Date.now(), {});
centre.publisher.refreshTimestamp = () => {
  process.stdout.write('inside the transaction\n');
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: killed');
};
const app = createApp({ centre });
const res = await app.request('/v1/orders', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
process.stdout.write(`answered ${res.status}\n`);
