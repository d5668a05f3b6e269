-- Datanets and their records.
CREATE TABLE datanets (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX datanets_name ON datanets (name COLLATE NOCASE);

CREATE TABLE records (
  id            TEXT PRIMARY KEY,
  datanet_id    TEXT NOT NULL REFERENCES datanets (id) ON DELETE CASCADE,
  seq           INTEGER NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('text', 'instruction', 'chat')),
  content       TEXT NOT NULL,
  content_hash  TEXT NOT NULL,
  contributor   TEXT,
  license       TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
  reject_reason TEXT,
  source_file   TEXT,
  source_row    INTEGER,
  flags         TEXT NOT NULL DEFAULT '[]',
  created_at    TEXT NOT NULL,
  updated_at    TEXT NOT NULL,
  UNIQUE (datanet_id, content_hash),
  UNIQUE (datanet_id, seq)
) STRICT;
CREATE INDEX records_status ON records (datanet_id, status, seq);
