-- 0002 (PostgreSQL): the timeline query (latest events of one instance, newest first, ties by id)
-- reads one index range backwards with no sort. The id is in the key because PostgreSQL, unlike
-- SQLite's rowid, does not carry it in every index.
CREATE INDEX idx_mcp_events_instance_timestamp ON mcp_events (instance_id, timestamp, id);
