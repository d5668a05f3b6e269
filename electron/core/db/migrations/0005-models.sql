-- Base models the user imported (GGUF), validated and hashed at import.
CREATE TABLE models (
  id               TEXT PRIMARY KEY,
  name             TEXT NOT NULL,
  file             TEXT NOT NULL,
  storage          TEXT NOT NULL CHECK (storage IN ('copy', 'reference')),
  sha256           TEXT NOT NULL UNIQUE,
  size_bytes       INTEGER NOT NULL,
  architecture     TEXT NOT NULL,
  parameters       INTEGER NOT NULL,
  quantization     TEXT NOT NULL,
  context_length   INTEGER,
  layers           INTEGER,
  embedding_length INTEGER,
  vocabulary_size  INTEGER,
  chat_template    TEXT,
  created_at       TEXT NOT NULL
) STRICT;
