import { AccessRing, registerEncryptionKey } from '../../client/access/index.ts';
import type { Db } from '../../client/replica/database.ts';
import type { Sidecar } from '../../client/sidecar/sidecar.ts';
import { fetchAccess } from '../../client/sync/fetch-access.ts';
import type { TrustedStore } from '../../client/sync/trusted-store/index.ts';
import { generateSigningKey } from '../../shared/crypto/index.ts';
import { generateEncryptionKeyPair } from '../../shared/seal/index.ts';
import type { LoopbackCentre } from './loopback-centre.ts';

/**
 * Tests: makes a sidecar able to read the sealed feed as a provider does in
 * production (docs/PROTOCOL.md 13.5): it registers its report key, an
 * operator approves it, then it registers its encryption key signed by it.
 * The Centre must entitle the provider too (an order in force, or
 * `accessPolicy: "account"`, the loopback Centre's default).
 */
export async function entitleSidecar(centre: LoopbackCentre, sidecar: Pick<Sidecar, 'registerKey' | 'registerEncryptionKey'>, provider = 'example-host'): Promise<void> {
  await sidecar.registerKey();
  await centre.approveProviderKeys(provider);
  const registered = await sidecar.registerEncryptionKey();
  if (registered.status !== 'active') throw new Error(`the encryption key is ${registered.status}, not active`);
}

export interface TestFeedAccess {
  /** The epoch keys, held in the replica's database as a sidecar holds them. */
  readonly ring: AccessRing;
  /** A Syncer's `checkAccess` hook over `store` (built with `ring`): fetches the access list from the Centre each round. */
  checkAccess(store: TrustedStore): () => Promise<string | null>;
}

/**
 * Tests that drive a Syncer without a whole sidecar: a fresh report key and
 * encryption key for `provider`, registered and approved at the Centre, and
 * an access ring over the replica's database `db`.
 */
export async function feedAccessFor(centre: LoopbackCentre, db: Db, provider = 'example-host', token = centre.tokens.provider): Promise<TestFeedAccess> {
  const reportKey = generateSigningKey(`hashfeed/test-sidecar`);
  const res = await fetch(`${centre.url}/v1/provider/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ verifierKey: reportKey.verifier.text }),
  });
  if (res.status !== 201 && res.status !== 200) throw new Error(`report key registration: ${res.status}`);
  await centre.approveProviderKeys(provider);
  const pair = await generateEncryptionKeyPair();
  const registered = await registerEncryptionKey({ baseUrl: centre.url, token, fetch, provider, publicKey: pair.publicKey, reportKey, now: Date.now() });
  if (registered.status !== 'active') throw new Error(`the encryption key is ${registered.status}, not active`);
  const ring = new AccessRing(db, { provider, privateKey: pair.privateKey, publicKey: pair.publicKey });
  return {
    ring,
    checkAccess: (store) => async () => {
      await fetchAccess({ baseUrl: centre.url, token, fetch, store, now: Date.now() });
      return ring.noAccessReason();
    },
  };
}
