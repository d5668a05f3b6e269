-- Playground conversations, kept per workspace.
CREATE TABLE conversations (
  id          TEXT PRIMARY KEY,
  title       TEXT NOT NULL,
  model_id    TEXT,
  adapter_id  TEXT,
  compare     INTEGER NOT NULL DEFAULT 0,
  messages    TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  updated_at  TEXT NOT NULL
) STRICT;
