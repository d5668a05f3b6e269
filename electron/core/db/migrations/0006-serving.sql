-- Usage of the local API per served model name (base, or base + adapter), per day: the reward
-- system reads it.
CREATE TABLE usage (
  model              TEXT NOT NULL,
  adapter_id         TEXT,
  day                TEXT NOT NULL,
  requests           INTEGER NOT NULL DEFAULT 0,
  prompt_tokens      INTEGER NOT NULL DEFAULT 0,
  completion_tokens  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (model, day)
) STRICT;
