"""Calendar files (.ics) for events: one event's file, and feeds of many (the same VEVENTs)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from storage.events.constants import UTC
from storage.events.info import EventInfo

if TYPE_CHECKING:
    from icalendar import Calendar, Event as VEvent


def _calendar(name: str | None = None) -> Calendar:
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//technet//Technician network//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    return cal


def _vevent(event: EventInfo, *, now: datetime, private: bool = True) -> VEvent:
    """One event: its UID is stable for the occurrence and SEQUENCE rises on each change, so a
    calendar updates the entry rather than adding another. `private=False` (the public feed)
    leaves out the online link and the organiser's address, which are for members."""
    from icalendar import Event as VEvent, vCalAddress, vText

    tz = event.tz
    item = VEvent()
    item.add("uid", event.uid)
    item.add("sequence", event.sequence)
    item.add("dtstamp", now.astimezone(UTC))
    item.add("last-modified", event.updated_at.astimezone(UTC))
    item.add("dtstart", event.starts_at.astimezone(tz))
    item.add("dtend", event.ends_at.astimezone(tz))
    item.add("summary", event.title)
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    item.add("categories", [event.kind_label])
    link = event.online_link if private else None
    description = event.description
    if link:
        description = (description + "\n\n" if description else "") + f"Join online: {link}"
        item.add("url", link)
    if description:
        item.add("description", description)
    location = ", ".join(p for p in (event.location, link) if p)
    if location:
        item.add("location", location)
    if private and event.organiser_email:
        organiser = vCalAddress(f"mailto:{event.organiser_email}")
        organiser.params["cn"] = vText(event.organiser_name)
        item.add("organizer", organiser)
    return item


def calendar_file(event: EventInfo, *, now: datetime) -> tuple[str, bytes]:
    """An .ics file for one event: its own zone (with a VTIMEZONE), a UID stable for the
    occurrence and SEQUENCE bumped on each change, so calendars update rather than duplicate."""
    cal = _calendar()
    cal.add_component(_vevent(event, now=now))
    first = event.starts_at.astimezone(event.tz).date()
    cal.add_missing_timezones(first_date=first - timedelta(days=400), last_date=first + timedelta(days=400))
    slug = re.sub(r"[^a-z0-9]+", "-", event.title.lower()).strip("-")[:40] or "event"
    return f"{slug}-{first.isoformat()}.ics", cal.to_ical()


def calendar_feed(events: Sequence[EventInfo], *, name: str, private: bool) -> bytes:
    """A subscribable calendar of `events` (the same VEVENTs as the single files, so an event
    imported from a file and seen in a feed is one entry), with a VTIMEZONE per zone used."""
    cal = _calendar(name)
    for event in events:
        # DTSTAMP is the event's last change, not the time of the request: an unchanged feed is then
        # the same bytes (one ETag), so a calendar polling it gets 304s.
        cal.add_component(_vevent(event, now=event.updated_at, private=private))
    if events:
        first = min(e.starts_at for e in events).date()
        last = max(e.starts_at for e in events).date()
        cal.add_missing_timezones(first_date=first - timedelta(days=1), last_date=last + timedelta(days=1))
    return cal.to_ical()
