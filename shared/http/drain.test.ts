import { Agent, createServer, request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { slowRequest, tryConnect } from '../testing/slow-request.ts';
import { drainable, type Drainable } from './drain.ts';

/** A server that reads the whole body, then answers with its length. */
async function start(): Promise<{ server: Server; drain: Drainable; url: string }> {
  const server = createServer((req, res) => {
    let length = 0;
    req.on('data', (chunk: Buffer) => (length += chunk.length));
    req.on('end', () => res.end(String(length)));
  });
  const drain = drainable(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on a port');
  return { server, drain, url: `http://127.0.0.1:${address.port}` };
}

describe('drainable', () => {
  let running: Drainable | undefined;
  afterEach(async () => {
    await running?.close(0);
  });

  describe('when a request is in flight', () => {
    it('refuses new connections, answers the request and reports a full drain', async () => {
      const { drain, url } = await start();
      running = drain;
      const inFlight = slowRequest(url, '/', {}, 'x'.repeat(1000));
      await inFlight.sent;
      const closing = drain.close(60_000);
      expect(await tryConnect(url)).toBe('ECONNREFUSED');
      inFlight.finish();
      expect(await inFlight.answer).toEqual({ status: 200, body: '1000' });
      expect(await closing).toEqual({ drained: true });
    });
  });

  describe('when a keep-alive connection is idle', () => {
    it('closes it at once instead of waiting for the deadline', async () => {
      const { drain, url } = await start();
      running = drain;
      const agent = new Agent({ keepAlive: true });
      try {
        await new Promise<void>((resolve, reject) => {
          request(url, { agent }, (res) => res.resume().once('end', resolve)).once('error', reject).end();
        });
        expect(await drain.close(60_000)).toEqual({ drained: true });
      } finally {
        agent.destroy();
      }
    });
  });

  describe('when a request outlasts the deadline', () => {
    it('cuts its connection at the deadline', async () => {
      const { drain, url } = await start();
      running = drain;
      const inFlight = slowRequest(url, '/', {}, 'x'.repeat(1000));
      await inFlight.sent;
      expect(await drain.close(20)).toEqual({ drained: false });
      expect(await inFlight.answer).toHaveProperty('error');
    });
  });
});
