-- 0001: the spec's schema, exactly as drizzle-kit generates it (shared/spec/schema.sql).
-- IF NOT EXISTS lets a database made by the TypeScript side adopt this migration unchanged;
-- SQLite drops those words from sqlite_master, so the stored DDL matches drizzle's byte for byte.

CREATE TABLE IF NOT EXISTS `github_issues` (
	`number` integer PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`body` text,
	`state` text NOT NULL,
	`assignee` text,
	`labels` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`synced_at` integer DEFAULT (unixepoch()) NOT NULL,
	`repo_owner` text NOT NULL,
	`repo_name` text NOT NULL
);

CREATE TABLE IF NOT EXISTS `instances` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`status` text NOT NULL,
	`worktree_path` text NOT NULL,
	`branch_name` text NOT NULL,
	`base_branch` text,
	`tmux_session` text NOT NULL,
	`claude_pid` integer,
	`issue_number` integer,
	`pr_number` integer,
	`pr_url` text,
	`parent_instance_id` text,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`terminated_at` integer,
	`last_activity` integer DEFAULT (unixepoch()) NOT NULL,
	`system_prompt` text,
	`agent_number` integer DEFAULT 1 NOT NULL
);

CREATE TABLE IF NOT EXISTS `mcp_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`instance_id` text NOT NULL,
	`tool_name` text NOT NULL,
	`success` integer NOT NULL,
	`error_message` text,
	`metadata` text,
	`git_commit_hash` text,
	`status_change` text,
	`is_status_updating` integer DEFAULT false NOT NULL,
	`timestamp` integer DEFAULT (unixepoch()) NOT NULL
);

CREATE INDEX IF NOT EXISTS `idx_mcp_events_instance_id` ON `mcp_events` (`instance_id`);
CREATE INDEX IF NOT EXISTS `idx_mcp_events_timestamp` ON `mcp_events` (`timestamp`);
CREATE TABLE IF NOT EXISTS `instance_relationships` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`parent_instance` text NOT NULL,
	`child_instance` text NOT NULL,
	`relationship_type` text NOT NULL,
	`review_iteration` integer DEFAULT 1 NOT NULL,
	`created_at` integer DEFAULT (unixepoch()) NOT NULL,
	`metadata` text
);

CREATE INDEX IF NOT EXISTS `idx_relationships_parent` ON `instance_relationships` (`parent_instance`);
CREATE INDEX IF NOT EXISTS `idx_relationships_child` ON `instance_relationships` (`child_instance`);
CREATE UNIQUE INDEX IF NOT EXISTS `instance_relationships_parent_instance_child_instance_relationship_type_unique` ON `instance_relationships` (`parent_instance`,`child_instance`,`relationship_type`);
CREATE TABLE IF NOT EXISTS `user_config` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`encrypted` integer DEFAULT false NOT NULL,
	`updated_at` integer DEFAULT (unixepoch()) NOT NULL
);

-- Drizzle's migrator runs its 0000 migration on a database whose __drizzle_migrations is empty,
-- and fails when the tables already exist. It skips every migration older than the newest row's
-- created_at (milliseconds), so one row stamped now marks this schema as present for it.
CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (
	id SERIAL PRIMARY KEY,
	hash text NOT NULL,
	created_at numeric
);
INSERT INTO "__drizzle_migrations" ("hash", "created_at")
SELECT 'codex-dash:0001_initial_schema', unixepoch() * 1000
WHERE NOT EXISTS (SELECT 1 FROM "__drizzle_migrations");
