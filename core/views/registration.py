"""Where a member is with professional registration, in one line: `/tech register` shows it, and so
does the Home tab's mentoring and registration section."""

from __future__ import annotations

from core import ui
from storage.registration import Guide, StatusInfo


def status_line(guide: Guide, info: StatusInfo | None) -> ui.Markup:
    """Where the member is, in one line (the Home tab, the guide)."""
    if info is None or (info.status == "not_started" and not info.register):
        aim = f" The questions suggested *{guide.name(info.suggested)}*." if info and info.suggested else ""
        return f"Not recorded yet.{aim} `/tech register` explains the registers."
    if info.status == "registered":
        return f":medal: Registered: *{guide.name(info.register)}*."
    if info.status == "not_started":
        return f"Not started; aiming for *{guide.name(info.register)}*."
    return f"{info.status_label}: *{guide.name(info.register)}*."
