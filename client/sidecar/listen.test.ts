import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { slowRequest, tryConnect } from '../../shared/testing/slow-request.ts';
import { listenLocal } from './listen.ts';

/** Reads the whole upload before answering, as /v1/scan does. */
function uploadApp(): Hono {
  const app = new Hono();
  app.post('/v1/scan', async (c) => c.json({ bytes: (await c.req.arrayBuffer()).byteLength }));
  return app;
}

describe('listenLocal', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  async function listen(): Promise<Awaited<ReturnType<typeof listenLocal>>> {
    const server = await listenLocal(uploadApp(), '127.0.0.1:0');
    cleanups.push(() => server.close());
    return server;
  }

  describe('when closed with a scan upload in flight', () => {
    it('refuses new connections, lets the scan finish, then closes', async () => {
      const server = await listen();
      const upload = slowRequest(server.address, '/v1/scan', {}, 'x'.repeat(4096));
      await upload.sent;
      const closing = server.close(60_000);
      expect(await tryConnect(server.address)).toBe('ECONNREFUSED');
      upload.finish();
      expect(await upload.answer).toEqual({ status: 200, body: '{"bytes":4096}' });
      await closing;
    });
  });

  describe('when the upload outlasts the deadline', () => {
    it('cuts it at the deadline', async () => {
      const server = await listen();
      const upload = slowRequest(server.address, '/v1/scan', {}, 'x'.repeat(4096));
      await upload.sent;
      await server.close(20);
      expect(await upload.answer).toHaveProperty('error');
    });
  });

  describe('when listening on a unix socket', () => {
    it('closes and removes the socket file', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hf-listen-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      const server = await listenLocal(uploadApp(), join(dir, 'sidecar.sock'));
      expect(server.address).toBe(`unix:${join(dir, 'sidecar.sock')}`);
      await server.close(1000);
      expect(await tryConnect(server.address)).toBe('ENOENT');
    });
  });
});
