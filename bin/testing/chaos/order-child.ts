/**
 * Child process for the order-list chaos scenario: registers ORDERS
 * detection orders through the Centre's app and ends every other one, as an
 * operator would, skipping what an earlier (killed) run already did; says
 * "ordering" first so that the parent can SIGKILL it at any point.
 */
import { createApp } from '../../../server/app.ts';
import { openCentre } from '../../../server/centre.ts';
import { sampleOrder } from '../../../shared/testing/sample-order.ts';

const [dataDir, token, countText] = process.argv.slice(2);
if (dataDir === undefined || token === undefined || countText === undefined) throw new Error('usage: order-child <dataDir> <operatorToken> <count>');
const centre = openCentre(dataDir, Date.now(), {});
const app = createApp({ centre });
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
process.stdout.write('ordering\n');
for (let i = 0; i < Number(countText); i++) {
  const orderId = `DE-2026-C${String(i).padStart(4, '0')}`;
  const now = Date.now();
  const registered = await app.request('/v1/orders', { method: 'POST', headers, body: JSON.stringify(sampleOrder(now - 60_000, { orderId, notAfter: now + 86_400_000 })) });
  if (registered.status !== 201 && registered.status !== 409) throw new Error(`registering ${orderId}: ${registered.status} ${await registered.text()}`);
  if (i % 2 === 1) {
    const ended = await app.request(`/v1/orders/${orderId}/end`, { method: 'POST', headers, body: JSON.stringify({ reason: 'chaos run' }) });
    if (ended.status !== 200 && ended.status !== 409) throw new Error(`ending ${orderId}: ${ended.status} ${await ended.text()}`);
  }
}
process.stdout.write('ordered\n');
centre.close();
