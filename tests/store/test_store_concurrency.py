"""Real processes writing at once: nothing lost, nothing doubled, no writer sees an error."""

from __future__ import annotations

import json
from collections import Counter

from store_helpers import finish_worker, make_instance, start_worker

WRITERS = 4
EVENTS_EACH = 500
STATUS_CHANGES = 100


def test_four_event_writers_and_a_status_writer(open_db, raw_db, tmp_path):
    db = open_db(busy_timeout=5000)
    targets = [db.create_instance(make_instance()) for _ in range(2)]
    toggled = db.create_instance(make_instance())
    go = tmp_path / "go"
    writers = [
        start_worker("events", raw_db.target, targets[n % 2], str(EVENTS_EACH), str(go), f"w{n}")
        for n in range(WRITERS)
    ]
    statuses = start_worker("statuses", raw_db.target, toggled, str(STATUS_CHANGES), str(go))
    go.touch()
    reports = [finish_worker(w) for w in writers]
    status_report = finish_worker(statuses)

    assert all(r == {"written": EVENTS_EACH, "errors": []} for r in reports), reports
    assert status_report == {"changes": STATUS_CHANGES, "errors": []}

    rows = raw_db("SELECT instance_id, metadata FROM mcp_events WHERE tool_name = 'worker_tool'")
    seen = Counter((iid, json.loads(meta)["worker"], json.loads(meta)["seq"]) for iid, meta in rows)
    expected = {
        (targets[n % 2], f"w{n}", seq) for n in range(WRITERS) for seq in range(EVENTS_EACH)
    }
    assert set(seen) == expected
    assert max(seen.values()) == 1  # every event exactly once

    changes = db.get_mcp_events(toggled, limit=1000)
    assert len(changes) == STATUS_CHANGES
    assert db.get_instance(toggled).status == (
        "started" if STATUS_CHANGES % 2 == 0 else "waiting_review"
    )
    assert raw_db.integrity() == "ok"
