/**
 * Versioned schema migrations, applied in order; never edit a committed one,
 * append a new one. Append-only tables (audit and everything published) are
 * guarded by triggers so that even a buggy caller cannot rewrite history.
 */
const appendOnly = (table: string): string => `
CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;
CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table} BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END;`;

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
];
