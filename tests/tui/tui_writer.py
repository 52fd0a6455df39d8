"""Another process writing to the database through the store (the live tests run it).

python tui_writer.py DB event INSTANCE_ID
python tui_writer.py DB status INSTANCE_ID STATUS
python tui_writer.py DB create INSTANCE_ID CREATED_AT_ISO
"""

from __future__ import annotations

import sys
from datetime import datetime

from store import DatabaseConfig, InstanceRecord, MCPEventRecord, initialize_database


def main(argv: list[str]) -> int:
    path, command, instance_id, *rest = argv
    db = initialize_database(DatabaseConfig().with_target(path))  # a file or a server URL
    try:
        if command == "event":
            event_id = db.log_mcp_event(
                MCPEventRecord(instance_id=instance_id, tool_name="run_tests", success=True)
            )
            print(event_id)
        elif command == "status":
            db.update_instance_status(instance_id, rest[0])
        elif command == "create":
            created = datetime.fromisoformat(rest[0])
            db.create_instance(
                InstanceRecord(
                    id=instance_id,
                    type="coding",
                    status="started",
                    worktree_path=f"/tmp/worktrees/{instance_id}",
                    branch_name=f"feature/{instance_id}",
                    tmux_session=f"codex-{instance_id}",
                    created_at=created,
                    last_activity=created,
                )
            )
        else:
            raise SystemExit(f"unknown command {command}")
    finally:
        db.disconnect()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
