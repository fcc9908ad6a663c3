/**
 * The Centre `npm run load:centre` loads: a real `hashfeed centre serve`
 * process on loopback, with a published feed of realistic shape (a snapshot
 * of thousands of synthetic indicators, enough versions for a sidecar 10
 * behind to fetch real deltas) and provider accounts set up as a sidecar
 * sets itself up: a token, a detection order, an approved report key and a
 * registered encryption key (so the feed is sealed and the access list
 * carries its key wraps). Then the static export a mirror serves.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { encodeEnvelope, generateSigningKey, signEnvelope, type SigningKey } from '../../shared/crypto/index.ts';
import { encodeEncryptionKeyRegistration, ENCRYPTION_KEM, ENCRYPTION_KEY_PAYLOAD_TYPE, generateEncryptionKeyPair } from '../../shared/seal/index.ts';
import { decodeRootList } from '../../shared/wire/delta-chain.ts';
import { hashfeed, serveCentreProcess } from '../centre-process.ts';
import type { FeedShape } from './mix.ts';

export interface SetupOptions {
  readonly dataDir: string;
  /** Indicators in the first version (the bulk of the snapshot). */
  readonly indicators: number;
  /** Versions published in all (at least behindVersions + 1). */
  readonly versions: number;
  /** Indicators added by each later version. */
  readonly indicatorsPerVersion: number;
  readonly providers: number;
  readonly behindVersions: number;
}

export interface Provider {
  readonly name: string;
  readonly token: string;
  readonly orderId: string;
  readonly reportKey: SigningKey;
}

export interface LoadedCentre {
  readonly url: string;
  readonly server: ChildProcess;
  readonly operatorToken: string;
  readonly providers: readonly Provider[];
  readonly feed: FeedShape;
  /** Ids of indicators in the feed, for reports to cite. */
  readonly indicatorIds: readonly number[];
  /** The subject every order targets and the surface it lists. */
  readonly subject: string;
  readonly surface: string;
}

/**
 * Per-token and per-address limits lifted for the run: every simulated
 * sidecar shares 127.0.0.1, so the per-address limit on the public log
 * routes (default 20/s) would refuse what 1,000 addresses would not. The
 * run reports each token's rate against the default instead.
 */
export const LOAD_RATE_LIMIT = { burst: 1_000_000, perSecond: 1_000_000 };

const field = (value: unknown, name: string): unknown => (typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined);

export async function setUpCentre(options: SetupOptions): Promise<LoadedCentre> {
  const { dataDir } = options;
  if (options.versions < options.behindVersions + 1) throw new Error(`at least ${options.behindVersions + 1} versions are needed for a sidecar ${options.behindVersions} behind`);
  const init = hashfeed('centre', 'init', '--data', dataDir);
  const adminToken = String(init.adminToken);
  const configFile = join(dataDir, 'centre.json');
  const config: unknown = JSON.parse(readFileSync(configFile, 'utf8'));
  writeFileSync(configFile, JSON.stringify({ ...(typeof config === 'object' ? config : {}), rateLimit: LOAD_RATE_LIMIT }, null, 2));

  const { url, server } = await serveCentreProcess(dataDir);
  try {
    const call = async (method: string, path: string, bearer: string, body?: unknown, type = 'application/json'): Promise<unknown> => {
      const payload = body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body);
      const res = await fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${bearer}`, ...(payload === undefined ? {} : { 'content-type': type }) }, body: payload });
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      return res.status === 204 ? null : JSON.parse(await res.text());
    };
    const account = async (name: string, role: string): Promise<string> => {
      await call('POST', '/v1/accounts', adminToken, { name, role, ...(role === 'authority' ? { memberState: 'DE' } : {}) });
      return String(field(await call('POST', `/v1/accounts/${name}/tokens`, adminToken, { label: 'load-centre' }), 'token'));
    };
    const authority = await account('load-authority', 'authority');
    const operator = await account('load-operator', 'operator');

    const subject = 'user:load-subject';
    const surface = 'uploads';
    const now = Date.now();
    const providers: Provider[] = [];
    for (let i = 0; i < options.providers; i++) {
      const name = `load-provider-${i}`;
      const token = await account(name, 'provider');
      const orderId = `LOAD-${i}`;
      await call('POST', '/v1/orders', operator, {
        orderId,
        issuingAuthority: 'DE-BKA',
        legalReference: 'Load run (synthetic, no legal effect)',
        provider: name,
        surfaces: [surface],
        targets: { users: ['load-subject'], groups: [], channels: [] },
        notBefore: now - 60_000,
        notAfter: now + 86_400_000,
        memberState: 'DE',
      });
      const reportKey = generateSigningKey(`${name}-sidecar`);
      await call('POST', '/v1/provider/keys', token, { verifierKey: reportKey.verifier.text });
      await call('POST', `/v1/provider/keys/${reportKey.keyIdHex}/approve`, operator, { provider: name });
      const encryption = await generateEncryptionKeyPair();
      const registration = encodeEncryptionKeyRegistration({ provider: name, kem: ENCRYPTION_KEM, publicKey: encryption.publicKey, createdAt: Date.now() });
      await call('POST', '/v1/provider/encryption-keys', token, encodeEnvelope(signEnvelope(ENCRYPTION_KEY_PAYLOAD_TYPE, registration, [reportKey])), 'application/msgpack');
      providers.push({ name, token, orderId, reportKey });
    }

    // The feed: a bulk first version, then small ones; the log's size after each, for a lagging sidecar's consistency proof.
    const treeSizes = new Map<number, number>();
    let reference = 0;
    const rowsOf = (n: number) => Array.from({ length: n }, () => ({ algorithm: 'pdq', hash: randomBytes(32).toString('hex'), category: reference % 7 === 0 ? 'B2' : 'A1', reference: `LOAD-${reference++}` }));
    const checkpointSize = async (): Promise<number> => {
      const res = await fetch(`${url}/v1/log/checkpoint`);
      const size = Number((await res.text()).split('\n')[1]);
      if (!Number.isSafeInteger(size)) throw new Error('the checkpoint names no tree size');
      return size;
    };
    let latestVersion = 0;
    for (let v = 1; v <= options.versions; v++) {
      const batch = await call('POST', '/v1/indicators', authority, rowsOf(v === 1 ? options.indicators : options.indicatorsPerVersion));
      await call('POST', `/v1/batches/${Number(field(batch, 'batchId'))}/approve`, operator);
      latestVersion = Number(field(await call('POST', '/v1/publish', operator), 'version'));
      treeSizes.set(latestVersion, await checkpointSize());
    }
    const probe = providers[0];
    if (probe === undefined) throw new Error('at least one provider is needed');
    const keysRes = await fetch(`${url}/v1/feed/keys`, { headers: { authorization: `Bearer ${probe.token}` } });
    const rootVersion = decodeRootList(new Uint8Array(await keysRes.arrayBuffer()), 1 << 22).length;
    const feed: FeedShape = {
      latestVersion,
      treeSize: await checkpointSize(),
      rootVersion,
      behindVersions: options.behindVersions,
      behindTreeSize: treeSizes.get(latestVersion - options.behindVersions) ?? 0,
    };
    // A fresh Centre numbers indicators from 1 in the order they were submitted; a report citing another id is refused
    // (REPORT_UNKNOWN_INDICATOR), which the run would count as a failure.
    const indicators = options.indicators + (options.versions - 1) * options.indicatorsPerVersion;
    return { url, server, operatorToken: operator, providers, feed, indicatorIds: Array.from({ length: Math.min(indicators, 1000) }, (_, i) => i + 1), subject, surface };
  } catch (err) {
    server.kill('SIGTERM');
    throw err;
  }
}

/** `hashfeed centre export`: the folder a static mirror serves (ciphertext and public proofs only). */
export function exportMirror(dataDir: string, outDir: string): Record<string, unknown> {
  return hashfeed('centre', 'export', '--data', dataDir, '--out', outDir);
}
