"""Turnout: who is coming and who came. The attendees (and their CSV), the record of who came,
and attendance figures for reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from storage.errors import DomainError
from storage.events.constants import CANCELLED, GOING, MAYBE, MEETING_KINDS, NOT_GOING, SCHEDULED, WAITLIST
from storage.events.info import AttendanceSummary, Attendee, Attendees
from storage.events.manage import _require_manage
from storage.events.rows import _info, _locked, _rsvps_with_members, get_event_row
from storage.events.rsvps import _new_rsvp
from storage.forms import csv_safe
from storage.members import Actor, Role, ensure_member
from storage.models.events import Event, Rsvp


def attendees(session: Session, actor: Actor, event_id: int) -> Attendees:
    """Who answered what, in order (the waitlist in its order). Organisers only."""
    actor.require(Role.ORGANISER, "see who is coming to events")
    event = get_event_row(session, event_id)
    groups: dict[str, list[Attendee]] = {GOING: [], MAYBE: [], WAITLIST: [], NOT_GOING: []}
    position = 0
    for status in groups:
        for row, member in _rsvps_with_members(session, event.id, (status,), active_only=False):
            queued = status == WAITLIST and not member.deactivated
            position += queued
            groups[status].append(Attendee(
                member.user_id, member.name, member.email, member.department, row.status,
                position if queued else None, row.updated_at, row.attended, member.deactivated))
    return Attendees(_info(session, event), groups[GOING], groups[MAYBE], groups[WAITLIST], groups[NOT_GOING],
                     event.attendance_recorded_at is not None)


CSV_COLUMNS = ["name", "user_id", "email", "department", "response", "waitlist_position", "responded_at",
               "attended", "left_workspace"]
_RESPONSE_NAMES = {GOING: "going", MAYBE: "maybe", WAITLIST: "waitlist", NOT_GOING: "not going"}


def attendees_csv(session: Session, actor: Actor, event_id: int) -> tuple[str, bytes, int]:
    """The attendees as CSV: (filename, UTF-8 bytes, rows). Times in the event's zone."""
    found = attendees(session, actor, event_id)
    tz = found.event.tz
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = [*found.going, *found.waitlist, *found.maybe, *found.not_going]
    for a in rows:
        attended = "" if a.attended is None else ("yes" if a.attended else "no")
        writer.writerow([csv_safe(a.name), a.user_id, csv_safe(a.email or ""), csv_safe(a.department or ""),
                         _RESPONSE_NAMES[a.status], a.waitlist_position or "",
                         a.responded_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), attended,
                         "yes" if a.left else ""])
    day = found.event.starts_at.astimezone(tz).date().isoformat()
    filename = f"attendees-{found.event.id}-{day}.csv"
    return filename, out.getvalue().encode("utf-8"), len(rows)


def record_attendance(session: Session, actor: Actor, event_id: int, user_ids: Iterable[str], *,
                      now: datetime) -> int:
    """Record who actually came (those listed, by their ids on the actor's surface), replacing
    "going" as the attendance for reports. Someone who came without answering is added.
    Returns how many came."""
    event = _locked(session, event_id)
    _require_manage(session, actor, event, "record its attendance")
    if event.status == CANCELLED:
        raise DomainError(f"“{event.title}” was cancelled.")
    if event.starts_at > now:
        raise DomainError(f"“{event.title}” hasn't started yet: record who came once it has.")
    came = set(user_ids)
    known = {m.user_id: (r, m) for r, m in _rsvps_with_members(
        session, event.id, (GOING, MAYBE, WAITLIST, NOT_GOING), active_only=False)}
    for user_id in came - set(known):
        member = ensure_member(session, actor.identity.colleague(user_id), now=now)
        row = _new_rsvp(session, event.id, member.id, now)
        row.status = GOING
        known[user_id] = (row, member)
    for user_id, (row, _) in known.items():
        row.attended = user_id in came
    event.attendance_recorded_at = now
    session.flush()
    return len(came)


def attendance(session: Session, start: datetime, end: datetime,
               kinds: Sequence[str] | None = MEETING_KINDS) -> AttendanceSummary:
    """Attendance at events (not cancelled) that started in [start, end) of these kinds (all
    if None): how many events, attendances and distinct members. Where an organiser recorded
    who came, that counts; elsewhere the members who said they were going."""
    query = select(Rsvp.member_id, Rsvp.event_id).join(Event, Event.id == Rsvp.event_id).where(
        Event.starts_at >= start, Event.starts_at < end, Event.status == SCHEDULED,
        or_(and_(Event.attendance_recorded_at.is_not(None), Rsvp.attended.is_(True)),
            and_(Event.attendance_recorded_at.is_(None), Rsvp.status == GOING)))
    events_query = select(func.count()).select_from(Event).where(
        Event.starts_at >= start, Event.starts_at < end, Event.status == SCHEDULED)
    if kinds:
        query = query.where(Event.kind.in_(list(kinds)))
        events_query = events_query.where(Event.kind.in_(list(kinds)))
    rows = session.execute(query).all()
    return AttendanceSummary(session.scalar(events_query) or 0, len(rows), len({m for m, _ in rows}))


def attendance_count(session: Session, start: datetime, end: datetime,
                     kinds: Sequence[str] | None = MEETING_KINDS) -> int:
    """How many members attended meetings (by default network and team meetings) that
    started in [start, end). See `attendance`."""
    return attendance(session, start, end, kinds).members
