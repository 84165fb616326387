"""How a moment reads in a message: one wording for every view that shows a date and time."""

from __future__ import annotations

from datetime import datetime, tzinfo


def when(moment: datetime, tz: tzinfo) -> str:
    """'Fri 14 Mar 2025, 17:00' in the reader's zone."""
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"
