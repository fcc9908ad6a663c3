/**
 * A Centre and a provider sidecar, each its own `hashfeed` process on
 * loopback, set up as an operator would: the Centre initialised with
 * accounts, indicators published, an order in force for the sidecar's
 * `uploads` surface (subject `user:bench-user`), the sidecar's report key
 * approved, and the sidecar synced and healthy. Used by the soak and the
 * sidecar load run (benchmarks may not import server/ or client/: they drive
 * the CLI).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createToken, hashfeed } from './centre-process.ts';
import { SoakChild } from './soak/child.ts';

export const STACK_PROVIDER = 'bench-host';
/** The scan query the stack's order covers. */
export const STACK_SCAN_QUERY = 'surface=uploads&subject=user:bench-user';

export interface StackOptions {
  /** A fresh folder for both data directories and the sidecar's config. */
  readonly root: string;
  /** Rows of the first publication (`{algorithm, hash, category, reference}`). */
  readonly rows: readonly unknown[];
  /** The sidecar's sync interval; the Centre's polling hint is lowered to match. */
  readonly syncEverySeconds: number;
  /** How long the order stays in force. */
  readonly orderMinutes: number;
  /** Extra sidecar config (limits, decode budget, ...). */
  readonly sidecarConfig?: Readonly<Record<string, unknown>>;
  /** Every child started is pushed here at once, so the caller can stop it whatever happens next. */
  readonly children: SoakChild[];
  readonly signal?: AbortSignal;
}

export type Api = (method: string, path: string, token: string, body?: unknown) => Promise<{ status: number; json: unknown }>;

export interface SidecarStack {
  readonly centre: SoakChild;
  readonly sidecar: SoakChild;
  /** The Centre's base URL. */
  readonly url: string;
  /** The sidecar's local API base URL. */
  readonly local: string;
  /** The bearer token of the sidecar's local API. */
  readonly localToken: string;
  readonly tokens: { readonly authority: string; readonly operator: string; readonly provider: string; readonly reviewer: string };
  /** The Centre's API with a token; throws on a non-2xx answer. */
  readonly api: Api;
  /** Submits, approves and publishes rows; resolves with the batch id. */
  publishRows(rows: readonly unknown[]): Promise<number>;
  /** Publishes what is approved (a revocation, say); resolves with the version. */
  publish(): Promise<number>;
  /** The feed version of the last publication. */
  lastPublished(): number;
}

/** A field of decoded JSON, or undefined. */
export const field = (value: unknown, name: string): unknown => (typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined);

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

export async function startSidecarStack(options: StackOptions): Promise<SidecarStack> {
  const { root, children, syncEverySeconds } = options;
  const centreDir = join(root, 'centre');
  const sidecarDir = join(root, 'sidecar');
  mkdirSync(sidecarDir, { recursive: true });
  const rootKey = String(hashfeed('centre', 'init', '--data', centreDir).rootVerifierKey);
  // The Centre's polling hint down to the sidecar's own interval: a sync round every few seconds, not every minute.
  const configPath = join(centreDir, 'centre.json');
  const centreConfig: unknown = JSON.parse(readFileSync(configPath, 'utf8'));
  if (typeof centreConfig !== 'object' || centreConfig === null) throw new Error('centre.json is not an object');
  writeFileSync(configPath, JSON.stringify({ ...centreConfig, minimumWaitSeconds: syncEverySeconds }, null, 2));
  const tokens = {
    authority: createToken(centreDir, 'authority', 'DE-BKA'),
    operator: createToken(centreDir, 'operator', 'bench-operator'),
    provider: createToken(centreDir, 'provider', STACK_PROVIDER),
    reviewer: createToken(centreDir, 'reviewer', 'bench-reviewer'),
  };
  const centre = new SoakChild('centre', ['centre', 'serve', '--data', centreDir, '--port', '0'], centreDir);
  children.push(centre);
  const url = await centre.waitForOutput(/\{"url":"([^"]+)"\}/);
  const api: Api = async (method, path, token, body) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`${method} ${path.split('?')[0] ?? ''}: ${res.status} ${(await res.text()).slice(0, 200)}`);
    return { status: res.status, json: res.status === 204 ? null : await res.json() };
  };

  let lastPublished = 0;
  const publish = async (): Promise<number> => {
    lastPublished = Number(field((await api('POST', '/v1/publish', tokens.operator)).json, 'version'));
    return lastPublished;
  };
  const publishRows = async (batch: readonly unknown[]): Promise<number> => {
    const submitted = await api('POST', '/v1/indicators', tokens.authority, batch);
    const batchId = Number(field(submitted.json, 'batchId'));
    await api('POST', `/v1/batches/${batchId}/approve`, tokens.operator);
    await publish();
    return batchId;
  };
  await publishRows(options.rows);
  const now = Date.now();
  await api('POST', '/v1/orders', tokens.operator, {
    orderId: `BENCH-${now}`,
    issuingAuthority: 'DE-BKA',
    legalReference: 'Benchmark run (synthetic, no legal effect)',
    provider: STACK_PROVIDER,
    surfaces: ['uploads'],
    targets: { users: ['bench-user'], groups: [], channels: [] },
    notBefore: now - 1000,
    notAfter: now + (options.orderMinutes + 60) * 60_000,
    memberState: 'DE',
  });

  // The sidecar, a process of its own; its report key is approved as an operator would, then it registers its encryption key and syncs.
  const localToken = randomBytes(24).toString('base64url');
  const configFile = join(root, 'sidecar.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      centre: url,
      providerToken: tokens.provider,
      provider: STACK_PROVIDER,
      rootKey,
      dataDir: sidecarDir,
      listen: '127.0.0.1:0',
      localToken,
      surfaces: [{ id: 'uploads', description: 'Benchmark uploads', e2ee: false }],
      syncIntervalSeconds: syncEverySeconds,
      ...options.sidecarConfig,
    }),
  );
  const sidecar = new SoakChild('sidecar', ['sidecar', '--config', configFile], sidecarDir);
  children.push(sidecar);
  const local = await sidecar.waitForOutput(/\{"listening":"([^"]+)"\}/);
  const ready = Date.now() + 120_000;
  let approved = 0;
  while (approved === 0 && Date.now() < ready && options.signal?.aborted !== true) {
    const pending = field((await api('GET', `/v1/provider/keys?status=pending&provider=${STACK_PROVIDER}`, tokens.operator)).json, 'keys');
    for (const key of Array.isArray(pending) ? pending : []) {
      await api('POST', `/v1/provider/keys/${String(field(key, 'keyId'))}/approve`, tokens.operator, { provider: STACK_PROVIDER, verifierKey: field(key, 'verifierKey') });
      approved++;
    }
    if (approved === 0) await sleep(500);
  }
  let health: unknown = null;
  while (field(health, 'status') !== 'ok' && Date.now() < ready && options.signal?.aborted !== true) {
    await sleep(1000);
    health = await (await fetch(`${local}/healthz`)).json();
  }
  if (field(health, 'status') !== 'ok') throw new Error(`the sidecar did not become healthy: ${JSON.stringify(health)}`);
  return { centre, sidecar, url, local, localToken, tokens, api, publishRows, publish, lastPublished: () => lastPublished };
}
