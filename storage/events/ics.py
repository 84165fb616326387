"""Calendar files (.ics) for events."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from storage.events.constants import UTC
from storage.events.info import EventInfo


def calendar_file(event: EventInfo, *, now: datetime) -> tuple[str, bytes]:
    """An .ics file for one event: its own zone (with a VTIMEZONE), a UID stable for the
    occurrence and SEQUENCE bumped on each change, so calendars update rather than duplicate."""
    from icalendar import Calendar, Event as VEvent, vCalAddress, vText

    tz = event.tz
    cal = Calendar()
    cal.add("prodid", "-//technet//Technician network//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
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
    description = event.description
    if event.online_link:
        description = (description + "\n\n" if description else "") + f"Join online: {event.online_link}"
        item.add("url", event.online_link)
    if description:
        item.add("description", description)
    location = ", ".join(p for p in (event.location, event.online_link) if p)
    if location:
        item.add("location", location)
    if event.organiser_email:
        organiser = vCalAddress(f"mailto:{event.organiser_email}")
        organiser.params["cn"] = vText(event.organiser_name)
        item.add("organizer", organiser)
    cal.add_component(item)
    first = event.starts_at.astimezone(tz).date()
    cal.add_missing_timezones(first_date=first - timedelta(days=400), last_date=first + timedelta(days=400))
    slug = re.sub(r"[^a-z0-9]+", "-", event.title.lower()).strip("-")[:40] or "event"
    return f"{slug}-{first.isoformat()}.ics", cal.to_ical()
