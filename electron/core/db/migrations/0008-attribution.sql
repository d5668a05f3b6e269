-- Attribution: the per-adapter span index, and one row per attributed answer. The prompt, the
-- answer and the salt their receipt hashes were made with stay here; the receipt holds hashes only.
CREATE TABLE attribution_indexes (
  adapter_id  TEXT PRIMARY KEY REFERENCES adapters (id) ON DELETE CASCADE,
  state       TEXT NOT NULL CHECK (state IN ('building', 'ready', 'failed')),
  dir         TEXT NOT NULL,
  tokens      INTEGER,
  bytes       INTEGER,
  error       TEXT,
  built_at    TEXT
) STRICT;

CREATE TABLE receipts (
  digest        TEXT PRIMARY KEY,
  adapter_id    TEXT NOT NULL REFERENCES adapters (id),
  source        TEXT NOT NULL CHECK (source IN ('playground', 'api', 'cli')),
  prompt        TEXT NOT NULL,
  answer        TEXT NOT NULL,
  salt          TEXT NOT NULL,
  detail        TEXT NOT NULL,
  receipt       TEXT NOT NULL,
  signer        TEXT,
  usage_tokens  INTEGER NOT NULL,
  epoch         INTEGER,
  created_at    TEXT NOT NULL
) STRICT;
CREATE INDEX receipts_adapter ON receipts (adapter_id, created_at);
CREATE INDEX receipts_epoch ON receipts (epoch);
