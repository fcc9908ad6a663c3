import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditSource, type AuditLimits } from './source.ts';

const LIMITS: AuditLimits = { timeoutMs: 300, objectBytes: 64 * 1024, jsonBytes: 16 * 1024 };
const TOKEN = 'auditor-token';

/** A hostile Centre (or mirror) on loopback: `answer` writes what it likes; every request's headers are kept. */
class HostileServer {
  readonly requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  readonly #server: Server;
  readonly #open = new Set<ServerResponse>();

  constructor(answer: (url: string, res: ServerResponse) => void) {
    this.#server = createServer((req, res) => {
      this.requests.push({ url: req.url ?? '', headers: req.headers });
      this.#open.add(res);
      res.on('close', () => this.#open.delete(res));
      answer(req.url ?? '', res);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address: AddressInfo | string | null = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    for (const res of this.#open) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describe('AuditSource', () => {
  const servers: HostileServer[] = [];
  const serve = async (answer: (url: string, res: ServerResponse) => void): Promise<{ server: HostileServer; url: string }> => {
    const server = new HostileServer(answer);
    servers.push(server);
    return { server, url: await server.listen() };
  };
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  describe('when the Centre sends its headers and then stalls', () => {
    it('gives up with AUDIT_UNREACHABLE once the timeout passes', async () => {
      const { url } = await serve((_url, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"orders": [');
      });
      const source = new AuditSource({ centre: url, token: TOKEN, limits: LIMITS });
      await expect(source.getJson('/v1/audit/orders')).rejects.toMatchObject({ code: 'AUDIT_UNREACHABLE' });
    });
  });

  describe('when an answer is larger than its cap', () => {
    it.each([
      ['declared in content-length', true],
      ['streamed without a length', false],
    ])('refuses it, %s, with AUDIT_MALFORMED_ANSWER', async (_name, declared) => {
      // Valid JSON: only the cap refuses it.
      const body = Buffer.from(JSON.stringify({ leaves: [], pad: 'x'.repeat(LIMITS.jsonBytes) }));
      const { url } = await serve((_url, res) => {
        res.writeHead(200, declared ? { 'content-length': String(body.byteLength) } : {});
        res.end(body);
      });
      const source = new AuditSource({ centre: url, token: TOKEN, limits: LIMITS });
      await expect(source.getJson('/v1/log/leaves')).rejects.toMatchObject({ code: 'AUDIT_MALFORMED_ANSWER' });
    });
  });

  describe('when the Centre redirects elsewhere', () => {
    it('does not follow, so that the auditor token never reaches the other host', async () => {
      const elsewhere = await serve((_url, res) => res.end('{}'));
      const { url } = await serve((_url, res) => {
        res.writeHead(302, { location: `${elsewhere.url}/v1/audit/orders` });
        res.end();
      });
      const source = new AuditSource({ centre: url, token: TOKEN, limits: LIMITS });
      await expect(source.getJson('/v1/audit/orders')).rejects.toMatchObject({ code: 'AUDIT_UNREACHABLE' });
      expect(elsewhere.server.requests).toEqual([]);
    });
  });

  describe('when the feed objects come from a mirror', () => {
    it('sends the mirror no token, and the Centre its token', async () => {
      const mirror = await serve((_url, res) => res.end(Buffer.from([0x80])));
      const centre = await serve((_url, res) => res.end('{}'));
      const source = new AuditSource({ centre: centre.url, mirror: mirror.url, token: TOKEN, limits: LIMITS });
      await source.feedObject('/v1/feed/deltas/1');
      await source.getJson('/v1/audit/orders');
      expect(mirror.server.requests.map((r) => r.headers.authorization)).toEqual([undefined]);
      expect(centre.server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TOKEN}`]);
    });
  });
});
