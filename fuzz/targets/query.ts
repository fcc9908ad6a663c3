import fc from 'fast-check';
import { CodedError } from '../../shared/errors.ts';
import { createTestCentre, type TestCentre } from '../../server/testing/test-centre.ts';
import type { Role } from '../../server/store/accounts.ts';
import { defineTarget, type RegisteredTarget } from '../target.ts';

/**
 * Query and path parameters: every GET route of the Centre that takes
 * parameters, requested in process (`app.request()`) on a real Centre with
 * the token of a role it admits, so each value goes through the route's zod
 * schemas (server/http/schemas.ts) and its refusal mapping as a caller's
 * would. The property: an answer below 500, and every 4xx is a coded error
 * body `{ error: { code, message } }`.
 */

/** A 4xx answer with its code: the documented refusal. */
class RouteRefusal extends CodedError<string> {}

interface Parameter {
  readonly name: string;
  readonly in: 'query' | 'path';
  readonly required: boolean;
  readonly schema: { readonly type?: string; readonly enum?: readonly string[]; readonly pattern?: string };
}

interface GetRoute {
  readonly path: string;
  readonly role: Role | undefined;
  readonly parameters: readonly Parameter[];
}

/** The routes, read from the document the Centre serves, so a new route is fuzzed without a line here. */
async function routesOf(centre: TestCentre): Promise<GetRoute[]> {
  const document: unknown = await (await centre.request('GET', '/v1/openapi.json')).json();
  const paths = field(document, 'paths');
  const routes: GetRoute[] = [];
  for (const [path, item] of Object.entries(isRecord(paths) ? paths : {})) {
    const operation = field(item, 'get');
    const parameters = field(operation, 'parameters');
    if (!Array.isArray(parameters) || parameters.length === 0) continue;
    const roles = field(operation, 'x-roles');
    routes.push({ path, role: Array.isArray(roles) && typeof roles[0] === 'string' ? roleNamed(roles[0]) : undefined, parameters: parameters.flatMap(parameterOf) });
  }
  return routes;
}

const ROLE_NAMES: readonly Role[] = ['admin', 'authority', 'operator', 'provider', 'reviewer', 'europol', 'auditor'];
const roleNamed = (name: string): Role | undefined => ROLE_NAMES.find((role) => role === name);
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const field = (value: unknown, name: string): unknown => (isRecord(value) ? value[name] : undefined);

function parameterOf(value: unknown): Parameter[] {
  const name = field(value, 'name');
  const where = field(value, 'in');
  const schema = field(value, 'schema');
  if (typeof name !== 'string' || (where !== 'query' && where !== 'path')) return [];
  const type = field(schema, 'type');
  const values = field(schema, 'enum');
  const pattern = field(schema, 'pattern');
  return [
    {
      name,
      in: where,
      required: field(value, 'required') === true,
      schema: {
        ...(typeof type === 'string' ? { type } : {}),
        ...(Array.isArray(values) ? { enum: values.filter((v): v is string => typeof v === 'string') } : {}),
        ...(typeof pattern === 'string' ? { pattern } : {}),
      },
    },
  ];
}

// Values next to what the schemas take: signs, leading zeros, exponents, past 2^53, whitespace, other scripts, long.
const hostileValue = fc.oneof(
  fc.constantFrom('', '0', '-1', '01', '1e3', '0x10', ' 1', '1 ', '+1', '1.0', 'NaN', 'Infinity', '9007199254740992', '999999999999999', '9999999999999999', '%00', '\u0000', '٣', 'ｱ', 'x'.repeat(5000)),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

function valueFor(parameter: Parameter): fc.Arbitrary<string> {
  const { type, enum: values, pattern } = parameter.schema;
  const likely =
    values !== undefined && values.length > 0
      ? fc.constantFrom(...values)
      : type === 'integer'
        ? fc.oneof(fc.nat().map(String), fc.constantFrom('1', String(Number.MAX_SAFE_INTEGER)))
        : pattern !== undefined
          ? fc.stringMatching(new RegExp(pattern))
          : fc.string({ maxLength: 20 });
  return fc.oneof({ arbitrary: likely, weight: 2 }, { arbitrary: hostileValue, weight: 3 });
}

interface Request {
  readonly url: string;
  readonly role: Role | undefined;
}

function requestsFor(route: GetRoute): fc.Arbitrary<Request> {
  // A missing parameter now and then, required ones included.
  const values = route.parameters.map((parameter) => fc.option(valueFor(parameter), { freq: parameter.required ? 10 : 3 }));
  const extra = fc.array(fc.tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 })), { maxLength: 2 });
  return fc.tuple(fc.tuple(...values), extra).map(([chosen, extras]) => {
    let path = route.path;
    const query = new URLSearchParams();
    route.parameters.forEach((parameter, i) => {
      const value = chosen[i];
      if (parameter.in === 'path') path = path.replace(`{${parameter.name}}`, encodeURIComponent(value ?? 'x'));
      else if (value !== null && value !== undefined) query.append(parameter.name, value);
    });
    for (const [name, value] of extras) query.append(name, value);
    const search = query.toString();
    return { url: search === '' ? path : `${path}?${search}`, role: route.role };
  });
}

let centre: TestCentre | undefined;
// Built by open() from the Centre's document: fast-check asks for values only once runs start.
let routeRequests: fc.Arbitrary<Request> | undefined;

const requests = fc.constant(null).chain(() => {
  if (routeRequests === undefined) throw new Error('the query target runs between open() and close()');
  return routeRequests;
});

async function answer(request: Request): Promise<number> {
  if (centre === undefined) throw new Error('the query target runs between open() and close()');
  const response = await centre.request('GET', request.url, request.role === undefined ? undefined : centre.tokens[request.role]);
  if (response.status < 400) {
    await response.arrayBuffer();
    return response.status;
  }
  const body: unknown = await response.json().catch(() => undefined);
  const code = field(field(body, 'error'), 'code');
  if (response.status < 500 && typeof code === 'string') throw new RouteRefusal(code, `answered ${response.status}`);
  throw new Error(`answered ${response.status} ${typeof code === 'string' ? code : 'without an error code'}`);
}

export const queryParameters = defineTarget({
  name: 'query-params',
  decoder: 'server/http/api-route.ts: every GET route\'s query and path schemas (server/http/schemas.ts)',
  input: requests,
  decode: answer,
  refusals: [RouteRefusal],
  open: async () => {
    // No refill on a frozen clock: the limits are set past any run count, so every request reaches the schemas.
    centre = createTestCentre({ rateLimit: { burst: 1e9, perSecond: 1e6 }, authFailureLimit: { burst: 1e9, perSecond: 1e6 } });
    const routes = await routesOf(centre);
    if (routes.length === 0) throw new Error('the Centre documents no GET route with parameters');
    routeRequests = fc.oneof(...routes.map(requestsFor));
  },
  close: async () => {
    centre?.close();
    centre = undefined;
    routeRequests = undefined;
  },
});

export const QUERY_TARGETS: readonly RegisteredTarget[] = [queryParameters];
