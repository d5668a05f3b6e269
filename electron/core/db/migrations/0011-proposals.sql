-- Model proposals (issue #8): why a model should exist, and its way from draft to deployed.
-- state moves only through the transition table in electron/shared/proposals.ts; every move is a
-- row in proposal_events (the proposal's timeline) and an entry in the audit log.
CREATE TABLE proposals (
  id                   TEXT PRIMARY KEY,
  title                TEXT NOT NULL UNIQUE,
  purpose              TEXT NOT NULL,
  use_case             TEXT NOT NULL,
  base_model           TEXT NOT NULL,
  target_datanets      TEXT NOT NULL,
  data_requirements    TEXT NOT NULL,
  evaluation_criteria  TEXT NOT NULL,
  owner                TEXT NOT NULL,
  state                TEXT NOT NULL,
  stake                TEXT,
  run_id               TEXT,
  adapter_id           TEXT,
  evaluation           TEXT,
  feedback_datanet_id  TEXT REFERENCES datanets(id) ON DELETE SET NULL,
  created_at           TEXT NOT NULL,
  updated_at           TEXT NOT NULL
) STRICT;

CREATE TABLE proposal_events (
  proposal_id  TEXT NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,
  at           TEXT NOT NULL,
  actor        TEXT NOT NULL,
  from_state   TEXT,
  to_state     TEXT NOT NULL,
  note         TEXT NOT NULL,
  details      TEXT NOT NULL,
  PRIMARY KEY (proposal_id, seq)
) STRICT;

-- One vote per reviewer per proposal; a later vote replaces the earlier one.
CREATE TABLE proposal_votes (
  proposal_id  TEXT NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
  reviewer     TEXT NOT NULL,
  approve      INTEGER NOT NULL CHECK (approve IN (0, 1)),
  comment      TEXT NOT NULL,
  tx_hash      TEXT,
  at           TEXT NOT NULL,
  PRIMARY KEY (proposal_id, reviewer)
) STRICT;

-- The workspace's reviewers: their votes decide a review (a strict majority of them).
CREATE TABLE proposal_reviewers (
  address   TEXT PRIMARY KEY,
  added_at  TEXT NOT NULL
) STRICT;
