/**
 * Versioned schema migrations, applied in order; never edit a committed one,
 * append a new one. Append-only tables (audit and everything published) are
 * guarded by triggers so that even a buggy caller cannot rewrite history.
 */
import { FOREIGN_KEYS_OFF } from '../../shared/sqlite/open.ts';

const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`;

/** appendOnly for a migration that may meet its tables already made (a test replaying later migrations). */
const appendOnlyOnce = (table: string): string => appendOnly(table).replaceAll('CREATE TRIGGER ', 'CREATE TRIGGER IF NOT EXISTS ');

export const MIGRATIONS: readonly string[] = [
  `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'authority', 'operator', 'provider')),
  created_at INTEGER NOT NULL,
  disabled_at INTEGER
) STRICT;

CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  token_hash BLOB NOT NULL UNIQUE,
  label TEXT,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
) STRICT;

CREATE TABLE batches (
  id INTEGER PRIMARY KEY,
  authority_id INTEGER NOT NULL REFERENCES accounts(id),
  created_at INTEGER NOT NULL,
  row_count INTEGER NOT NULL
) STRICT;

CREATE TABLE indicators (
  id INTEGER PRIMARY KEY,
  algorithm TEXT NOT NULL,
  hash BLOB NOT NULL,
  category TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'revoked')),
  batch_id INTEGER REFERENCES batches(id),
  submitted_at INTEGER NOT NULL,
  approved_by INTEGER REFERENCES accounts(id),
  approved_at INTEGER,
  version_added INTEGER,
  removal_reason TEXT,
  version_revoked INTEGER,
  revoked_reason TEXT,
  UNIQUE (algorithm, hash)
) STRICT;
CREATE INDEX indicators_by_status ON indicators(status, id);
CREATE INDEX indicators_by_batch ON indicators(batch_id);

CREATE TABLE confirmations (
  indicator_id INTEGER NOT NULL REFERENCES indicators(id),
  authority_id INTEGER NOT NULL REFERENCES accounts(id),
  reference TEXT NOT NULL,
  category TEXT NOT NULL,
  batch_id INTEGER REFERENCES batches(id),
  confirmed_at INTEGER NOT NULL,
  withdrawn_at INTEGER,
  withdrawn_reason TEXT,
  PRIMARY KEY (indicator_id, authority_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX confirmations_by_authority ON confirmations(authority_id, indicator_id);

CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT,
  detail TEXT
) STRICT;
${appendOnly('audit')}

CREATE TABLE signing_keys (
  id INTEGER PRIMARY KEY,
  verifier_key TEXT NOT NULL UNIQUE,
  certificate BLOB NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE log_leaves (
  idx INTEGER PRIMARY KEY,
  leaf_hash BLOB NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('delta', 'snapshot')),
  version INTEGER NOT NULL,
  appended_at INTEGER NOT NULL,
  UNIQUE (kind, version)
) STRICT;
${appendOnly('log_leaves')}

CREATE TABLE versions (
  version INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  adds INTEGER NOT NULL,
  removes INTEGER NOT NULL,
  active INTEGER NOT NULL,
  state_digest BLOB NOT NULL,
  envelope BLOB NOT NULL,
  envelope_size INTEGER NOT NULL,
  log_index INTEGER NOT NULL REFERENCES log_leaves(idx)
) STRICT;
${appendOnly('versions')}

CREATE TABLE feed_changes (
  version INTEGER NOT NULL REFERENCES versions(version),
  indicator_id INTEGER NOT NULL REFERENCES indicators(id),
  op TEXT NOT NULL CHECK (op IN ('add', 'remove')),
  category TEXT NOT NULL,
  reason TEXT,
  PRIMARY KEY (indicator_id, version)
) STRICT, WITHOUT ROWID;
${appendOnly('feed_changes')}

CREATE TABLE version_counts (
  version INTEGER NOT NULL REFERENCES versions(version),
  dimension TEXT NOT NULL CHECK (dimension IN ('category', 'authority', 'algorithm')),
  key TEXT NOT NULL,
  adds INTEGER NOT NULL,
  removes INTEGER NOT NULL,
  active INTEGER NOT NULL,
  PRIMARY KEY (version, dimension, key)
) STRICT, WITHOUT ROWID;
${appendOnly('version_counts')}

CREATE TABLE snapshots (
  version INTEGER PRIMARY KEY REFERENCES versions(version),
  created_at INTEGER NOT NULL,
  envelope BLOB NOT NULL,
  log_index INTEGER NOT NULL REFERENCES log_leaves(idx)
) STRICT;
${appendOnly('snapshots')}

CREATE TABLE checkpoints (
  size INTEGER PRIMARY KEY,
  root BLOB NOT NULL,
  note TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
${appendOnly('checkpoints')}

CREATE TABLE timestamps (
  id INTEGER PRIMARY KEY,
  version INTEGER NOT NULL,
  log_size INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  expires INTEGER NOT NULL,
  envelope BLOB NOT NULL
) STRICT;
`,
  // 2. Detection orders, provider signing keys and reports (docs/SAFEGUARDS.md).
  // An order's terms never change once registered; it can only be ended, once.
  // A report keeps the exact envelope the provider signed and is never altered.
  `
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  order_id TEXT NOT NULL UNIQUE,
  provider_id INTEGER NOT NULL REFERENCES accounts(id),
  issuing_authority TEXT NOT NULL,
  legal_reference TEXT NOT NULL,
  surfaces TEXT NOT NULL,
  targets TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  not_after INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  ended_at INTEGER,
  ended_by TEXT,
  CHECK (not_before < not_after),
  CHECK ((ended_at IS NULL) = (ended_by IS NULL))
) STRICT;
CREATE INDEX orders_by_provider ON orders(provider_id, not_after);
CREATE TRIGGER orders_terms_fixed BEFORE UPDATE ON orders
WHEN OLD.ended_at IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.order_id IS NOT OLD.order_id OR NEW.provider_id IS NOT OLD.provider_id
  OR NEW.issuing_authority IS NOT OLD.issuing_authority OR NEW.legal_reference IS NOT OLD.legal_reference
  OR NEW.surfaces IS NOT OLD.surfaces OR NEW.targets IS NOT OLD.targets
  OR NEW.not_before IS NOT OLD.not_before OR NEW.not_after IS NOT OLD.not_after
  OR NEW.created_at IS NOT OLD.created_at OR NEW.created_by IS NOT OLD.created_by
BEGIN SELECT RAISE(ABORT, 'orders is append-only: an order can only be ended, once'); END;
CREATE TRIGGER orders_no_delete BEFORE DELETE ON orders BEGIN SELECT RAISE(ABORT, 'orders is append-only'); END;

CREATE TABLE provider_keys (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  verifier_key TEXT NOT NULL UNIQUE,
  key_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX provider_keys_by_account ON provider_keys(account_id);

CREATE TABLE reports (
  id INTEGER PRIMARY KEY,
  report_id TEXT NOT NULL UNIQUE,
  provider_id INTEGER NOT NULL REFERENCES accounts(id),
  order_id TEXT NOT NULL REFERENCES orders(order_id),
  indicator_ids TEXT NOT NULL,
  algorithm TEXT NOT NULL,
  distance INTEGER NOT NULL,
  surface TEXT NOT NULL,
  subject TEXT NOT NULL,
  detected_at INTEGER NOT NULL,
  preview TEXT,
  sidecar_version TEXT NOT NULL,
  replica_version INTEGER NOT NULL,
  stale INTEGER NOT NULL CHECK (stale IN (0, 1)),
  payload_sha256 BLOB NOT NULL,
  envelope BLOB NOT NULL,
  signed_by TEXT NOT NULL,
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX reports_by_provider ON reports(provider_id, id);
CREATE INDEX reports_by_order ON reports(order_id, id);
CREATE TRIGGER reports_no_update BEFORE UPDATE ON reports BEGIN SELECT RAISE(ABORT, 'reports is append-only'); END;
`,
  // 3. Refused reports, counted per provider and code (docs/API.md, "GET /v1/reports/refusals"):
  // a refused report is not stored, only counted, so that operators see a sidecar that misbehaves.
  `
CREATE TABLE report_refusals (
  provider_id INTEGER NOT NULL REFERENCES accounts(id),
  code TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count > 0),
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (provider_id, code)
) STRICT, WITHOUT ROWID;
`,
  // 4. Provider report keys need an operator's approval (docs/SAFEGUARDS.md, "Report keys").
  // Keys registered before this migration stay approved, so running sidecars keep
  // delivering; the audit records that the migration, not an operator, approved them.
  // public_key is base64(type || key), the C2SP key without its name: a key is one
  // provider's, whatever name it is registered under.
  `
ALTER TABLE provider_keys ADD COLUMN status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'revoked'));
ALTER TABLE provider_keys ADD COLUMN public_key TEXT;
ALTER TABLE provider_keys ADD COLUMN approved_at INTEGER;
ALTER TABLE provider_keys ADD COLUMN approved_by TEXT;
ALTER TABLE provider_keys ADD COLUMN revoked_at INTEGER;
ALTER TABLE provider_keys ADD COLUMN revoked_by TEXT;
UPDATE provider_keys SET
  status = 'approved',
  approved_at = created_at,
  approved_by = 'migration',
  public_key = substr(substr(verifier_key, instr(verifier_key, '+') + 1), instr(substr(verifier_key, instr(verifier_key, '+') + 1), '+') + 1);
INSERT INTO audit (at, actor, action, subject, detail)
  SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'migration', 'provider-key.approve', a.name, json_object('verifierKey', k.verifier_key, 'keyId', k.key_id, 'reason', 'registered before approval was required')
  FROM provider_keys k JOIN accounts a ON a.id = k.account_id ORDER BY k.id;
CREATE INDEX provider_keys_by_public_key ON provider_keys(public_key);
CREATE INDEX provider_keys_by_status ON provider_keys(status, id);
`,
  // 5. Snapshots are made at publication and only the latest few envelopes
  // are kept (config snapshotsKept): older rows may be deleted, never
  // altered, and never the latest. Their log leaves stay in log_leaves.
  `
DROP TRIGGER snapshots_no_delete;
CREATE TRIGGER snapshots_keep_latest BEFORE DELETE ON snapshots
WHEN OLD.version >= (SELECT max(version) FROM versions)
BEGIN SELECT RAISE(ABORT, 'the latest snapshot is never pruned'); END;
`,
  // 6. Incremental state digest (docs/PROTOCOL.md 8.4): each version records which digest
  // definition its signed objects carry (1 before this migration), and the LtHash16
  // accumulator of the active set is kept beside it, one row, rewritten at each publication.
  // A data folder from before has no row: the first publication computes it once.
  `
ALTER TABLE versions ADD COLUMN state_digest_version INTEGER NOT NULL DEFAULT 1 CHECK (state_digest_version IN (1, 2));
CREATE TABLE state_accumulator (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  version INTEGER NOT NULL,
  lanes BLOB NOT NULL CHECK (length(lanes) = 2048)
) STRICT;
`,
  // 7. Roles for report review (docs/API.md, "Roles"): reviewer and europol, and an
  // authority's Member State (ISO 3166-1 alpha-2; routing reads it). The role CHECK
  // lives in the table definition, so the table is rebuilt (SQLite's twelve steps,
  // foreign keys off around it; ids kept, so tokens, batches, orders and reports
  // still point at the same accounts). An authority from before has no Member State
  // until `centre token create --member-state` gives it one. Orders gain their
  // issuing Member State: null for orders registered before, which route to Europol alone.
  `${FOREIGN_KEYS_OFF}
CREATE TABLE accounts_rebuilt (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'authority', 'operator', 'provider', 'reviewer', 'europol')),
  created_at INTEGER NOT NULL,
  disabled_at INTEGER,
  member_state TEXT CHECK (member_state IS NULL OR (role = 'authority' AND member_state GLOB '[A-Z][A-Z]'))
) STRICT;
INSERT INTO accounts_rebuilt (id, name, role, created_at, disabled_at) SELECT id, name, role, created_at, disabled_at FROM accounts ORDER BY id;
DROP TABLE accounts;
ALTER TABLE accounts_rebuilt RENAME TO accounts;
CREATE INDEX accounts_by_member_state ON accounts(member_state) WHERE member_state IS NOT NULL;

ALTER TABLE orders ADD COLUMN member_state TEXT CHECK (member_state IS NULL OR member_state GLOB '[A-Z][A-Z]');
DROP TRIGGER orders_terms_fixed;
CREATE TRIGGER orders_terms_fixed BEFORE UPDATE ON orders
WHEN OLD.ended_at IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.order_id IS NOT OLD.order_id OR NEW.provider_id IS NOT OLD.provider_id
  OR NEW.issuing_authority IS NOT OLD.issuing_authority OR NEW.legal_reference IS NOT OLD.legal_reference
  OR NEW.surfaces IS NOT OLD.surfaces OR NEW.targets IS NOT OLD.targets
  OR NEW.not_before IS NOT OLD.not_before OR NEW.not_after IS NOT OLD.not_after
  OR NEW.created_at IS NOT OLD.created_at OR NEW.created_by IS NOT OLD.created_by
  OR NEW.member_state IS NOT OLD.member_state
BEGIN SELECT RAISE(ABORT, 'orders is append-only: an order can only be ended, once'); END;
`,
  // 8. Report review (docs/API.md, "Review"; server/review/report-lifecycle.ts owns the
  // transitions). Reports are reviewed in bundles: every report is in exactly one
  // bundle and has its bundle's state; the CHECKs keep each state's fields coherent
  // so that no crash can leave a half-made state. Decisions are kept append-only.
  // Reports received before review existed enter the queue now, one bundle each
  // (bundle id = report row id), not urgent: they were never sorted.
  `
CREATE TABLE review_bundles (
  id INTEGER PRIMARY KEY,
  provider_id INTEGER NOT NULL REFERENCES accounts(id),
  subject TEXT NOT NULL,
  opened_at INTEGER NOT NULL,
  urgent INTEGER NOT NULL CHECK (urgent IN (0, 1)),
  state TEXT NOT NULL CHECK (state IN ('received', 'in_review', 'unfounded', 'forwarded')),
  claimed_by TEXT,
  lease_until INTEGER,
  decided_by TEXT,
  decided_at INTEGER,
  reason TEXT CHECK (reason IS NULL OR reason IN ('preview_mismatch', 'indicator_error', 'duplicate', 'not_csam', 'other')),
  comment TEXT,
  qa TEXT NOT NULL DEFAULT 'none' CHECK (qa IN ('none', 'pending', 'agreed', 'disagreed')),
  qa_claimed_by TEXT,
  qa_lease_until INTEGER,
  CHECK ((state = 'in_review') = (claimed_by IS NOT NULL AND lease_until IS NOT NULL)),
  CHECK (state = 'in_review' OR (claimed_by IS NULL AND lease_until IS NULL)),
  CHECK ((state IN ('unfounded', 'forwarded')) = (decided_by IS NOT NULL AND decided_at IS NOT NULL)),
  CHECK ((state = 'unfounded') = (reason IS NOT NULL)),
  CHECK ((qa_claimed_by IS NULL) = (qa_lease_until IS NULL))
) STRICT;
CREATE INDEX review_queue ON review_bundles(state, urgent DESC, opened_at, id);
CREATE INDEX review_bundles_open ON review_bundles(provider_id, subject, state);
CREATE INDEX review_bundles_qa ON review_bundles(qa, decided_at, id);

CREATE TABLE report_reviews (
  report_id TEXT PRIMARY KEY REFERENCES reports(report_id),
  bundle_id INTEGER NOT NULL REFERENCES review_bundles(id)
) STRICT;
CREATE INDEX report_reviews_by_bundle ON report_reviews(bundle_id);
CREATE TRIGGER report_reviews_fixed BEFORE UPDATE ON report_reviews BEGIN SELECT RAISE(ABORT, 'report_reviews is append-only: a report stays in its bundle'); END;
CREATE TRIGGER report_reviews_no_delete BEFORE DELETE ON report_reviews BEGIN SELECT RAISE(ABORT, 'report_reviews is append-only'); END;

CREATE TABLE report_indicators (
  indicator_id INTEGER NOT NULL,
  report_id TEXT NOT NULL REFERENCES reports(report_id),
  PRIMARY KEY (indicator_id, report_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE review_decisions (
  id INTEGER PRIMARY KEY,
  bundle_id INTEGER NOT NULL REFERENCES review_bundles(id),
  decision TEXT NOT NULL CHECK (decision IN ('forwarded', 'unfounded')),
  reason TEXT,
  comment TEXT,
  decided_by TEXT NOT NULL,
  decided_at INTEGER NOT NULL
) STRICT;
CREATE INDEX review_decisions_by_bundle ON review_decisions(bundle_id, id);
${appendOnly('review_decisions')}

INSERT INTO review_bundles (id, provider_id, subject, opened_at, urgent, state)
  SELECT id, provider_id, subject, received_at, 0, 'received' FROM reports ORDER BY id;
INSERT INTO report_reviews (report_id, bundle_id) SELECT report_id, id FROM reports ORDER BY id;
INSERT INTO report_indicators (indicator_id, report_id)
  SELECT DISTINCT j.value, r.report_id FROM reports r, json_each(r.indicator_ids) j;
`,
  // 9. An authority may attach a blurhash preview to an indicator it submits
  // (docs/API.md, "POST /v1/indicators"): reviewers see it beside a report's.
  `
ALTER TABLE confirmations ADD COLUMN preview TEXT;
`,
  // 10. Forwarding (docs/API.md, "Routing" and "Inbox"): the Centre's signed record of
  // each decision that reached recipients, kept as signed; one inbox item per recipient
  // account and record (the inbox cursor is its id), acknowledged once; and the holds
  // recipients ask for, kept (append-only) so that they can travel to the provider.
  `
CREATE TABLE forwarding_records (
  id INTEGER PRIMARY KEY,
  report_id TEXT NOT NULL REFERENCES reports(report_id),
  decision_id INTEGER NOT NULL REFERENCES review_decisions(id),
  decision TEXT NOT NULL CHECK (decision IN ('forwarded', 'unfounded')),
  decided_at INTEGER NOT NULL,
  envelope BLOB NOT NULL,
  UNIQUE (report_id, decision_id)
) STRICT;
CREATE INDEX forwarding_records_by_report ON forwarding_records(report_id, id);
${appendOnly('forwarding_records')}

CREATE TABLE inbox_items (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  report_id TEXT NOT NULL REFERENCES reports(report_id),
  record_id INTEGER NOT NULL REFERENCES forwarding_records(id),
  delivered_at INTEGER NOT NULL,
  acked_at INTEGER,
  UNIQUE (account_id, record_id)
) STRICT;
CREATE INDEX inbox_items_by_account ON inbox_items(account_id, id);
CREATE INDEX inbox_items_by_report ON inbox_items(report_id, account_id);
CREATE TRIGGER inbox_items_ack_only BEFORE UPDATE ON inbox_items
WHEN OLD.acked_at IS NOT NULL OR NEW.id IS NOT OLD.id OR NEW.account_id IS NOT OLD.account_id OR NEW.report_id IS NOT OLD.report_id
  OR NEW.record_id IS NOT OLD.record_id OR NEW.delivered_at IS NOT OLD.delivered_at
BEGIN SELECT RAISE(ABORT, 'inbox_items is append-only: an item can only be acknowledged, once'); END;
CREATE TRIGGER inbox_items_no_delete BEFORE DELETE ON inbox_items BEGIN SELECT RAISE(ABORT, 'inbox_items is append-only'); END;

CREATE TABLE report_holds (
  id INTEGER PRIMARY KEY,
  report_id TEXT NOT NULL REFERENCES reports(report_id),
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  hold_until INTEGER NOT NULL,
  requested_at INTEGER NOT NULL,
  CHECK (hold_until > requested_at)
) STRICT;
CREATE INDEX report_holds_by_report ON report_holds(report_id, hold_until);
${appendOnly('report_holds')}
`,
  // 11. The root of trust as root documents (docs/PROTOCOL.md 4): every version, as signed,
  // append-only. It replaces the key certificates of signing_keys, which stay for the record
  // (a data folder from before migrates on first open: server/keys/legacy-root.ts).
  `
CREATE TABLE root_documents (
  version INTEGER PRIMARY KEY CHECK (version >= 1),
  envelope BLOB NOT NULL,
  issued_at INTEGER NOT NULL,
  installed_at INTEGER NOT NULL
) STRICT;
${appendOnly('root_documents')}
`,
  // 12. The indicator quality loop and report retention (docs/SAFEGUARDS.md, "Review").
  // Indicators gain the status `suspended` (tombstoned with reason SUSPENDED after
  // unfounded decisions from suspendAfterProviders distinct providers; server/review/
  // indicator-quality.ts), the time a suspension was requested (set while one is pending
  // or standing) and the time from which unfounded decisions count against it (set when
  // authorities re-confirm it). The status CHECK lives in the table definition, so the
  // table is rebuilt (SQLite's twelve steps, ids kept). Confirmations record a
  // re-confirmation. Reports can be purged once (envelope, preview and subject cleared,
  // purged_at set) and never deleted.
  `${FOREIGN_KEYS_OFF}
CREATE TABLE indicators_rebuilt (
  id INTEGER PRIMARY KEY,
  algorithm TEXT NOT NULL,
  hash BLOB NOT NULL,
  category TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'suspended', 'revoked')),
  batch_id INTEGER REFERENCES batches(id),
  submitted_at INTEGER NOT NULL,
  approved_by INTEGER REFERENCES accounts(id),
  approved_at INTEGER,
  version_added INTEGER,
  removal_reason TEXT,
  version_revoked INTEGER,
  revoked_reason TEXT,
  suspended_at INTEGER,
  quality_since INTEGER,
  UNIQUE (algorithm, hash),
  CHECK (status <> 'suspended' OR suspended_at IS NOT NULL)
) STRICT;
INSERT INTO indicators_rebuilt (id, algorithm, hash, category, status, batch_id, submitted_at, approved_by, approved_at, version_added, removal_reason, version_revoked, revoked_reason)
  SELECT id, algorithm, hash, category, status, batch_id, submitted_at, approved_by, approved_at, version_added, removal_reason, version_revoked, revoked_reason FROM indicators ORDER BY id;
DROP TABLE indicators;
ALTER TABLE indicators_rebuilt RENAME TO indicators;
CREATE INDEX indicators_by_status ON indicators(status, id);
CREATE INDEX indicators_by_batch ON indicators(batch_id);

ALTER TABLE confirmations ADD COLUMN reconfirmed_at INTEGER;

ALTER TABLE reports ADD COLUMN purged_at INTEGER;
DROP TRIGGER reports_no_update;
CREATE TRIGGER reports_purge_only BEFORE UPDATE ON reports
WHEN OLD.purged_at IS NOT NULL OR NEW.purged_at IS NULL
  OR length(NEW.envelope) <> 0 OR NEW.preview IS NOT NULL OR NEW.subject <> ''
  OR NEW.id IS NOT OLD.id OR NEW.report_id IS NOT OLD.report_id OR NEW.provider_id IS NOT OLD.provider_id
  OR NEW.order_id IS NOT OLD.order_id OR NEW.indicator_ids IS NOT OLD.indicator_ids OR NEW.algorithm IS NOT OLD.algorithm
  OR NEW.distance IS NOT OLD.distance OR NEW.surface IS NOT OLD.surface OR NEW.detected_at IS NOT OLD.detected_at
  OR NEW.sidecar_version IS NOT OLD.sidecar_version OR NEW.replica_version IS NOT OLD.replica_version OR NEW.stale IS NOT OLD.stale
  OR NEW.payload_sha256 IS NOT OLD.payload_sha256 OR NEW.signed_by IS NOT OLD.signed_by OR NEW.received_at IS NOT OLD.received_at
BEGIN SELECT RAISE(ABORT, 'reports is append-only: a report can only be purged, once'); END;
CREATE TRIGGER reports_no_delete BEFORE DELETE ON reports BEGIN SELECT RAISE(ABORT, 'reports is append-only'); END;
CREATE INDEX reports_unpurged ON reports(id) WHERE purged_at IS NULL;
`,
  // 13. Public statistics (docs/API.md, "GET /v1/transparency"): per month, by time, so each
  // month is a range read of an index instead of a scan of every report, decision or audit entry.
  // A month's figures never change once it has ended: they are kept, as the JSON text served,
  // so that a restart does not count the whole history again. A cache: a row of another
  // definition (server/statistics/public-statistics.ts) is computed again and replaced.
  `
CREATE TABLE statistics_months (
  month TEXT PRIMARY KEY CHECK (month GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
  definition INTEGER NOT NULL,
  figures TEXT NOT NULL,
  computed_at INTEGER NOT NULL
) STRICT;
CREATE INDEX reports_by_received ON reports(received_at);
CREATE INDEX review_decisions_by_time ON review_decisions(decided_at);
CREATE INDEX audit_by_action ON audit(action, at);
CREATE INDEX feed_changes_by_version ON feed_changes(version, op);
CREATE INDEX forwarding_records_by_time ON forwarding_records(decided_at);
`,
  // 14. Decisions back to providers (docs/PROTOCOL.md 12): each entry is a report's whole state
  // as its provider is told it (decision, reason, the latest hold), written in the transaction of
  // the decision or hold that changed it; \`seq\` is the cursor providers page by (\`since=\`).
  `
CREATE TABLE provider_decisions (
  seq INTEGER PRIMARY KEY,
  provider_id INTEGER NOT NULL REFERENCES accounts(id),
  report_id TEXT NOT NULL REFERENCES reports(report_id),
  decision TEXT NOT NULL CHECK (decision IN ('forwarded', 'unfounded')),
  reason TEXT CHECK ((decision = 'unfounded') = (reason IS NOT NULL)),
  hold_until INTEGER,
  recorded_at INTEGER NOT NULL
) STRICT;
CREATE INDEX provider_decisions_by_provider ON provider_decisions(provider_id, seq);
CREATE INDEX provider_decisions_by_report ON provider_decisions(report_id, seq);
${appendOnly('provider_decisions')}
`,
  // 15. The decisions feed from before it existed (docs/PROTOCOL.md 12.1): a report decided before 14
  // had no entry, so its provider never heard the decision, and a hold asked on it later was dropped
  // (an entry repeats the report's last one). Each such report gets its standing decision (the
  // bundle's newest in review_decisions; a reopen leaves it standing) with the furthest hold asked.
  `
INSERT INTO provider_decisions (provider_id, report_id, decision, reason, hold_until, recorded_at)
  SELECT r.provider_id, r.report_id, d.decision,
    CASE WHEN d.decision = 'unfounded' THEN coalesce(d.reason, 'other') END,
    (SELECT max(h.hold_until) FROM report_holds h WHERE h.report_id = r.report_id),
    d.decided_at
  FROM reports r
  JOIN report_reviews rr ON rr.report_id = r.report_id
  JOIN review_decisions d ON d.id = (SELECT max(id) FROM review_decisions WHERE bundle_id = rr.bundle_id)
  WHERE NOT EXISTS (SELECT 1 FROM provider_decisions p WHERE p.report_id = r.report_id)
  ORDER BY r.id;
`,
  // 16. The sealed feed (docs/PROTOCOL.md 13): the epochs (their keys stored only sealed under the
  // key-wrapping key, with their commitment), the epoch each version's delta and snapshot are sealed
  // under (a version without a row is plaintext, published before sealing), providers' encryption keys
  // (each vouched for by a report key), the wraps made of each epoch key for each encryption key (made
  // once, served again), and the access log (Art. 46(6)). Every statement can run twice (IF NOT EXISTS).
  `
CREATE TABLE IF NOT EXISTS epochs (
  epoch INTEGER PRIMARY KEY CHECK (epoch >= 1),
  started_at INTEGER NOT NULL,
  version INTEGER NOT NULL,
  reason TEXT NOT NULL CHECK (reason IN ('first', 'entitlement', 'requested', 'key-unreadable')),
  key_commitment BLOB NOT NULL CHECK (length(key_commitment) = 32),
  wrap_key_id TEXT NOT NULL,
  sealed_key BLOB NOT NULL
) STRICT;
${appendOnlyOnce('epochs')}
CREATE TABLE IF NOT EXISTS version_epochs (
  version INTEGER PRIMARY KEY REFERENCES versions(version),
  epoch INTEGER NOT NULL REFERENCES epochs(epoch)
) STRICT;
${appendOnlyOnce('version_epochs')}
CREATE TABLE IF NOT EXISTS encryption_keys (
  id INTEGER PRIMARY KEY,
  key_id TEXT NOT NULL UNIQUE,
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  public_key BLOB NOT NULL CHECK (length(public_key) = 32),
  signer_id INTEGER NOT NULL REFERENCES provider_keys(id),
  envelope BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  revoked_by TEXT,
  revoke_reason TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS encryption_keys_by_account ON encryption_keys(account_id);
CREATE TABLE IF NOT EXISTS epoch_wraps (
  epoch INTEGER NOT NULL REFERENCES epochs(epoch),
  encryption_key_id INTEGER NOT NULL REFERENCES encryption_keys(id),
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  enc BLOB NOT NULL,
  wrapped BLOB NOT NULL,
  basis TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (epoch, encryption_key_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS epoch_wraps_by_account ON epoch_wraps(account_id, epoch);
${appendOnlyOnce('epoch_wraps')}
CREATE TABLE IF NOT EXISTS access_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  provider_id INTEGER NOT NULL REFERENCES accounts(id),
  event TEXT NOT NULL CHECK (event IN ('grant', 'end', 'wrap', 'fetch')),
  basis TEXT,
  reason TEXT,
  epoch INTEGER,
  recipient TEXT,
  epochs TEXT
) STRICT;
CREATE INDEX IF NOT EXISTS access_log_by_provider ON access_log(provider_id, id);
CREATE INDEX IF NOT EXISTS access_log_by_event ON access_log(event, at);
CREATE INDEX IF NOT EXISTS access_log_grants ON access_log(provider_id, id) WHERE event IN ('grant', 'end');
${appendOnlyOnce('access_log')}
`,
  // 17. Witness cosignatures (docs/PROTOCOL.md 7): the latest cosignature each witness (by its verifier
  // key) gave for each checkpoint size, over that checkpoint's body (which re-signing the same size does
  // not change), served appended to the checkpoint. A newer cosignature of the same body replaces the line.
  `
CREATE TABLE IF NOT EXISTS witness_cosignatures (
  witness TEXT NOT NULL,
  size INTEGER NOT NULL CHECK (size >= 0),
  body TEXT NOT NULL,
  line TEXT NOT NULL,
  cosigned_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  PRIMARY KEY (witness, size)
) STRICT, WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS witness_cosignatures_by_size ON witness_cosignatures(size);
`,
  // 18. Order commitments (docs/PROTOCOL.md 10.4) and the auditor role (docs/API.md, "Roles"). The log
  // gains the leaf kinds `order` and `order-end`, and accounts the role `auditor`: both CHECKs live in
  // their table definitions, so both tables are rebuilt (SQLite's twelve steps, foreign keys off, rows
  // and ids kept; versions and snapshots still point at the same leaves). Each commitment keeps the
  // salt the Centre never publishes, and the end's reason it commits to. Orders registered before get
  // theirs appended once, when the Centre opens (server/log/order-commitments.ts), logged then.
  // Every statement can run twice (the rebuilds copy what they find; IF NOT EXISTS).
  `${FOREIGN_KEYS_OFF}
CREATE TABLE log_leaves_rebuilt (
  idx INTEGER PRIMARY KEY,
  leaf_hash BLOB NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('delta', 'snapshot', 'order', 'order-end')),
  version INTEGER NOT NULL,
  appended_at INTEGER NOT NULL,
  UNIQUE (kind, version)
) STRICT;
INSERT INTO log_leaves_rebuilt (idx, leaf_hash, kind, version, appended_at) SELECT idx, leaf_hash, kind, version, appended_at FROM log_leaves ORDER BY idx;
DROP TABLE log_leaves;
ALTER TABLE log_leaves_rebuilt RENAME TO log_leaves;
${appendOnly('log_leaves')}

CREATE TABLE accounts_rebuilt (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'authority', 'operator', 'provider', 'reviewer', 'europol', 'auditor')),
  created_at INTEGER NOT NULL,
  disabled_at INTEGER,
  member_state TEXT CHECK (member_state IS NULL OR (role = 'authority' AND member_state GLOB '[A-Z][A-Z]'))
) STRICT;
INSERT INTO accounts_rebuilt (id, name, role, created_at, disabled_at, member_state) SELECT id, name, role, created_at, disabled_at, member_state FROM accounts ORDER BY id;
DROP TABLE accounts;
ALTER TABLE accounts_rebuilt RENAME TO accounts;
CREATE INDEX accounts_by_member_state ON accounts(member_state) WHERE member_state IS NOT NULL;

CREATE TABLE IF NOT EXISTS order_commitments (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  event TEXT NOT NULL CHECK (event IN ('register', 'end')),
  salt BLOB NOT NULL CHECK (length(salt) = 32),
  commitment BLOB NOT NULL CHECK (length(commitment) = 32),
  end_reason TEXT CHECK (event = 'end' OR end_reason IS NULL),
  log_index INTEGER NOT NULL UNIQUE REFERENCES log_leaves(idx),
  committed_at INTEGER NOT NULL,
  PRIMARY KEY (order_id, event)
) STRICT, WITHOUT ROWID;
${appendOnlyOnce('order_commitments')}
`,
  // 19: one-time console sign-in codes (docs/CONSOLE.md, "Signing in"): stored as SHA-256, used once, short-lived.
  `
CREATE TABLE IF NOT EXISTS console_sign_in_codes (
  id INTEGER PRIMARY KEY,
  code_hash BLOB NOT NULL UNIQUE CHECK (length(code_hash) = 32),
  account_id INTEGER NOT NULL REFERENCES accounts(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL CHECK (expires_at > created_at),
  used_at INTEGER
) STRICT;
`,
  // 20: variant hashes linked to their indicator record (docs/API.md, "POST /v1/indicators", `variants`;
  // docs/HASHING.md, "Crops"): each is an indicator of its own (published as any other, no wire change)
  // that follows its record's lifecycle, and the Centre counts the record once (statistics, review, quality loop).
  // A table of links rather than a column, so that the statement can run twice (IF NOT EXISTS).
  `
CREATE TABLE IF NOT EXISTS indicator_variants (
  indicator_id INTEGER PRIMARY KEY REFERENCES indicators(id),
  record_id INTEGER NOT NULL REFERENCES indicators(id),
  CHECK (record_id <> indicator_id)
) STRICT;
CREATE INDEX IF NOT EXISTS indicator_variants_by_record ON indicator_variants(record_id, indicator_id);
`,
];
