/**
 * The replica database's schema, one migration per entry, applied in order;
 * never edit a committed entry, append a new one.
 *
 * 1. The feed replica: indicators and the trusted state (version, digest,
 *    last verified checkpoint and timestamp), one row.
 */
export const REPLICA_MIGRATIONS: readonly string[] = [
  `
CREATE TABLE indicators (
  id INTEGER PRIMARY KEY,
  algorithm TEXT NOT NULL,
  hash BLOB NOT NULL,
  category TEXT NOT NULL
) STRICT;

CREATE TABLE trusted_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  feed TEXT,
  version INTEGER NOT NULL,
  state_digest BLOB,
  checkpoint_size INTEGER,
  checkpoint_root BLOB,
  checkpoint_note TEXT,
  timestamp_version INTEGER,
  timestamp_issued_at INTEGER,
  timestamp_expires INTEGER,
  last_success_at INTEGER
) STRICT;
INSERT INTO trusted_state (id, version) VALUES (1, 0);
`,
  // 2. Safeguards and reports (client/policy, client/report; docs/SAFEGUARDS.md):
  //    the last verified order list (one row, kept with its envelope), and the
  //    durable queue of signed reports. A delivered report keeps only its id
  //    and times: the Centre holds the evidence, the provider needs no copy.
  `
CREATE TABLE order_list (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  provider TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  envelope BLOB NOT NULL,
  payload BLOB NOT NULL,
  accepted_at INTEGER NOT NULL
) STRICT;

CREATE TABLE report_queue (
  report_id TEXT PRIMARY KEY,
  envelope BLOB,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  queued_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  delivered_at INTEGER,
  failed_at INTEGER,
  CHECK (state = 'delivered' OR envelope IS NOT NULL)
) STRICT;
CREATE INDEX report_queue_due ON report_queue(state, next_attempt_at);
`,
  // 3. Indicators by algorithm, so that start-up can read every non-PDQ row without scanning the PDQ ones
  //    (the PDQ index loads from its own file beside the replica).
  `
CREATE INDEX indicators_by_algorithm ON indicators(algorithm, id);
`,
  // 4. Incremental state digest (docs/PROTOCOL.md 8.4): the LtHash16 accumulator of the
  //    indicators, kept beside them (NULL in a replica written before: computed once, on the
  //    next delta). Any write to indicators that the replica did not make itself (damage, a
  //    hand edit) is journalled by these triggers and folded into the accumulator before the
  //    next delta is checked, so a damaged replica still fails the signed digest. The replica
  //    pauses the journal around its own writes, which it accounts for directly.
  `
ALTER TABLE trusted_state ADD COLUMN state_accumulator BLOB CHECK (state_accumulator IS NULL OR length(state_accumulator) = 2048);
ALTER TABLE trusted_state ADD COLUMN journal_paused INTEGER NOT NULL DEFAULT 0 CHECK (journal_paused IN (0, 1));
CREATE TABLE indicator_journal (
  seq INTEGER PRIMARY KEY,
  sign INTEGER NOT NULL CHECK (sign IN (-1, 1)),
  id INTEGER NOT NULL,
  algorithm TEXT NOT NULL,
  hash BLOB NOT NULL,
  category TEXT NOT NULL
) STRICT;
CREATE TRIGGER indicators_journal_insert AFTER INSERT ON indicators
WHEN (SELECT journal_paused FROM trusted_state WHERE id = 1) = 0
BEGIN INSERT INTO indicator_journal (sign, id, algorithm, hash, category) VALUES (1, NEW.id, NEW.algorithm, NEW.hash, NEW.category); END;
CREATE TRIGGER indicators_journal_delete AFTER DELETE ON indicators
WHEN (SELECT journal_paused FROM trusted_state WHERE id = 1) = 0
BEGIN INSERT INTO indicator_journal (sign, id, algorithm, hash, category) VALUES (-1, OLD.id, OLD.algorithm, OLD.hash, OLD.category); END;
CREATE TRIGGER indicators_journal_update AFTER UPDATE ON indicators
WHEN (SELECT journal_paused FROM trusted_state WHERE id = 1) = 0
BEGIN
  INSERT INTO indicator_journal (sign, id, algorithm, hash, category) VALUES (-1, OLD.id, OLD.algorithm, OLD.hash, OLD.category);
  INSERT INTO indicator_journal (sign, id, algorithm, hash, category) VALUES (1, NEW.id, NEW.algorithm, NEW.hash, NEW.category);
END;
`,
  // 5. The root of trust (docs/PROTOCOL.md 4.3, 9.3 step 1): the trusted root document as signed,
  //    its version, and the pin it was anchored from (a changed pin re-anchors; a replica written
  //    before has none and anchors from the pin on its next round). `snapshot_required` is set when
  //    a new root revokes a feed key the replica applied objects from after its revocation time:
  //    the next round re-bootstraps. `feed_signers` holds, per feed key, the latest createdAt of
  //    what the replica applied signed by it since its last snapshot.
  `
ALTER TABLE trusted_state ADD COLUMN root_envelope BLOB;
ALTER TABLE trusted_state ADD COLUMN root_version INTEGER;
ALTER TABLE trusted_state ADD COLUMN root_pin TEXT;
ALTER TABLE trusted_state ADD COLUMN snapshot_required TEXT;
CREATE TABLE feed_signers (
  verifier_key TEXT PRIMARY KEY,
  last_created_at INTEGER NOT NULL
) STRICT;
`,
  // 6. Deltas are written in slices that yield to the event loop (Replica.applyDeltaInSlices):
  //    while one is being written, applying_version names it. A replica found with it set
  //    (a crash between slices) holds rows the stored accumulator does not describe: the
  //    accumulator is recomputed from the rows, once, and the next delta then fails its
  //    signed digest or not, as the rows deserve (the syncer re-bootstraps on a mismatch).
  `
ALTER TABLE trusted_state ADD COLUMN applying_version INTEGER;
`,
  // 7. Decisions back to the provider (docs/PROTOCOL.md 12, docs/SIDECAR.md "Decisions"): the held
  //    list's provider, issuedAt and cursor (one row: what no rollback is judged against), the newest
  //    state of each report (updated in place, so \`seq\` orders them for GET /v1/decisions?after=), and
  //    the webhook's durable queue, one row per report (a newer state replaces a pending older one).
  `
CREATE TABLE decision_list (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  provider TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  cursor INTEGER NOT NULL,
  accepted_at INTEGER NOT NULL
) STRICT;
CREATE TABLE decisions (
  report_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL UNIQUE,
  decision TEXT NOT NULL CHECK (decision IN ('forwarded', 'unfounded')),
  reason TEXT,
  hold_until INTEGER,
  received_at INTEGER NOT NULL
) STRICT;
CREATE TABLE decision_webhook_queue (
  report_id TEXT PRIMARY KEY REFERENCES decisions(report_id),
  seq INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT
) STRICT;
CREATE INDEX decision_webhook_due ON decision_webhook_queue(next_attempt_at);
`,
  // 8. The sealed feed (docs/PROTOCOL.md 13.4, docs/SIDECAR.md "Access"): the last verified access
  //    list, one row with its envelope, re-opened at start with the sidecar's encryption key. The
  //    epoch keys it wraps are never written here in the clear: they live in memory only.
  `
CREATE TABLE access_list (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  provider TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  envelope BLOB NOT NULL,
  accepted_at INTEGER NOT NULL
) STRICT;
`,
  // 9. A delta written in slices keeps an undo log, each row written in the slice that made the change:
  //    the row a remove took (sign -1) and the id an add wrote (sign +1), after a start marker (sign 0).
  //    A replica found half-written with the marker is rolled back on open (Replica), so that a crash
  //    between slices leaves the previous version's rows, never a mix (npm run chaos, sidecar-apply).
  //    One found half-written without it (written before this migration) is re-bootstrapped as before.
  `
CREATE TABLE delta_undo (
  seq INTEGER PRIMARY KEY,
  sign INTEGER NOT NULL CHECK (sign IN (-1, 0, 1)),
  id INTEGER NOT NULL,
  algorithm TEXT,
  hash BLOB,
  category TEXT
) STRICT;
`,
];
