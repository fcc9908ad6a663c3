import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { openCentre } from '../../server/centre.ts';
import type { CentreConfig } from '../../server/config.ts';
import { initCentre } from '../../server/init.ts';
import { serveCentre, type RunningCentre } from '../../server/main.ts';
import type { Role } from '../../server/store/accounts.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';

export interface LoopbackCentre {
  readonly dataDir: string;
  readonly url: string;
  readonly rootKey: string;
  /** Every root key init made (one unless `root.keyCount` said more) and their threshold: what a sidecar pins as `rootKeys` and `rootThreshold`. */
  readonly rootKeys: readonly string[];
  readonly rootThreshold: number;
  readonly tokens: Readonly<Record<Role, string>>;
  readonly running: RunningCentre;
  /** Submits, approves and publishes; returns the new version. */
  publish(rows: readonly { algorithm: string; hash: string; category?: string }[]): Promise<number>;
  /** Revokes by hash and publishes the removal. */
  revokeAndPublish(hash: string, reason?: string): Promise<number>;
  /**
   * Approves the provider's pending report keys over the operator API, as an
   * operator would once the provider confirmed them out of band; returns how many.
   */
  approveProviderKeys(provider?: string): Promise<number>;
  stop(): Promise<void>;
  /** Serves the same data folder again (after stop), on `port` if given. */
  restart(port?: number): Promise<LoopbackCentre>;
}

const dataDirs = tempDirs();
const serving = new Set<RunningCentre>();

/**
 * Stops every Centre this test file started that is still serving and
 * removes their data folders (restarts and forks included): call it in
 * afterEach or afterAll, so it also runs when a test fails.
 */
export async function stopLoopbackCentres(): Promise<void> {
  const stopping = [...serving].map((running) => running.close());
  serving.clear();
  try {
    await Promise.all(stopping);
  } finally {
    dataDirs.removeAll();
  }
}

/**
 * A real Centre on a loopback port, in process: real SQLite files, real HTTP.
 * For end-to-end tests, which live in bin/ because only bin/ may import both
 * server/ and client/. `clock` is the serving Centre's clock (a clock fault:
 * its timestamps and order lists carry that time); the keys are made and
 * certified at the real time, before it applies.
 */
export async function startLoopbackCentre(
  overrides: Partial<CentreConfig> = {},
  port = 0,
  existing?: { dataDir: string; rootKey: string; tokens: Record<Role, string>; rootKeys?: readonly string[]; rootThreshold?: number },
  clock?: () => number,
  root: { readonly keyCount?: number; readonly threshold?: number } = {},
): Promise<LoopbackCentre> {
  let dataDir: string;
  let rootKey: string;
  let rootKeys: readonly string[];
  let rootThreshold: number;
  let tokens: Record<Role, string>;
  if (existing === undefined) {
    dataDir = dataDirs.make('hf-e2e-centre-');
    // Policy `account` unless a test says otherwise: tests about sync need not register an order to read the sealed feed.
    const init = initCentre(dataDir, Date.now(), { rateLimit: { burst: 100_000, perSecond: 100_000 }, authFailureLimit: { burst: 100_000, perSecond: 100_000 }, accessPolicy: 'account', ...overrides }, root);
    rootKey = init.rootVerifierKey;
    rootKeys = init.rootVerifierKeys;
    rootThreshold = init.rootThreshold;
    const centre = openCentre(dataDir, Date.now(), {});
    const token = (name: string, role: Role, memberState: string | null = null): string =>
      centre.write(() => centre.accounts.issueToken(centre.accounts.ensure(name, role, Date.now(), memberState).account.id, null, Date.now()).token);
    tokens = {
      admin: init.adminToken,
      authority: token('DE-BKA', 'authority', 'DE'),
      operator: token('centre-op', 'operator'),
      provider: token('example-host', 'provider'),
      reviewer: token('reviewer-1', 'reviewer'),
      auditor: token('auditor-1', 'auditor'),
      europol: token('europol', 'europol'),
    };
    centre.close();
  } else {
    ({ dataDir, rootKey, tokens } = existing);
    rootKeys = existing.rootKeys ?? [rootKey];
    rootThreshold = existing.rootThreshold ?? 1;
  }
  const running = await serveCentre({ dataDir, port, logger: pino({ level: 'silent' }), ...(clock === undefined ? {} : { clock }) });
  serving.add(running);
  const call = async (method: string, path: string, token: string, body?: unknown, ndjson = false): Promise<Record<string, unknown>> => {
    // Rows go as NDJSON, the form for uploads of any size (the JSON form has the 1 MiB JSON cap).
    const encoded = body === undefined ? null : ndjson && Array.isArray(body) ? body.map((row) => JSON.stringify(row)).join('\n') : JSON.stringify(body);
    const send = (): Promise<Response> =>
      fetch(`${running.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json' } : {}) },
        body: encoded,
      });
    // A pooled keep-alive socket may still point at a Centre this test restarted: one retry.
    const res = await send().catch(send);
    const json: unknown = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return typeof json === 'object' && json !== null ? Object.fromEntries(Object.entries(json)) : {};
  };
  const self: LoopbackCentre = {
    dataDir,
    url: running.url,
    rootKey,
    rootKeys,
    rootThreshold,
    tokens,
    running,
    publish: async (rows) => {
      const submitted = await call('POST', '/v1/indicators', tokens.authority, rows.map((r, i) => ({ category: 'A1', reference: `ref-${randomBytes(4).toString('hex')}-${i}`, ...r })), true);
      await call('POST', `/v1/batches/${String(submitted.batchId)}/approve`, tokens.operator);
      return Number((await call('POST', '/v1/publish', tokens.operator)).version);
    },
    revokeAndPublish: async (hash, reason = 'FALSE_POSITIVE') => {
      const list = await call('GET', '/v1/indicators?status=active&limit=1000', tokens.operator);
      const found = Array.isArray(list.indicators) ? list.indicators.find((i: unknown) => typeof i === 'object' && i !== null && Reflect.get(i, 'hash') === hash) : undefined;
      if (found === undefined) throw new Error(`no active indicator ${hash}`);
      await call('POST', `/v1/indicators/${String(Reflect.get(found, 'id'))}/revoke`, tokens.authority, { reason });
      return Number((await call('POST', '/v1/publish', tokens.operator)).version);
    },
    approveProviderKeys: async (provider = 'example-host') => {
      const listed = await call('GET', `/v1/provider/keys?status=pending&provider=${provider}`, tokens.operator);
      const keys = Array.isArray(listed.keys) ? listed.keys : [];
      for (const key of keys) await call('POST', `/v1/provider/keys/${String(Reflect.get(key, 'keyId'))}/approve`, tokens.operator, { provider, verifierKey: Reflect.get(key, 'verifierKey') });
      return keys.length;
    },
    stop: () => {
      serving.delete(running);
      return running.close();
    },
    restart: (p) => startLoopbackCentre(overrides, p, { dataDir, rootKey, tokens, rootKeys, rootThreshold }, clock),
  };
  return self;
}
