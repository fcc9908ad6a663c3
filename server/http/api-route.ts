import { OpenAPIHono, type RouteConfig, type z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { Role } from '../store/accounts.ts';
import type { AppEnv } from './auth.ts';
import { readJson } from './body.ts';
import { badRequest, type SchemaFailure } from './schema-failure.ts';
import { ErrorBody } from './schemas.ts';

/**
 * Who may call a route: bearer tokens of these roles (rate limited per
 * token), anyone (rate limited per client), or anyone without a limit (the
 * health probe alone).
 */
export type Access = readonly Role[] | 'public' | 'unlimited';

type Part = z.ZodType | undefined;
type Out<S extends Part> = S extends z.ZodType ? z.output<S> : undefined;

/** A request body the route parses itself (a msgpack envelope, NDJSON or CSV rows): described by media type only. */
export type MediaBodies = Readonly<Record<string, { readonly description: string; readonly schema?: z.ZodType }>>;

type ResponseDoc = RouteConfig['responses'][string];

/**
 * One route: what it accepts, who may call it, what it answers. The same
 * schemas validate each request (ApiRouter.handle) and describe the route
 * in the OpenAPI document, so the two cannot drift apart.
 */
export interface ApiRoute<P extends Part = undefined, Q extends Part = undefined, B extends Part = undefined> {
  readonly method: 'get' | 'post';
  /** Hono form, relative to the module's prefix: `/:id/revoke`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly access: Access;
  readonly params?: P;
  readonly query?: Q;
  /** An application/json body, read through the one bounded reader (readJson) and then checked by this schema. */
  readonly body?: B;
  /** The JSON body may be left out (it then counts as `{}`). */
  readonly bodyOptional?: boolean;
  /** Bodies the handler parses itself, by media type (the body guard still bounds them). */
  readonly media?: MediaBodies;
  /** Success answers by status. */
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  /** The route's own error codes by status; the access, schema, body and server errors are added to the document. */
  readonly errors?: Readonly<Record<number, readonly string[]>>;
  /** The error a schema failure becomes, where the route used another code than 400 BAD_REQUEST before. */
  readonly refuse?: (failure: SchemaFailure) => Error;
}

/** What a handler receives, already checked: the schemas' outputs. */
export interface RouteInput<P extends Part, Q extends Part, B extends Part> {
  readonly params: Out<P>;
  readonly query: Out<Q>;
  readonly body: Out<B>;
}

export type RouteHandler<P extends Part, Q extends Part, B extends Part> = (
  c: Context<AppEnv>,
  input: RouteInput<P, Q, B>,
) => Response | Promise<Response>;

/** The middleware that enforces an Access (createApp's guard and public limiter). */
export interface RouteGates {
  readonly guard: (...roles: Role[]) => MiddlewareHandler<AppEnv>;
  readonly open: MiddlewareHandler;
}

/** Types a route definition (the generic parameters follow from its schemas). */
export function defineRoute<P extends Part = undefined, Q extends Part = undefined, B extends Part = undefined>(route: ApiRoute<P, Q, B>): ApiRoute<P, Q, B> {
  return route;
}

/**
 * A route module's sub-app: each route is added by `handle(definition,
 * handler)`, which registers it with Hono behind its access middleware and
 * its validation, and with the OpenAPI registry. A route added any other way
 * is missing from the document, which server/openapi.test.ts refuses.
 */
export class ApiRouter {
  readonly app: OpenAPIHono<AppEnv>;
  readonly #gates: RouteGates;
  readonly #tag: string;

  /** `tag` groups the module's routes in the document. */
  constructor(gates: RouteGates, tag: string, app: OpenAPIHono<AppEnv> = new OpenAPIHono<AppEnv>()) {
    this.#gates = gates;
    this.#tag = tag;
    this.app = app;
  }

  handle<P extends Part, Q extends Part, B extends Part>(route: ApiRoute<P, Q, B>, handler: RouteHandler<P, Q, B>): this {
    this.app.openAPIRegistry.registerPath(describeRoute(route, this.#tag));
    // Access first, then validation: a caller without a token learns nothing about what the route accepts,
    // and no body is read before the token is checked.
    const answer: MiddlewareHandler<AppEnv> = async (c) => handler(c, await validated(c, route));
    this.app.on(route.method.toUpperCase(), [route.path], ...this.#gatesOf(route.access), answer);
    return this;
  }

  #gatesOf(access: Access): MiddlewareHandler<AppEnv>[] {
    if (access === 'unlimited') return [];
    if (access === 'public') return [this.#gates.open];
    return [this.#gates.guard(...access)];
  }
}

async function validated<P extends Part, Q extends Part, B extends Part>(c: Context<AppEnv>, route: ApiRoute<P, Q, B>): Promise<RouteInput<P, Q, B>> {
  const refuse = route.refuse ?? badRequest;
  const check = <S extends Part>(schema: S, part: SchemaFailure['part'], read: () => unknown): Out<S> => {
    if (schema === undefined) return undefined as Out<S>;
    const input = read();
    const result = schema.safeParse(input);
    if (!result.success) throw refuse({ part, issues: result.error.issues, input });
    return result.data as Out<S>;
  };
  const params = check(route.params, 'params', () => c.req.param());
  const query = check(route.query, 'query', () => c.req.query());
  // Read after the parameters are checked, as the routes did before: a bad id is refused without reading the body.
  const raw = route.body === undefined ? undefined : await readJson(c);
  const body = check(route.body, 'body', () => (raw === undefined && route.bodyOptional === true ? {} : raw));
  // Each part is undefined exactly where the route has no schema for it, as RouteInput says.
  return { params, query, body } as RouteInput<P, Q, B>;
}

/** The Hono path `/:id/x` as OpenAPI writes it: `/{id}/x`. */
function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function describeRoute(route: ApiRoute<Part, Part, Part>, tag: string): RouteConfig {
  const roles = typeof route.access === 'string' ? undefined : route.access;
  const jsonBody = route.body === undefined ? undefined : { 'application/json': { schema: route.body } };
  // A media type object has no description of its own: it goes on the schema.
  const media = Object.entries(route.media ?? {}).map(([type, { description, schema }]) => [
    type,
    { schema: schema === undefined ? { type: 'string', contentMediaType: type, description } : schema.openapi({ description }) },
  ]);
  const content = { ...jsonBody, ...Object.fromEntries(media) };
  return {
    method: route.method,
    path: openApiPath(route.path),
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    tags: [tag],
    ...(roles === undefined ? { security: [] } : { security: [{ bearer: [] }], 'x-roles': roles }),
    'x-rate-limit': route.access === 'unlimited' ? 'none' : roles === undefined ? 'per client' : 'per token',
    request: {
      ...(route.params === undefined ? {} : { params: route.params }),
      ...(route.query === undefined ? {} : { query: route.query }),
      ...(Object.keys(content).length === 0 ? {} : { body: { required: route.media !== undefined || route.bodyOptional !== true, content } }),
    },
    responses: { ...route.responses, ...errorResponses(route, roles) },
  } as RouteConfig;
}

/** Every error the route may answer, by status: its own codes plus those of the layers in front of it. */
function errorResponses(route: ApiRoute<Part, Part, Part>, roles: readonly Role[] | undefined): Record<string, ResponseDoc> {
  const codes = new Map<number, Set<string>>();
  const add = (status: number, ...list: readonly string[]): void => {
    const set = codes.get(status) ?? new Set<string>();
    for (const code of list) set.add(code);
    codes.set(status, set);
  };
  if (roles !== undefined) {
    add(401, 'AUTH_MISSING', 'AUTH_INVALID');
    add(403, 'AUTH_FORBIDDEN');
  }
  if (route.access !== 'unlimited') add(429, 'RATE_LIMITED');
  const hasBody = route.body !== undefined || route.media !== undefined;
  // A schema failure is BAD_REQUEST unless the route says otherwise (its `errors` then name the code); a body that is not JSON always is.
  if (route.body !== undefined || ((route.params !== undefined || route.query !== undefined) && route.refuse === undefined)) add(400, 'BAD_REQUEST');
  if (hasBody) {
    add(408, 'BODY_TIMEOUT');
    add(413, 'BODY_TOO_LARGE');
  }
  for (const [status, list] of Object.entries(route.errors ?? {})) add(Number(status), ...list);
  add(500, 'INTERNAL');
  add(503, 'REQUEST_TIMEOUT');
  return Object.fromEntries(
    [...codes].map(([status, set]) => [
      String(status),
      { description: `Codes: ${[...set].join(', ')}`, content: { 'application/json': { schema: ErrorBody } } },
    ]),
  );
}
