"""`codex-dash` on the command line: help, version, and one-line failures with exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tui import cli

CODEX_DASH = str(Path(sys.executable).with_name("codex-dash"))
NOT_A_DB = b"this is a text file, not a database\n" * 200


@pytest.fixture
def clean_env(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("CODEX_DASH_KEY_FILE", str(tmp_path / "secret.key"))
    return tmp_path


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_help_and_version_exit_zero(flag, capsys, clean_env):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([flag])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "codex-dash" in out
    if flag == "--help":
        assert "--read-only" in out and "--db" in out


def test_read_only_on_a_missing_file_fails_in_one_line_and_creates_nothing(capsys, clean_env):
    code = cli.main(["--read-only", "--db", "missing.db"])
    assert code == 2
    line = one_line(capsys.readouterr().err)
    assert "missing.db" in line
    assert "does not exist" in line
    assert not any(clean_env.iterdir()), list(clean_env.iterdir())


@pytest.mark.parametrize("read_only", [False, True])
def test_a_file_that_is_not_a_database_fails_in_one_line(read_only, capsys, clean_env):
    target = clean_env / "notes.db"
    target.write_bytes(NOT_A_DB)
    code = cli.main(["--db", str(target), *(["--read-only"] if read_only else [])])
    assert code == 2
    line = one_line(capsys.readouterr().err)
    assert "notes.db" in line
    assert "not a" in line.lower() or "not a sqlite database" in line.lower()
    assert target.read_bytes() == NOT_A_DB
    assert sorted(p.name for p in clean_env.iterdir()) == ["notes.db"]


def test_database_url_is_used_when_db_is_not_given(capsys, clean_env, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"file:{clean_env / 'from-env.db'}")
    code = cli.main(["--read-only"])
    assert code == 2
    line = one_line(capsys.readouterr().err)
    assert "from-env.db" in line


def test_database_url_opens_the_dashboard_on_that_file(demo_db, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"file:{demo_db}")
    seen: list[tuple[str, bool]] = []

    def fake_run(app, *args, **kwargs):  # no terminal here: record what would have run
        seen.append((app.gateway.config.path, app.read_only))
        app.gateway.close()

    monkeypatch.setattr("tui.app.CodexDashApp.run", fake_run)
    assert cli.main(["--read-only"]) == 0
    assert seen == [(demo_db, True)]
    # --db wins over DATABASE_URL
    seen.clear()
    other = Path(demo_db).with_name("copy.db")
    other.write_bytes(Path(demo_db).read_bytes())
    assert cli.main(["--db", str(other)]) == 0
    assert seen == [(str(other), False)]


def test_installed_command_reports_a_missing_file_without_a_traceback(clean_env):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [CODEX_DASH, "--read-only", "--db", "missing.db"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=clean_env,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    line = one_line(result.stderr)
    assert line.startswith("codex-dash: ")
    assert "missing.db" in line
    assert result.stdout == ""
    assert not (clean_env / "missing.db").exists()
    version = subprocess.run(
        [CODEX_DASH, "--version"], capture_output=True, text=True, timeout=120, check=False
    )
    assert version.returncode == 0 and version.stdout.startswith("codex-dash ")


@pytest.mark.parametrize("value", ["soon", "0", "-3", "nan", "inf"])
def test_a_bad_stall_time_fails_in_one_line(value, capsys, clean_env):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--stall-minutes", value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err  # argparse: the usage, then one line saying what is wrong
    assert "Traceback" not in err
    assert "argument --stall-minutes" in err.strip().splitlines()[-1]


def test_agent_options_reach_the_app(demo_db, monkeypatch, clean_env):
    seen = {}

    def fake_run(app, *args, **kwargs):  # no terminal here: what the app would start with
        seen["stall"] = app.needs_you.tracker.stall_after.total_seconds()
        seen["command"] = app.needs_you.notifier.settings.command
        seen["silenced"] = app.needs_you.notifier.silenced
        seen["socket"] = app.tmux_socket
        app.feed.preload.result()
        app.gateway.close()

    monkeypatch.setattr("tui.app.CodexDashApp.run", fake_run)
    argv = ["--db", demo_db, "--stall-minutes", "2.5", "--notify-command", "true"]
    assert cli.main([*argv, "--no-notify", "--tmux-socket", "agents"]) == 0
    assert seen == {"stall": 150.0, "command": "true", "silenced": True, "socket": "agents"}
