-- 0003 (PostgreSQL): every committed change to a table the dashboard shows sends one NOTIFY on
-- channel codex_dash_changes, so a dashboard LISTENing on its connection reloads without polling.
-- Statement-level triggers with a fixed payload: PostgreSQL delivers one notification per distinct
-- (channel, payload) per transaction, at commit, so a transaction of 10,000 inserts, or one that
-- touches several tables, is one notification, and a rolled-back one is none.
-- (A standby replays no NOTIFY: monitors there follow pg_last_wal_replay_lsn() instead.)
CREATE FUNCTION codex_dash_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('codex_dash_changes', 'changed');
	RETURN NULL;
END
$$;

CREATE TRIGGER codex_dash_instances_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON instances FOR EACH STATEMENT EXECUTE FUNCTION codex_dash_notify_change();
CREATE TRIGGER codex_dash_mcp_events_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON mcp_events FOR EACH STATEMENT EXECUTE FUNCTION codex_dash_notify_change();
CREATE TRIGGER codex_dash_relationships_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON instance_relationships FOR EACH STATEMENT EXECUTE FUNCTION codex_dash_notify_change();
CREATE TRIGGER codex_dash_github_issues_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON github_issues FOR EACH STATEMENT EXECUTE FUNCTION codex_dash_notify_change();
CREATE TRIGGER codex_dash_user_config_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
	ON user_config FOR EACH STATEMENT EXECUTE FUNCTION codex_dash_notify_change();
