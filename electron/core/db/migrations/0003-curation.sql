-- Curation: imports, contribution signatures, PII and near-duplicate flags, review, full-text
-- search, and immutable snapshots.

CREATE TABLE imports (
  id             TEXT PRIMARY KEY,
  datanet_id     TEXT NOT NULL REFERENCES datanets (id) ON DELETE CASCADE,
  file_name      TEXT NOT NULL,
  file_sha256    TEXT,
  format         TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
  rows_seen      INTEGER NOT NULL DEFAULT 0,
  rows_imported  INTEGER NOT NULL DEFAULT 0,
  rows_rejected  INTEGER NOT NULL DEFAULT 0,
  exact_duplicates INTEGER NOT NULL DEFAULT 0,
  near_duplicates  INTEGER NOT NULL DEFAULT 0,
  pii_records      INTEGER NOT NULL DEFAULT 0,
  problems       TEXT NOT NULL DEFAULT '[]',
  started_at     TEXT NOT NULL,
  finished_at    TEXT
) STRICT;
CREATE INDEX imports_datanet ON imports (datanet_id, started_at);

ALTER TABLE records ADD COLUMN import_id TEXT REFERENCES imports (id) ON DELETE CASCADE;
-- The hash the contributor signed (the content as imported); content_hash follows redaction.
ALTER TABLE records ADD COLUMN original_hash TEXT;
ALTER TABLE records ADD COLUMN signature TEXT;
ALTER TABLE records ADD COLUMN nonce TEXT;
-- Random per-record salt: snapshot leaves commit to keccak256(salt, content_hash), so a short
-- record cannot be confirmed by guessing its text. It never leaves this machine.
ALTER TABLE records ADD COLUMN salt TEXT;
ALTER TABLE records ADD COLUMN pii TEXT NOT NULL DEFAULT '[]';
ALTER TABLE records ADD COLUMN redaction TEXT;
ALTER TABLE records ADD COLUMN near_dup_of TEXT REFERENCES records (id) ON DELETE SET NULL;
ALTER TABLE records ADD COLUMN near_dup_similarity REAL;
ALTER TABLE records ADD COLUMN pii_override TEXT;
ALTER TABLE records ADD COLUMN minhash BLOB;
UPDATE records SET original_hash = content_hash, salt = '0x' || lower(hex(randomblob(32)));
-- Flags are derived from the columns above now.
ALTER TABLE records DROP COLUMN flags;
CREATE UNIQUE INDEX records_signed_nonce ON records (datanet_id, contributor, nonce) WHERE nonce IS NOT NULL;
CREATE INDEX records_import ON records (import_id);
CREATE INDEX records_contributor ON records (datanet_id, contributor);

-- Full-text search over the records' text (external content: the records table).
CREATE VIRTUAL TABLE records_fts USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');

-- Workspace secrets and settings (e.g. the key consistent pseudonyms are derived from).
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE snapshots (
  id            TEXT PRIMARY KEY,
  datanet_id    TEXT NOT NULL REFERENCES datanets (id) ON DELETE CASCADE,
  version       INTEGER NOT NULL,
  root          TEXT NOT NULL,
  record_count  INTEGER NOT NULL,
  note          TEXT NOT NULL DEFAULT '',
  created_at    TEXT NOT NULL,
  UNIQUE (datanet_id, version)
) STRICT;

-- What a snapshot froze: each approved record's content exactly as it was, in order.
CREATE TABLE snapshot_records (
  snapshot_id   TEXT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  position      INTEGER NOT NULL,
  record_id     TEXT NOT NULL,
  kind          TEXT NOT NULL,
  content       TEXT NOT NULL,
  content_hash  TEXT NOT NULL,
  salt          TEXT NOT NULL,
  salted_hash   TEXT NOT NULL,
  contributor   TEXT NOT NULL,
  leaf          TEXT NOT NULL,
  PRIMARY KEY (snapshot_id, position)
) STRICT;
CREATE INDEX snapshot_records_record ON snapshot_records (snapshot_id, record_id);

CREATE TRIGGER snapshots_immutable BEFORE UPDATE ON snapshots
BEGIN SELECT RAISE(ABORT, 'snapshots are immutable'); END;
CREATE TRIGGER snapshot_records_immutable BEFORE UPDATE ON snapshot_records
BEGIN SELECT RAISE(ABORT, 'snapshots are immutable'); END;

-- The searchable text of a record: every string in its content except the kind and chat roles.
CREATE TRIGGER records_fts_insert AFTER INSERT ON records BEGIN
  INSERT INTO records_fts (rowid, body)
  VALUES (new.rowid, (SELECT group_concat(value, ' ') FROM json_tree(new.content) WHERE type = 'text' AND key NOT IN ('kind', 'role')));
END;
CREATE TRIGGER records_fts_update AFTER UPDATE OF content ON records BEGIN
  DELETE FROM records_fts WHERE rowid = old.rowid;
  INSERT INTO records_fts (rowid, body)
  VALUES (new.rowid, (SELECT group_concat(value, ' ') FROM json_tree(new.content) WHERE type = 'text' AND key NOT IN ('kind', 'role')));
END;
CREATE TRIGGER records_fts_delete AFTER DELETE ON records BEGIN
  DELETE FROM records_fts WHERE rowid = old.rowid;
END;
INSERT INTO records_fts (rowid, body)
SELECT r.rowid, (SELECT group_concat(value, ' ') FROM json_tree(r.content) WHERE type = 'text' AND key NOT IN ('kind', 'role')) FROM records r;
