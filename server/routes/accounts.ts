import { Hono } from 'hono';
import { ACCOUNT_NAME_PATTERN, isRole, ROLES, type Role } from '../store/accounts.ts';
import { isMemberState, memberStateProblem } from '../store/member-states.ts';
import type { Centre } from '../centre.ts';
import { ApiError } from '../http/api-error.ts';
import type { AppEnv } from '../http/auth.ts';
import { objectBody, readJson } from '../http/body.ts';
import type { RouteDeps } from './deps.ts';
import { quote } from '../../shared/quote.ts';

/** Admin: accounts and their tokens (mounted at /v1/accounts). */
export function accountRoutes({ centre, clock, guard }: RouteDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const admin = guard('admin');

  app.get('/', admin, (c) => c.json({ accounts: centre.accounts.list() }));

  app.post('/', admin, async (c) => {
    const body = objectBody(await readJson(c), ['name', 'role', 'memberState']);
    const { name, role } = body;
    if (typeof name !== 'string' || !ACCOUNT_NAME_PATTERN.test(name)) throw new ApiError(400, 'BAD_REQUEST', `name must match ${ACCOUNT_NAME_PATTERN}`);
    if (!isRole(role)) throw new ApiError(400, 'BAD_REQUEST', `role must be one of ${ROLES.join(', ')}`);
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

  app.get('/:name/tokens', admin, (c) => c.json({ tokens: centre.accounts.tokensOf(accountNamed(centre, c.req.param('name')).id) }));

  app.post('/:name/tokens', admin, async (c) => {
    const body = objectBody((await readJson(c)) ?? {}, ['label']);
    const label = body.label;
    if (label !== undefined && (typeof label !== 'string' || label.length > 128)) throw new ApiError(400, 'BAD_REQUEST', 'label must be a string of at most 128 characters');
    const account = accountNamed(centre, c.req.param('name'));
    const actor = c.get('principal').account.name;
    const issued = centre.write(() => {
      const result = centre.accounts.issueToken(account.id, label ?? null, clock());
      centre.audit.record(clock(), actor, 'token.create', account.name, { tokenId: result.tokenId });
      return result;
    });
    // The secret is shown once, here; only its hash is stored.
    return c.json({ token: issued.token, tokenId: issued.tokenId, account: account.name, role: account.role }, 201);
  });

  return app;
}

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
