-- Training runs (one per start; resumed in place) and the adapters they produced.
CREATE TABLE training_runs (
  id             TEXT PRIMARY KEY,
  snapshot_id    TEXT NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  snapshot_root  TEXT NOT NULL,
  model_path     TEXT NOT NULL,
  settings       TEXT NOT NULL,
  checkpoint     TEXT NOT NULL,
  state          TEXT NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'cancelled', 'interrupted')),
  step           INTEGER NOT NULL DEFAULT 0,
  total_steps    INTEGER,
  adapter_id     TEXT,
  error          TEXT,
  started_at     TEXT NOT NULL,
  finished_at    TEXT
) STRICT;

CREATE TABLE adapters (
  id                 TEXT PRIMARY KEY,
  run_id             TEXT NOT NULL REFERENCES training_runs (id) ON DELETE CASCADE,
  file               TEXT NOT NULL,
  sha256             TEXT NOT NULL,
  base_model_path    TEXT NOT NULL,
  base_model_sha256  TEXT NOT NULL,
  snapshot_id        TEXT NOT NULL,
  snapshot_root      TEXT NOT NULL,
  config_hash        TEXT NOT NULL,
  settings           TEXT NOT NULL,
  metrics            TEXT NOT NULL,
  created_at         TEXT NOT NULL
) STRICT;
