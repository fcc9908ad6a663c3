import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../shared/crypto/index.ts';
import { verifyCheckpoint } from '../../shared/note/index.ts';
import { tempDirs } from '../../shared/testing/temp-dirs.ts';
import { openDatabase } from '../store/database.ts';
import { TransparencyLog } from './transparency-log.ts';

const dirs = tempDirs();

describe('TransparencyLog', () => {
  afterEach(() => dirs.removeAll());

  describe('when the checkpoint key rotates and the log has not grown since', () => {
    it('serves the same checkpoint signed by the new key, and keeps the recorded one', () => {
      const db = openDatabase(join(dirs.make('hf-log-'), 'centre.db'));
      try {
        const log = new TransparencyLog(db, 'eu-centre');
        // Both named after the log origin (docs/PROTOCOL.md 6.2): only the key ID tells them apart.
        const [oldKey, newKey] = [generateSigningKey(log.origin), generateSigningKey(log.origin)];
        const recorded = db.transaction(() => {
          log.append('delta', 1, new Uint8Array([1, 2, 3]), 1_000);
          return log.checkpoint(oldKey, 1_000);
        })();

        const served = log.checkpoint(newKey, 2_000);

        // A checkpoint is a freshness object: once the root revokes or retires the old key, only the new key's signature verifies now.
        expect(verifyCheckpoint(served.note, { origin: log.origin, logKey: newKey.verifier }).checkpoint).toMatchObject({ size: 1, rootHash: recorded.rootHash });
        expect(() => verifyCheckpoint(served.note, { origin: log.origin, logKey: oldKey.verifier })).toThrow();
        expect(log.checkpoint(newKey, 3_000).note).toBe(served.note);
        expect(log.latestCheckpoint()?.note).toBe(recorded.note);
      } finally {
        db.close();
      }
    });
  });
});
