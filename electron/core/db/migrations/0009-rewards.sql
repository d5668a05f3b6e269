-- Reward epochs: the receipts an epoch counted, the (index, account, amount) leaves of its reward
-- tree and its roots; where and when they were published.
CREATE TABLE reward_epochs (
  epoch          INTEGER PRIMARY KEY,
  pool           TEXT NOT NULL,
  total          TEXT NOT NULL,
  root           TEXT NOT NULL,
  receipts_root  TEXT NOT NULL,
  receipts       INTEGER NOT NULL,
  usage_tokens   INTEGER NOT NULL,
  leaves         TEXT NOT NULL,
  closed_at      TEXT NOT NULL,
  chain_id       INTEGER,
  distributor    TEXT,
  publish_tx     TEXT,
  anchor_tx      TEXT,
  published_at   TEXT
) STRICT;
