"""Notices: the changes people must hear about (moved, cancelled, a waitlist promotion, the
channel announcement of a new event).

Each is written in the unit of work of the change, so a change and its notices commit
together: an `EventNotice` row, the change's record (what changed, who is told), and a due
row in the ledger per person told (one for the channel post), due at once.
digests/event_notices.py sends each once; the ledger retries a failed send with backoff and
gives up after `ledger.MAX_ATTEMPTS` (DESIGN decision 3). A due row is keyed by the change
(the cancellation, the promotion's RSVP generation, the event's revision for a move) and the
member, so the same change is never noticed twice.

What a notice says is decided when it is sent (`notice_to_send`), from what is true then:
nothing for a member who has left or answered again since, nothing about a move that was
moved back; a second move before the first was sent folds into one notice, which tells the
member what differs from what they last heard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from storage.identities import MessageRef
from storage import ledger
from storage.db import rowcount
from storage.events.constants import (ANNOUNCE, CANCELLED, GOING, NOTICE, NOTICE_ANNOUNCE, NOTICE_CANCELLED,
                                      NOTICE_CHANGED, NOTICE_PROMOTED, WAITLIST)
from storage.events.info import EventInfo, Notice
from storage.events.reminders import _subject
from storage.events.rows import _by_source, _find_rsvp, _info, get_event_row
from storage.members import find_addressed
from storage.models import DueItem, Member
from storage.models.events import Event, EventNotice


def created_by(session: Session, source_key: str) -> list[int]:
    """The events this submission created (none yet, while its unit of work is not visible)."""
    return [event.id for event in _by_source(session, source_key)]


# Written with the change ---------------------------------------------------------------------

def _announce(session: Session, event: Event, *, by: int | None, source_key: str | None, now: datetime) -> None:
    """The channel post of a new event (the first of a series)."""
    _record(session, event, NOTICE_ANNOUNCE, [], {}, by=by, source_key=source_key, now=now)
    ledger.schedule(session, kind=ANNOUNCE, subject=_subject(event.id), occurrence=NOTICE_ANNOUNCE, due_at=now,
                    payload={"event": event.id})


def _cancelled(session: Session, event: Event, recipients: Sequence[Member], *, reason: str | None, by: int | None,
               source_key: str | None, now: datetime) -> None:
    _record(session, event, NOTICE_CANCELLED, recipients, {"reason": reason}, by=by, source_key=source_key, now=now)
    for member in recipients:
        # An event is cancelled once, so the member alone keys it.
        _due(session, event, NOTICE_CANCELLED, member.user_id, now, member=member.user_id, reason=reason)


def _promoted(session: Session, event: Event, promoted: Sequence[tuple[Member, int]], *, source_key: str | None,
              now: datetime) -> None:
    """`promoted`: (the member, the RSVP generation that made them going)."""
    _record(session, event, NOTICE_PROMOTED, [member for member, _ in promoted], {}, by=None, source_key=source_key,
            now=now)
    for member, generation in promoted:
        _due(session, event, NOTICE_PROMOTED, f"{member.user_id}.{generation}", now, member=member.user_id,
             generation=generation)


def _changed(session: Session, event: Event, recipients: Sequence[Member], *, what: list[str], before: dict[str, Any],
             by: int | None, source_key: str | None, now: datetime) -> None:
    """The event moved or changed place (`before`: its time and place until now)."""
    _record(session, event, NOTICE_CHANGED, recipients, {"what": what, "before": before}, by=by,
            source_key=source_key, now=now)
    for member in recipients:
        heard = _withdraw_unsent_moves(session, event.id, member.user_id, now=now) or before
        _due(session, event, NOTICE_CHANGED, f"{member.user_id}#{event.sequence}", now, member=member.user_id,
             before=heard)


def _record(session: Session, event: Event, kind: str, recipients: Sequence[Member], details: dict[str, Any], *,
            by: int | None, source_key: str | None, now: datetime) -> None:
    session.add(EventNotice(event_id=event.id, kind=kind, recipients=[m.id for m in recipients], details=details,
                            source_key=source_key, created_by_id=by, created_at=now))


def _due(session: Session, event: Event, notice: str, key: str, now: datetime, **payload: Any) -> None:
    """One member's notice, due now, keyed "<notice>:<key>" under the event."""
    ledger.schedule(session, kind=NOTICE, subject=_subject(event.id), occurrence=f"{notice}:{key}", due_at=now,
                    payload={"event": event.id, "notice": notice, **payload})


def _withdraw_unsent_moves(session: Session, event_id: int, member: str, *, now: datetime) -> dict[str, Any] | None:
    """Withdraw this member's earlier move notices that are still waiting (not being sent),
    and return where the first of them says the event was: what the member last heard."""
    waiting = session.execute(select(DueItem.id, DueItem.payload).where(
        DueItem.kind == NOTICE, DueItem.subject == _subject(event_id), DueItem.status == ledger.PENDING,
        DueItem.occurrence.startswith(f"{NOTICE_CHANGED}:{member}#", autoescape=True)).order_by(DueItem.id)).all()
    heard = None
    for item_id, payload in waiting:
        # Only a row no worker holds: one being sent now may reach the member, so the next
        # notice must start from what it says (the `before` of this change).
        withdrawn = rowcount(session.execute(
            update(DueItem).where(DueItem.id == item_id, DueItem.status == ledger.PENDING,
                                  or_(DueItem.claim_expires_at.is_(None), DueItem.claim_expires_at <= now))
            .values(status=ledger.CANCELLED, claimed_by=None, result="folded into a later change's notice"),
            execution_options={"synchronize_session": False}))
        if withdrawn and heard is None:
            heard = dict(payload["before"])
    return heard


# Read when sending -----------------------------------------------------------------------------

def notice_to_send(session: Session, payload: dict[str, Any], *, now: datetime) -> tuple[Notice | None, str]:
    """What a notice due now should tell its member, as things stand; or (None, why none applies)."""
    kind = str(payload["notice"])
    event = session.get(Event, int(payload["event"]))
    if event is None:
        return None, "the event is gone"
    member = find_addressed(session, str(payload["member"]))
    if member is None or member.deactivated:
        return None, "the member left the workspace"
    if now >= event.ends_at:
        return None, "the event is over"
    info = _info(session, event, viewer=member.id)
    if kind == NOTICE_CANCELLED:
        return Notice(kind, info, member.user_id, member.timezone, reason=payload.get("reason")), ""
    if event.status == CANCELLED:
        return None, "the event was cancelled since (its own notice tells them)"
    if now >= event.starts_at:
        return None, "the event has started"
    row = _find_rsvp(session, event.id, member.id)
    if kind == NOTICE_PROMOTED:
        if row is None or row.status != GOING or row.generation != payload.get("generation"):
            return None, "the member answered again since"
        return Notice(kind, info, member.user_id, member.timezone), ""
    if row is None or row.status not in (GOING, WAITLIST):
        return None, "the member is no longer going or on the waitlist"
    before = payload["before"]
    was = replace(info, starts_at=datetime.fromisoformat(before["starts_at"]),
                  ends_at=datetime.fromisoformat(before["ends_at"]), location=before.get("location"),
                  online_link=before.get("online_link"))
    what = tuple(name for name, differs in (
        ("time", (was.starts_at, was.ends_at) != (info.starts_at, info.ends_at)),
        ("place", (was.location, was.online_link) != (info.location, info.online_link))) if differs)
    if not what:
        return None, "the event is back where the member last heard it was"
    return Notice(kind, info, member.user_id, member.timezone, what=what, was=was), ""


def announcement_to_send(session: Session, payload: dict[str, Any], *, now: datetime) -> tuple[EventInfo | None, str]:
    """The new event the channel should hear of now, or (None, why not)."""
    event = session.get(Event, int(payload["event"]))
    if event is None or event.status == CANCELLED:
        return None, "the event was cancelled"
    if event.announce is not None:
        return None, "it was announced already"
    if now >= event.starts_at:
        return None, "the event has started"
    return _info(session, event), ""


def series_size(session: Session, series_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Event).where(Event.series_id == series_id)) or 0


def record_announcement(session: Session, event_id: int, post: MessageRef) -> None:
    get_event_row(session, event_id).announce = post
