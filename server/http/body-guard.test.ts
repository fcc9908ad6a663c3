import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serveTestCentre, type ServedTestCentre } from '../testing/loopback-centre.ts';

describe('bodyGuard on a real loopback server', () => {
  let served: ServedTestCentre | undefined;
  afterEach(async () => {
    await served?.stop();
    served = undefined;
  });

  describe('when a client trickles a body past the deadline', () => {
    it('answers 408 BODY_TIMEOUT and closes the connection', async () => {
      served = await serveTestCentre({ bodyTimeoutSeconds: 1 });
      const socket = connect(served.port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (text: string) => {
        received += text;
      });
      socket.on('error', () => {});
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
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
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(received).toMatch(/connection: close/i);
      expect(received).toContain('"code":"BODY_TIMEOUT"');
      expect(Date.now() - startedAt).toBeLessThan(10_000);
    }, 20_000);
  });
});
