from store import DatabaseConfig, InstanceRecord, initialize_database


def test_create_and_read_back(tmp_path):
    with initialize_database(DatabaseConfig(local_file=str(tmp_path / "claude-codex.db"))) as db:
        db.create_instance(
            InstanceRecord(
                id="work-1-a1",
                type="coding",
                status="started",
                worktree_path="/w",
                branch_name="work-1",
                tmux_session="work-1-a1",
            )
        )
        assert db.get_instance("work-1-a1").branch_name == "work-1"
