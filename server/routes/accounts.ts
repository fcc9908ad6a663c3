import { z } from '@hono/zod-openapi';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { ACCOUNT_NAME_PATTERN, ROLES, type Role } from '../store/accounts.ts';
import { isMemberState, memberStateProblem } from '../store/member-states.ts';
import type { Centre } from '../centre.ts';
import { ApiError } from '../http/api-error.ts';
import { ApiRouter, defineRoute } from '../http/api-route.ts';
import { badRequest } from '../http/schema-failure.ts';
import type { AppEnv } from '../http/auth.ts';
import { epochMs } from '../http/schemas.ts';
import type { RouteDeps } from './deps.ts';
import { quote } from '../../shared/quote.ts';

const Account = z
  .object({
    id: z.number().int(),
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: epochMs,
    disabledAt: epochMs.nullable(),
    memberState: z.string().nullable().openapi({ description: "An authority's Member State (ISO 3166-1 alpha-2); null for other roles" }),
  })
  .openapi('Account');

const accountName = z.string().regex(ACCOUNT_NAME_PATTERN, { error: `name must match ${ACCOUNT_NAME_PATTERN}` });

/** An unknown or malformed name in the path: 404, as before schemas checked it. */
const noSuchAccount = (): ApiError => new ApiError(404, 'NOT_FOUND', 'no such account');
const NamePath = z.object({ name: accountName });
const LABEL_MESSAGE = 'label must be a string of at most 128 characters';

const LIST = defineRoute({
  method: 'get',
  path: '/',
  summary: 'List accounts',
  access: ['admin'],
  responses: { 200: { description: 'Every account', content: { 'application/json': { schema: z.object({ accounts: z.array(Account) }) } } } },
});

const CREATE = defineRoute({
  method: 'post',
  path: '/',
  summary: 'Create an account',
  description: 'An authority account names its Member State; no other role has one.',
  access: ['admin'],
  body: z.strictObject({
    name: accountName,
    role: z.enum(ROLES, { error: `role must be one of ${ROLES.join(', ')}` }),
    memberState: z.string({ error: 'memberState must be a string' }).openapi({ description: 'ISO 3166-1 alpha-2 code; required for, and only for, role authority', example: 'DE' }).optional(),
  }),
  responses: { 201: { description: 'Created', content: { 'application/json': { schema: z.object({ account: Account }) } } } },
  errors: { 409: ['CONFLICT'] },
});

const TOKENS = defineRoute({
  method: 'get',
  path: '/:name/tokens',
  summary: "List an account's tokens (never their secrets)",
  access: ['admin'],
  params: NamePath,
  refuse: noSuchAccount,
  responses: {
    200: {
      description: 'The tokens',
      content: {
        'application/json': {
          schema: z.object({
            tokens: z.array(z.object({ id: z.number().int(), accountId: z.number().int(), label: z.string().nullable(), createdAt: epochMs, revokedAt: epochMs.nullable() })),
          }),
        },
      },
    },
  },
  errors: { 404: ['NOT_FOUND'] },
});

const ISSUE = defineRoute({
  method: 'post',
  path: '/:name/tokens',
  summary: 'Issue a token; its secret is shown once, here',
  access: ['admin'],
  params: NamePath,
  body: z.strictObject({ label: z.string({ error: LABEL_MESSAGE }).max(128, { error: LABEL_MESSAGE }).optional() }),
  bodyOptional: true,
  refuse: (failure) => (failure.part === 'params' ? noSuchAccount() : badRequest(failure)),
  responses: {
    201: {
      description: 'Issued',
      content: { 'application/json': { schema: z.object({ token: z.string(), tokenId: z.number().int(), account: z.string(), role: z.enum(ROLES) }) } },
    },
  },
  errors: { 400: ['BAD_REQUEST'], 404: ['NOT_FOUND'] },
});

/** Admin: accounts and their tokens (mounted at /v1/accounts). */
export function accountRoutes(deps: RouteDeps): OpenAPIHono<AppEnv> {
  const { centre, clock } = deps;
  const api = new ApiRouter(deps, 'accounts');

  api.handle(LIST, (c) => c.json({ accounts: centre.accounts.list() }));

  api.handle(CREATE, (c, { body }) => {
    const { name, role } = body;
    const memberState = accountMemberState(role, body.memberState);
    const actor = c.get('principal').account.name;
    const account = centre.write(() => {
      if (centre.accounts.byName(name) !== undefined) throw new ApiError(409, 'CONFLICT', `account '${name}' already exists`);
      const created = centre.accounts.ensure(name, role, clock(), memberState).account;
      centre.audit.record(clock(), actor, 'account.create', name, { role, ...(memberState === null ? {} : { memberState }) });
      return created;
    });
    return c.json({ account }, 201);
  });

  api.handle(TOKENS, (c, { params }) => c.json({ tokens: centre.accounts.tokensOf(accountNamed(centre, params.name).id) }));

  api.handle(ISSUE, (c, { params, body }) => {
    const account = accountNamed(centre, params.name);
    const actor = c.get('principal').account.name;
    const issued = centre.write(() => {
      const result = centre.accounts.issueToken(account.id, body.label ?? null, clock());
      centre.audit.record(clock(), actor, 'token.create', account.name, { tokenId: result.tokenId });
      return result;
    });
    // The secret is shown once, here; only its hash is stored.
    return c.json({ token: issued.token, tokenId: issued.tokenId, account: account.name, role: account.role }, 201);
  });

  return api.app;
}

/** The Member State rule ties the field to the role, so it is checked here rather than in the schema. */
function accountMemberState(role: Role, value: unknown): string | null {
  const problem = memberStateProblem(role, value);
  if (problem !== undefined) throw new ApiError(400, 'BAD_REQUEST', `memberState: ${problem}`);
  return isMemberState(value) ? value : null;
}

function accountNamed(centre: Centre, name: string) {
  const account = centre.accounts.byName(name);
  if (account === undefined) throw new ApiError(404, 'NOT_FOUND', `account ${quote(name)} does not exist`);
  return account;
}
