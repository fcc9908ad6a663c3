import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { createApp } from '../app.ts';
import { openCentre, type Centre } from '../centre.ts';
import type { CentreConfig } from '../config.ts';
import type { AppEnv } from '../http/auth.ts';
import { initCentre } from '../init.ts';
import type { Role } from '../store/accounts.ts';

export interface TestCentre {
  readonly dataDir: string;
  readonly centre: Centre;
  readonly app: Hono<AppEnv>;
  readonly rootVerifierKey: string;
  readonly tokens: Readonly<Record<Role, string>>;
  readonly clock: { now: number };
  request(method: string, path: string, token?: string, body?: string | Uint8Array<ArrayBuffer>, contentType?: string): Promise<Response>;
  /** Creates an account with a token (e.g. a second authority; an authority's Member State defaults to DE). */
  account(name: string, role: Role, memberState?: string): string;
  /** Closes the Centre and removes its data folder: call it in afterEach/afterAll. */
  close(): void;
}

/** A real Centre on real SQLite files in a temporary folder, driven in process through app.request(). */
export function createTestCentre(overrides: Partial<CentreConfig> = {}, options: { readonly random?: () => number } = {}): TestCentre {
  const dataDir = mkdtempSync(join(tmpdir(), 'hf-centre-'));
  const clock = { now: Date.UTC(2026, 10, 1) };
  const init = initCentre(dataDir, clock.now, { rateLimit: { burst: 10_000, perSecond: 10_000 }, authFailureLimit: { burst: 10_000, perSecond: 10_000 }, ...overrides });
  const centre = openCentre(dataDir, clock.now, {});
  // No QA sample unless a test asks for one: review tests stay deterministic.
  const app = createApp({ centre, clock: () => clock.now, random: options.random ?? (() => 1), onError: (err) => console.error('unexpected', err) });
  const account = (name: string, role: Role, memberState?: string): string =>
    centre.write(() => {
      const state = role === 'authority' ? (memberState ?? 'DE') : null;
      return centre.accounts.issueToken(centre.accounts.ensure(name, role, clock.now, state).account.id, null, clock.now).token;
    });
  const tokens: Record<Role, string> = {
    admin: init.adminToken,
    authority: account('DE-BKA', 'authority', 'DE'),
    operator: account('centre-op', 'operator'),
    provider: account('example-host', 'provider'),
    reviewer: account('reviewer-1', 'reviewer'),
    europol: account('europol', 'europol'),
    auditor: account('auditor-1', 'auditor'),
  };
  return {
    dataDir,
    centre,
    app,
    rootVerifierKey: init.rootVerifierKey,
    tokens,
    clock,
    account,
    close: () => {
      try {
        centre.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    request: async (method, path, token, body, contentType) => {
      const headers: Record<string, string> = {};
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      if (contentType !== undefined) headers['content-type'] = contentType;
      return app.request(path, { method, headers, body: body ?? null });
    },
  };
}
