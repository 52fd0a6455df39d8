"""Attach plans run against a real tmux server: a nested `tmux attach` inside a second session is the
user's client that `a` moves."""

from __future__ import annotations

import os
from functools import partial

import testkit
from agentlab import SLEEPER, Lab, needs_tmux, python

from agents import tmux
from agents.attach import inside_same_server, locate, plan_attach, run_now, server_socket_path


def clients(lab: Lab) -> list[tuple[str, str]]:
    result = tmux._run(
        ["list-clients", "-F", "#{client_session} #{client_readonly}"], socket=lab.socket
    )
    return [tuple(line.split()) for line in result.stdout.splitlines() if line]  # type: ignore[misc]


wait_for = partial(testkit.wait_for, timeout=10.0)  # attaching starts a client: a longer bound


def user_client(lab: Lab) -> tuple[str, dict[str, str]]:
    """A dashboard stand-in session with a real client looking at it, and the environment a
    process in its pane has ($TMUX, $TMUX_PANE)."""
    app, _ = lab.session(python(SLEEPER), prefix="app")
    attach = f"env -u TMUX {tmux.tmux_binary()} -L {lab.socket} attach-session -t ={app}"
    lab.session(attach, prefix="viewer")
    assert wait_for(lambda: (app, "0") in clients(lab))
    pane = tmux._run(["display-message", "-p", "-t", f"={app}:", "#{pane_id}"], socket=lab.socket)
    pid = tmux._run(["display-message", "-p", "#{pid}"], socket=lab.socket).stdout.strip()
    environ = dict(os.environ)
    environ["TMUX"] = f"{server_socket_path(lab.socket)},{pid},0"
    environ["TMUX_PANE"] = pane.stdout.strip()
    return app, environ


@needs_tmux
def test_inside_tmux_a_switches_the_users_own_client(lab: Lab) -> None:
    agent, _ = lab.session(python(SLEEPER), prefix="agent")
    _app, environ = user_client(lab)
    assert inside_same_server(lab.socket, environ)
    plan = plan_attach(agent, read_only=False, socket=lab.socket, environ=environ)
    assert plan.how == "switch"
    assert "L (last session) brings you back" in plan.message and "C-b L" in plan.message
    assert run_now(plan) is None
    assert wait_for(lambda: clients(lab) == [(agent, "0")])


@needs_tmux
def test_inside_tmux_read_only_opens_a_read_only_client_and_leaves_the_users_alone(
    lab: Lab,
) -> None:
    agent, _ = lab.session(python(SLEEPER), prefix="agent")
    app, environ = user_client(lab)
    plan = plan_attach(agent, read_only=True, socket=lab.socket, environ=environ)
    assert plan.how == "popup" and plan.read_only
    assert "read-only" in plan.message.lower() and "not type" in plan.message
    assert run_now(plan, timeout=2.0) is None
    assert wait_for(lambda: sorted(clients(lab)) == sorted([(app, "0"), (agent, "1")]))


@needs_tmux
def test_outside_tmux_the_attach_command_gives_a_client_read_only_when_asked(lab: Lab) -> None:
    agent, _ = lab.session(python(SLEEPER), prefix="agent")
    environ = {k: v for k, v in os.environ.items() if k != "TMUX"}
    for read_only in (False, True):
        plan = plan_attach(agent, read_only=read_only, socket=lab.socket, environ=environ)
        assert plan.how == "suspend" and "TMUX" not in plan.environment()
        assert ("-r" in plan.command) is read_only
        # The terminal the suspended dashboard hands over: a tmux pane running the command.
        terminal, _ = lab.session("env -u TMUX " + " ".join(plan.command), prefix="term")
        expected = (agent, "1" if read_only else "0")
        assert wait_for(lambda expected=expected: expected in clients(lab))
        tmux.kill_session(terminal, socket=lab.socket)
        assert wait_for(lambda: not clients(lab))
    assert "read-only" in plan.message and "detach" in plan.message


@needs_tmux
def test_locate_says_where_a_session_is(lab: Lab, tmp_path) -> None:
    agent, _ = lab.session(python(SLEEPER), prefix="agent")
    assert locate(agent, str(tmp_path), socket=lab.socket).here
    assert locate(None).place == "none"
    ended = locate("agent-gone", str(tmp_path), socket=lab.socket)
    assert ended.place == "ended" and "has ended" in ended.message
    away = locate("agent-gone", "/nonexistent/worktree/of/another/machine", socket=lab.socket)
    assert away.place == "elsewhere" and "not on this machine" in away.message


def test_locate_without_tmux(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert locate("some-session").place == "no_tmux"
