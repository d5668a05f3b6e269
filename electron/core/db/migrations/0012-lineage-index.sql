-- Lineage looks snapshots up by record ("which snapshots hold this record?"); the existing
-- (snapshot_id, record_id) index cannot serve that, so every lookup scanned all snapshot records.
CREATE INDEX snapshot_records_by_record ON snapshot_records (record_id);
