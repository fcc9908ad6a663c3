import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from './store/accounts.ts';
import { createTestCentre, type TestCentre } from './testing/test-centre.ts';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** A value for each path parameter, so that a documented path can be requested. */
const SAMPLE_PARAMS: Readonly<Record<string, string>> = {
  // No such token, batch or indicator: a token revoked by id would be the admin's own.
  id: '999',
  name: 'admin',
  version: '1',
  size: '1',
  from: '1',
  to: '1',
  kind: 'delta',
  keyId: '0123abcd',
  orderId: 'DE-1',
};
const REPORT_ID = '00000000-0000-4000-8000-000000000000';

type Operation = { readonly method: string; readonly path: string; readonly roles: readonly Role[] | undefined; readonly security: unknown };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every operation of the document, with the roles it names. */
function operationsOf(document: unknown): Operation[] {
  if (!isRecord(document) || !isRecord(document.paths)) throw new Error('the document has no paths');
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    if (!isRecord(item)) continue;
    for (const method of METHODS) {
      const operation = item[method];
      if (!isRecord(operation)) continue;
      const roles = operation['x-roles'];
      operations.push({
        method: method.toUpperCase(),
        path,
        roles: Array.isArray(roles) ? roles.filter((role): role is Role => ROLES.some((known) => known === role)) : undefined,
        security: operation.security,
      });
    }
  }
  return operations;
}

/** The documented path with sample values for its parameters (a report id where the path is about reports). */
function concrete(path: string): string {
  return path.replace(/\{([^}]+)\}/g, (_match, name: string) => (name === 'id' && path.includes('/reports/') ? REPORT_ID : (SAMPLE_PARAMS[name] ?? 'x')));
}

describe('the OpenAPI document', () => {
  let t: TestCentre;
  let document: unknown;
  beforeAll(async () => {
    t = createTestCentre();
    const res = await t.request('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    document = await res.json();
  });
  afterAll(() => t.close());

  describe('when fetched without a token', () => {
    it('is a valid OpenAPI 3.1 document', async () => {
      expect(document).toMatchObject({ openapi: '3.1.0', components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } });
      // The validator dereferences what it is given: it gets a copy.
      const result = await validate(structuredClone(document) as Parameters<typeof validate>[0]);
      expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    });
  });

  describe('when its schemas state patterns', () => {
    it('gives each as a bare regular expression that compiles with the u flag, without /.../flags around it', () => {
      const patterns: string[] = [];
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(walk);
        else if (isRecord(value)) {
          for (const [key, inner] of Object.entries(value)) {
            if (key === 'pattern' && typeof inner === 'string') patterns.push(inner);
            else walk(inner);
          }
        }
      };
      walk(document);
      expect(patterns.length).toBeGreaterThan(10);
      for (const pattern of patterns) {
        expect(() => new RegExp(pattern, 'u')).not.toThrow();
        expect(pattern).not.toMatch(/\/[dgimsuvy]+$/);
      }
    });
  });

  describe('when set beside the routes the app serves', () => {
    it('describes every registered API route (the console aside), and no route that is not registered', () => {
      const served = new Set(
        t.app.routes
          // Middleware registered with use() (ALL) is no route; a route's guard and handler are two entries of one route.
          .filter((route) => route.method !== 'ALL')
          // The console's pages are for people, not part of the API (docs/CONSOLE.md).
          .filter((route) => route.path !== '/console' && !route.path.startsWith('/console/'))
          .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`),
      );
      const documented = new Set(operationsOf(document).map((operation) => `${operation.method} ${operation.path}`));
      expect(served.size).toBeGreaterThan(40);
      expect([...served].filter((route) => !documented.has(route))).toEqual([]);
      expect([...documented].filter((route) => !served.has(route))).toEqual([]);
    });
  });

  describe('when a documented route is called with each role', () => {
    it('admits exactly the roles its x-roles name, and public routes without a token', async () => {
      const mismatches: string[] = [];
      for (const operation of operationsOf(document)) {
        const path = concrete(operation.path);
        const send = (token?: string): Promise<Response> =>
          operation.method === 'GET' ? t.request('GET', path, token) : t.request(operation.method, path, token, '{}', 'application/json');
        if (operation.roles === undefined) {
          expect(operation.security, `${operation.method} ${operation.path}`).toEqual([]);
          const status = (await send()).status;
          if (status === 401 || status === 403) mismatches.push(`${operation.method} ${operation.path}: public, yet ${status}`);
          continue;
        }
        expect(operation.security, `${operation.method} ${operation.path}`).toEqual([{ bearer: [] }]);
        if ((await send()).status !== 401) mismatches.push(`${operation.method} ${operation.path}: no 401 without a token`);
        for (const role of ROLES) {
          const refused = (await send(t.tokens[role])).status === 403;
          if (refused === operation.roles.includes(role)) mismatches.push(`${operation.method} ${operation.path}: ${role} ${refused ? 'refused' : 'admitted'}`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  });
});
