import { createServer, request, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientGoneSignal } from './client-gone.ts';

/** A loopback server's signal for its one request; the client either waits for the answer or hangs up first. */
async function serveOnce(hangUp: boolean): Promise<AbortSignal> {
  let signal: AbortSignal | undefined;
  let outgoing: ServerResponse | undefined;
  let arrive = (): void => {};
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const server = createServer((_incoming, res) => {
    outgoing = res;
    signal = clientGoneSignal({ outgoing: res }, new Request('http://sidecar.local/'));
    arrive();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  try {
    const req = request({ host: '127.0.0.1', port: address.port, method: 'GET', path: '/' });
    const answered = new Promise<void>((resolve) => req.on('response', (res) => res.resume().on('end', resolve)));
    req.on('error', () => {});
    req.end();
    await arrived;
    if (hangUp) {
      req.destroy();
      await new Promise((resolve) => outgoing?.once('close', resolve));
    } else {
      outgoing?.end('ok');
      await answered;
    }
    if (signal === undefined) throw new Error('no signal');
    return signal;
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('the client-gone signal of a request served on a port', () => {
  describe('when the client hangs up before its answer', () => {
    it('is aborted', async () => {
      expect((await serveOnce(true)).aborted).toBe(true);
    });
  });

  describe('when the answer is written', () => {
    it('stays unaborted after the connection closes', async () => {
      expect((await serveOnce(false)).aborted).toBe(false);
    });
  });
});
