import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serveTestCentre, type ServedTestCentre } from '../testing/loopback-centre.ts';

/** A raw TCP connection to a loopback port: what it has received so far, and when the server closed it. */
function rawConnection(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => text, closed };
}

describe('bodyGuard on a real loopback server', () => {
  let served: ServedTestCentre | undefined;
  afterEach(async () => {
    await served?.stop();
    served = undefined;
  });

  describe('when a client trickles a body past the deadline', () => {
    it('answers 408 BODY_TIMEOUT and closes the connection', async () => {
      // The request timeout as short: the body's deadline still answers first (408, connection closed), not 503.
      served = await serveTestCentre({ bodyTimeoutSeconds: 1, requestTimeoutSeconds: 1 });
      const { socket, received, closed } = rawConnection(served.port);
      socket.write(
        `POST /v1/indicators HTTP/1.1\r\nHost: centre\r\nAuthorization: Bearer ${served.authorityToken}\r\n` +
          'Content-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n{"algorithm":',
      );
      // One byte every 100 ms: the body would take hours to arrive.
      const trickle = setInterval(() => socket.write('"'), 100);
      const startedAt = Date.now();
      try {
        await closed;
      } finally {
        clearInterval(trickle);
        socket.destroy();
      }
      expect(received()).toMatch(/^HTTP\/1\.1 408 /);
      expect(received()).toMatch(/connection: close/i);
      expect(received()).toContain('"code":"BODY_TIMEOUT"');
      expect(Date.now() - startedAt).toBeLessThan(10_000);
    }, 20_000);
  });

  describe('when a GET carries a body that never ends', () => {
    it('answers 413 BODY_TOO_LARGE and closes the connection instead of reading on', async () => {
      served = await serveTestCentre();
      const { socket, received, closed } = rawConnection(served.port);
      socket.write('GET /healthz HTTP/1.1\r\nHost: centre\r\nTransfer-Encoding: chunked\r\n\r\n');
      // Node reads and discards a GET's body for as long as it comes; stop at 256 MiB either way.
      const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x61), Buffer.from('\r\n')]);
      let written = 0;
      await new Promise<void>((resolve) => {
        const pump = (): void => {
          while (!socket.destroyed && written < 256 * 1024 * 1024) {
            written += 0x10000;
            if (!socket.write(chunk)) return void socket.once('drain', pump);
          }
          resolve();
        };
        socket.once('close', () => resolve());
        pump();
      });
      socket.end();
      await closed;
      expect(received()).toMatch(/^HTTP\/1\.1 413 /);
      expect(received()).toMatch(/connection: close/i);
      expect(received()).toContain('"code":"BODY_TOO_LARGE"');
      expect(written).toBeLessThan(256 * 1024 * 1024);
    }, 60_000);
  });
});
