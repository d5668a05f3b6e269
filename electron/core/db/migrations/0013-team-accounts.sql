-- Accounts of serve's team mode (several reviewers on one box). The password hash is scrypt with a
-- per-account salt ("scrypt$N$r$p$salt$hash", base64url); a contributor's records are the ones
-- whose contributor is their address (stored lowercase, as records store it).
CREATE TABLE team_accounts (
  name TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
  role TEXT NOT NULL CHECK (role IN ('owner', 'reviewer', 'contributor')),
  address TEXT CHECK (address IS NULL OR (length(address) = 42 AND address = lower(address))),
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  CHECK (role <> 'contributor' OR address IS NOT NULL)
) STRICT;
