"""Going / maybe / not going, with capacity and a waitlist: going to a full event queues, a
freed place goes to the first in the queue."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import DomainError
from storage.events.constants import (CHOICES, CLOSED_CANCELLED, CLOSED_DEADLINE, CLOSED_ENDED, CLOSED_STARTED, GOING,
                                      NOT_GOING, SCHEDULED, WAITLIST)
from storage.events.info import RsvpOutcome, closed_reason
from storage.events.notices import _promoted
from storage.events.reminders import ReminderRules, _schedule_reminders
from storage.events.rows import (_find_rsvp, _going_count, _info, _locked, _next_waitlist_seq,
                                 _rsvps_with_members)
from storage.events.validation import _local
from storage.members import Actor
from storage.models import Member
from storage.models.events import Event, Rsvp


def rsvp(session: Session, actor: Actor, event_id: int, choice: str, *, now: datetime,
         rules: ReminderRules) -> RsvpOutcome:
    """Answer going / maybe / not going. Going to a full event joins the waitlist; leaving
    "going" promotes the first on the waitlist. Repeating an answer changes nothing."""
    if choice not in CHOICES:
        raise DomainError("Answer going, maybe or not going.")
    # The event's row lock orders concurrent answers (PostgreSQL; SQLite's writes are serial).
    event = _locked(session, event_id)
    reason = closed_reason(event, now)
    if reason is not None:
        raise DomainError(_closed_message(event, reason))
    row = _find_rsvp(session, event.id, actor.member_id)
    previous = row.status if row else None
    unchanged = previous == choice or (choice == GOING and previous == WAITLIST)
    if not unchanged:
        if row is None:
            row = _new_rsvp(session, event.id, actor.member_id, now)
        if choice == GOING:
            if event.capacity is not None and _going_count(session, event.id) >= event.capacity:
                row.status, row.waitlist_seq = WAITLIST, _next_waitlist_seq(session, event.id)
            else:
                _make_going(session, event, row, actor.user_id, rules, now)
        else:
            # Their pending reminders, if they were going, are skipped when due (no longer going).
            row.status, row.waitlist_seq = choice, None
        row.updated_at = now
        session.flush()
    # A place freed by this answer, or by someone who left the workspace, goes to the waitlist.
    promoted = _fill_from_waitlist(session, event, rules, now=now)
    info = _info(session, event, viewer=actor.member_id)
    return RsvpOutcome(info, info.viewer_status or choice, previous, not unchanged, tuple(promoted))


def _new_rsvp(session: Session, event_id: int, member_id: int, now: datetime) -> Rsvp:
    row = Rsvp(event_id=event_id, member_id=member_id, status=NOT_GOING, generation=0, created_at=now,
               updated_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # A double click raced us past the lock (it cannot on PostgreSQL or SQLite, but the
        # unique key is the last word): use the row it made.
        found = _find_rsvp(session, event_id, member_id)
        assert found is not None
        return found
    return row


def _make_going(session: Session, event: Event, row: Rsvp, user_id: str, rules: ReminderRules,
                now: datetime) -> None:
    # The waitlist_seq stays: it records where they queued.
    row.status = GOING
    row.generation += 1
    _schedule_reminders(session, event, user_id, row.generation, rules, now)


def _fill_from_waitlist(session: Session, event: Event, rules: ReminderRules, *, now: datetime,
                        source_key: str | None = None) -> list[str]:
    """Promote the first on the waitlist into free places; a notice (due now) tells each of them."""
    if event.status != SCHEDULED or event.starts_at <= now:
        return []
    free = None if event.capacity is None else event.capacity - _going_count(session, event.id)
    if free is not None and free <= 0:
        return []
    waiting = _rsvps_with_members(session, event.id, (WAITLIST,))
    promoted: list[tuple[Member, int]] = []
    for row, member in (waiting[:free] if free is not None else waiting):
        _make_going(session, event, row, member.user_id, rules, now)
        row.updated_at = now
        promoted.append((member, row.generation))
    if promoted:
        _promoted(session, event, promoted, source_key=source_key, now=now)
    return [member.user_id for member, _ in promoted]


def _closed_message(event: Event, reason: str) -> str:
    tz = ZoneInfo(event.timezone)
    return {
        CLOSED_CANCELLED: f"“{event.title}” was cancelled, so it takes no RSVPs.",
        CLOSED_ENDED: f"“{event.title}” is over.",
        CLOSED_STARTED: f"“{event.title}” started at {_local(event.starts_at, tz)}: RSVPs are closed.",
        CLOSED_DEADLINE: f"RSVPs for “{event.title}” closed at "
                         f"{_local(event.rsvp_deadline, tz) if event.rsvp_deadline else ''}.",
    }[reason]
