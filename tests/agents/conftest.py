"""Fixtures live in agentlab (importable by the tests for its helpers too)."""

from agentlab import lab, socket_name

__all__ = ["lab", "socket_name"]
