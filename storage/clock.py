"""The one clock. Every "now" in technet comes from here, so freezegun controls it.

The local shell also moves it forward (`:later 1d`) with an offset; freezegun cannot,
because the shell's app answers on other threads. Nothing else sets the offset.
"""

from datetime import datetime, timedelta, UTC

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(UTC) + _offset


def offset() -> timedelta:
    """How far the shell has moved the clock ahead of real time (zero everywhere else)."""
    return _offset


def set_offset(value: timedelta) -> None:
    """For the local shell only: every later now() is real time plus `value`."""
    global _offset
    _offset = value


def as_utc(value: datetime) -> datetime:
    """Aware UTC, also for values SQLite hands back without their zone."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
