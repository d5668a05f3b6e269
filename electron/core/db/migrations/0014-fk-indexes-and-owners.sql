-- Every foreign key gets an index on its child columns. Without one, deleting a parent row (the
-- CASCADE or SET NULL, or the check that no child points at it) scans the whole child table once
-- per deleted row: undoing a 26k-row import took minutes because of records.near_dup_of.
-- test/unit/fk-indexes.test.ts fails for any foreign key a later migration leaves unindexed.
CREATE INDEX records_near_dup_of ON records (near_dup_of);
CREATE INDEX training_runs_snapshot ON training_runs (snapshot_id);
CREATE INDEX adapters_run ON adapters (run_id);
CREATE INDEX adapter_marks_revocation ON adapter_marks (revocation_id);
CREATE INDEX proposals_feedback_datanet ON proposals (feedback_datanet_id);

-- Who runs a piece of long work: the owner record (JSON: pid, process start time, host) of the
-- process that started it. Start-up recovery takes over only work whose owner is gone, so a
-- second process on the workspace (the CLI beside the app) leaves running work alone. NULL: work
-- recorded before owners were, by a version that can no longer be running.
ALTER TABLE jobs ADD COLUMN owner TEXT;
ALTER TABLE imports ADD COLUMN owner TEXT;
ALTER TABLE training_runs ADD COLUMN owner TEXT;
ALTER TABLE attribution_indexes ADD COLUMN owner TEXT;
