"""An announcement as it is posted (the scheduled post and the organiser's preview) and how its times read."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from core import ui
from core.markup import escape
from storage import announcements
from storage.announcements import AnnouncementInfo


def when(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y} at {local:%H:%M}"


def day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def repeat_text(info: AnnouncementInfo) -> str:
    if not info.repeats:
        return "once"
    label = announcements.REPEATS[info.repeat].lower()
    return f"{label} until {day(info.until)}" if info.until else label


def post_blocks(info: AnnouncementInfo, *, late_note: str | None = None) -> list[ui.Block]:
    """The announcement exactly as it appears in the channel (the preview uses this too)."""
    notes = [f"Announcement from {escape(info.author_name)}"]
    if late_note:
        notes.append(late_note)
    return [ui.section(escape(info.text)), ui.context(" · ".join(notes))]
