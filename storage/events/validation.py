"""Checking the organiser's form (each problem named by its field), and the start times of a series."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from storage.events.constants import (DESCRIPTION_LIMIT, F_CAPACITY, F_DEADLINE, F_DESCRIPTION, F_ENDS, F_KIND,
                                      F_LINK, F_LOCATION, F_REPEAT, F_STARTS, F_TITLE, F_UNTIL, FREQUENCIES, KINDS,
                                      LINK_LIMIT, LOCATION_LIMIT, MAX_CAPACITY, MAX_LENGTH, MAX_OCCURRENCES,
                                      TITLE_LIMIT, UTC, InvalidEvent)
from storage.events.info import EventForm
from storage.models.events import Event
from storage.words import plural


@dataclass(frozen=True)
class _Clean:
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_link: str | None
    capacity: int | None
    rsvp_deadline: datetime | None
    description: str
    repeat: str | None
    repeat_until: date | None


def _validate(form: EventForm, *, now: datetime, tz: ZoneInfo, event: Event | None = None,
              going: int = 0) -> _Clean:
    errors: dict[str, str] = {}
    title = " ".join((form.title or "").split())
    if not title:
        errors[F_TITLE] = "Give the event a title."
    elif len(title) > TITLE_LIMIT:
        errors[F_TITLE] = f"Keep the title to {TITLE_LIMIT} characters (it is {len(title)})."
    kind = form.kind or ""
    if kind not in KINDS:
        errors[F_KIND] = "Choose what kind of event it is."
    starts, ends = form.starts_at, form.ends_at
    moved = event is None or starts != event.starts_at
    if starts is None:
        errors[F_STARTS] = "When does it start?"
    elif moved and starts <= now:
        errors[F_STARTS] = "That start is in the past: choose a time from now on."
    if ends is None:
        errors[F_ENDS] = "When does it end?"
    elif starts is not None and ends <= starts:
        errors[F_ENDS] = f"It ends before it starts: the end must be after {_local(starts, tz)}."
    elif starts is not None and ends - starts > MAX_LENGTH:
        errors[F_ENDS] = "An event can last 14 days at most; for a longer one, make a series."
    location = " ".join((form.location or "").split()) or None
    link = (form.online_link or "").strip() or None
    if location and len(location) > LOCATION_LIMIT:
        errors[F_LOCATION] = f"Keep the place to {LOCATION_LIMIT} characters (it is {len(location)})."
    elif not location and not link:
        errors[F_LOCATION] = "Give a place, an online link, or both."
    if link and not _is_web_link(link):
        errors[F_LINK] = "That isn't a web link: it should look like https://teams.example.ac.uk/meet/123."
    capacity = _capacity(form.capacity, errors)
    if capacity is not None and capacity < going:
        errors[F_CAPACITY] = (f"{plural(going, 'person is', 'people are')} going already: "
                              f"the capacity can't be below {going} (leave it as it is or raise it).")
    deadline = form.rsvp_deadline
    if deadline is not None and starts is not None and deadline >= starts:
        errors[F_DEADLINE] = "RSVPs must close before the event starts."
    elif deadline is not None and deadline <= now and (event is None or deadline != event.rsvp_deadline):
        errors[F_DEADLINE] = "That RSVP deadline has passed already."
    description = (form.description or "").strip()
    if len(description) > DESCRIPTION_LIMIT:
        errors[F_DESCRIPTION] = (f"Keep the description to {DESCRIPTION_LIMIT:,} characters "
                                 f"(it is {len(description):,}).")
    repeat = form.repeat or None
    if repeat == "none":
        repeat = None
    until = form.repeat_until
    if event is None:
        if repeat is not None and repeat not in FREQUENCIES:
            errors[F_REPEAT] = "Choose how often it repeats."
        elif repeat and until is None:
            errors[F_UNTIL] = "Until when does it repeat? Choose the date of the last one."
        elif repeat and starts is not None and until is not None:
            first_day = starts.astimezone(tz).date()
            if until <= first_day:
                errors[F_UNTIL] = "The series must run past its first date."
            elif len(occurrences(starts, tz, repeat, until)) > MAX_OCCURRENCES:
                errors[F_UNTIL] = (f"That is more than {MAX_OCCURRENCES} events in one series: choose an earlier "
                                   "last date.")
        elif until is not None and not repeat:
            errors[F_REPEAT] = "You gave a last date: choose how often it repeats (or clear the date)."
    if errors:
        raise InvalidEvent(errors)
    assert starts is not None and ends is not None
    return _Clean(title, kind, starts, ends, location, link, capacity, deadline, description,
                  repeat if event is None else None, until if event is None and repeat else None)


def _capacity(value: str | int | None, errors: dict[str, str]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if not text.isdigit():
        errors[F_CAPACITY] = "The capacity is a whole number of places (or leave it empty for no limit)."
        return None
    number = int(text)
    if not 1 <= number <= MAX_CAPACITY:
        errors[F_CAPACITY] = f"The capacity must be between 1 and {MAX_CAPACITY:,} (or empty for no limit)."
        return None
    return number


def _is_web_link(link: str) -> bool:
    if len(link) > LINK_LIMIT or any(c.isspace() or c in "<>|\"" for c in link):
        return False
    parts = urlsplit(link)
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host and not host.startswith(".") and not host.endswith(".")


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %-d %b %H:%M %Z")


# Series ----------------------------------------------------------------------------------------

def occurrences(first: datetime, tz: ZoneInfo, frequency: str | None, until: date | None) -> list[datetime]:
    """Start times of a series in UTC: the same local time each week, fortnight, month
    (the same day of the month, or its last day) or quarter, up to and including `until`."""
    if not frequency:
        return [first]
    days, months = FREQUENCIES[frequency]
    wall = first.astimezone(tz).replace(tzinfo=None)
    starts: list[datetime] = []
    for n in count():
        moment = wall + timedelta(days=days * n) if days else _add_months(wall, months * n)
        if until is None or moment.date() > until or len(starts) > MAX_OCCURRENCES:
            break
        starts.append(moment.replace(tzinfo=tz).astimezone(UTC))
    return starts


def _add_months(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
