"""Fixtures live in demolab (importable by the tests for its helpers too)."""

from demolab import demo_socket

__all__ = ["demo_socket"]
