"""What every dialect needs to see through Pony's wrapping of its driver's errors."""

from __future__ import annotations


def root_of(exc: BaseException, driver_error: type[BaseException]) -> BaseException:
    """Pony wraps driver errors (original_exc, a CommitException's `exceptions`, causes): walk to
    the driver's own error so its code and message are visible; `exc` itself when there is none."""
    seen = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, driver_error):
            return current
        original = getattr(current, "original_exc", None)
        if isinstance(original, BaseException):
            current = original
            continue
        inner = getattr(current, "exceptions", None)  # Pony's CommitException: (type, value, tb)
        if inner:
            current = inner[0][1]
            continue
        current = current.__cause__ or current.__context__
    return exc
