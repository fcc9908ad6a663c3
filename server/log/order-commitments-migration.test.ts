import { chmodSync, cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashLeaf, verifyConsistency } from '../../shared/merkle/index.ts';
import { openMigratedDatabase } from '../../shared/sqlite/open.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { encodeOrderLeaf, endTermsBytes, orderCommitment, registrationTermsBytes } from '../../shared/wire/order-commitment.ts';
import { databasePath, openCentre, type Centre } from '../centre.ts';
import { MIGRATIONS } from '../store/migrations.ts';

const FIXTURE = join(import.meta.dirname, '../testing/fixtures/centre-schema-2');
/** Inside the fixture's signing-key validity (it was written at 2026-11-01T00:00Z). */
const NOW = Date.UTC(2026, 10, 2);
const REGISTERED = NOW - 3_600_000;
/** The schema before order commitments and the auditor role. */
const BEFORE_COMMITMENTS = MIGRATIONS.findIndex((sql) => sql.includes('CREATE TABLE order_commitments'));

describe('order commitments for a data folder from before them', () => {
  const dirs = tempDirs();
  const opened: Centre[] = [];
  let dataDir: string;

  beforeEach(() => {
    dataDir = dirs.make('hf-order-commit-');
    cpSync(FIXTURE, dataDir, { recursive: true });
    // A checkout does not keep file modes; the Centre refuses private keys readable by others.
    for (const name of readdirSync(join(dataDir, 'keys'))) chmodSync(join(dataDir, 'keys', name), 0o600);
    // The folder as the last Centre before commitments left it: two orders, the second ended early with a reason.
    const old = openMigratedDatabase(databasePath(dataDir), MIGRATIONS.slice(0, BEFORE_COMMITMENTS), 'Centre database');
    try {
      const provider = old.prepare<[], { id: number }>("SELECT id FROM accounts WHERE name = 'example-host'").get()?.id;
      const insert = old.prepare(
        `INSERT INTO orders (order_id, provider_id, issuing_authority, legal_reference, surfaces, targets, not_before, not_after, created_at, created_by, member_state)
         VALUES (?, ?, 'Amtsgericht München', 'Az. 12 Gs 345/26', '["public-posts"]', ?, ?, ?, ?, 'centre-op', ?)`,
      );
      insert.run('DE-2026-0001', provider, JSON.stringify({ users: ['u-1'], groups: [], channels: [] }), REGISTERED, NOW + 86_400_000, REGISTERED, 'DE');
      insert.run('DE-2026-0002', provider, JSON.stringify({ users: [], groups: ['g-1'], channels: [] }), REGISTERED, NOW + 86_400_000, REGISTERED + 1, null);
      old.prepare("UPDATE orders SET ended_at = ?, ended_by = 'centre-op' WHERE order_id = 'DE-2026-0002'").run(REGISTERED + 2);
      old.prepare("INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, 'centre-op', 'order.end', 'order:DE-2026-0002', ?)").run(
        REGISTERED + 2,
        JSON.stringify({ provider: 'example-host', reason: 'court revoked it' }),
      );
    } finally {
      old.close();
    }
  });
  afterEach(() => {
    for (const centre of opened.splice(0)) centre.close();
    dirs.removeAll();
  });
  const open = (now: number): Centre => {
    const centre = openCentre(dataDir, now, {});
    opened.push(centre);
    return centre;
  };

  describe('when it is opened', () => {
    it('appends each order its registration and each early end its end, logged at opening, and seals the log afresh', () => {
      const before = openMigratedDatabase(databasePath(dataDir), MIGRATIONS.slice(0, BEFORE_COMMITMENTS), 'Centre database');
      const oldHead = before.prepare<[], { size: number; root: Buffer }>('SELECT size, root FROM checkpoints ORDER BY size DESC LIMIT 1').get();
      before.close();
      if (oldHead === undefined) throw new Error('the fixture has no checkpoint');

      const centre = open(NOW);
      const leaves = centre.log.leaves(0, 1000);
      const orderLeaves = leaves.filter((leaf) => leaf.kind === 'order' || leaf.kind === 'order-end');
      expect(orderLeaves.map((leaf) => [leaf.kind, leaf.version, leaf.appendedAt])).toEqual([
        ['order', 1, NOW],
        ['order', 2, NOW],
        ['order-end', 2, NOW],
      ]);
      // Every leaf from before is kept where it was: the new log extends the old one.
      const size = centre.log.size();
      verifyConsistency({ size1: oldHead.size, size2: size, root1: new Uint8Array(oldHead.root), root2: centre.log.rootHash(size), proof: centre.log.consistencyProof(oldHead.size, size) });
      expect(centre.log.latestCheckpoint()?.size).toBe(size);

      const first = centre.orders.get('DE-2026-0001');
      const second = centre.orders.get('DE-2026-0002');
      if (first === undefined || second === undefined) throw new Error('an order vanished');
      const leafOf = (index: number) => leaves.find((leaf) => leaf.index === index);
      const registered = centre.orderCommitments.of(first.number).register;
      if (registered === undefined) throw new Error('no registration commitment');
      expect(registered.committedAt).toBeGreaterThan(first.createdAt);
      const commitment = orderCommitment(registered.salt, registrationTermsBytes(first));
      expect(Buffer.from(leafOf(registered.logIndex)?.leafHash ?? [])).toEqual(Buffer.from(hashLeaf(encodeOrderLeaf({ kind: 'order', orderNumber: first.number, committedAt: NOW, commitment }))));

      const ended = centre.orderCommitments.of(second.number).end;
      if (ended === undefined) throw new Error('no end commitment');
      expect(ended.endReason).toBe('court revoked it');
      expect(Buffer.from(ended.commitment)).toEqual(Buffer.from(orderCommitment(ended.salt, endTermsBytes({ orderId: 'DE-2026-0002', endedAt: REGISTERED + 2, reason: 'court revoked it' }))));
      expect(centre.db.prepare("SELECT actor, detail FROM audit WHERE action = 'order.commit'").all()).toEqual([
        { actor: 'migration', detail: JSON.stringify({ appended: 3, reason: 'orders registered before order commitments' }) },
      ]);
    });

    it('appends them once: opening again changes nothing', () => {
      const size = open(NOW).log.size();
      opened.pop()?.close();
      expect(open(NOW + 60_000).log.size()).toBe(size);
    });

    it('keeps every account, and takes an auditor account', () => {
      const centre = open(NOW);
      expect(centre.accounts.byName('example-host')?.role).toBe('provider');
      expect(centre.write(() => centre.accounts.ensure('auditor-1', 'auditor', NOW, null).account.role)).toBe('auditor');
      expect(centre.db.pragma('foreign_key_check')).toEqual([]);
    });
  });
});
