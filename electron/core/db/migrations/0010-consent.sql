-- Consent and lineage (issue #11). A revocation names the records a contributor took back (all of
-- theirs at that moment, or some); those records leave later snapshots and earn nothing in epochs
-- closed after it. Adapters trained on them are marked, with the records' influence on them.
CREATE TABLE consent_revocations (
  id           TEXT PRIMARY KEY,
  contributor  TEXT NOT NULL,
  scope        TEXT NOT NULL CHECK (scope IN ('all', 'some')),
  reason       TEXT NOT NULL DEFAULT '',
  -- EIP-712 signature by the contributor over the revocation, when they signed it.
  signature    TEXT,
  signer       TEXT NOT NULL,
  hash         TEXT NOT NULL,
  created_at   TEXT NOT NULL
) STRICT;

CREATE TABLE consent_revoked_records (
  record_id      TEXT PRIMARY KEY,
  revocation_id  TEXT NOT NULL REFERENCES consent_revocations (id)
) STRICT;
CREATE INDEX consent_revoked_by ON consent_revoked_records (revocation_id);

CREATE TABLE adapter_marks (
  adapter_id     TEXT NOT NULL REFERENCES adapters (id) ON DELETE CASCADE,
  revocation_id  TEXT NOT NULL REFERENCES consent_revocations (id),
  records        TEXT NOT NULL,
  retrain_run_id TEXT,
  created_at     TEXT NOT NULL,
  PRIMARY KEY (adapter_id, revocation_id)
) STRICT;
