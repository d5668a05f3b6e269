-- Reward epochs and chain publications. An epoch: the receipts it counted, the (index, account, amount)
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

-- What this workspace published on which network (the chain's events say the same; this is the
-- local index the screens read without a node).
CREATE TABLE chain_publications (
  kind        TEXT NOT NULL CHECK (kind IN ('snapshot', 'adapter')),
  subject     TEXT NOT NULL,
  network_id  TEXT NOT NULL,
  chain_id    INTEGER NOT NULL,
  tx_hash     TEXT NOT NULL,
  at          TEXT NOT NULL,
  PRIMARY KEY (kind, subject, network_id)
) STRICT;
