"""What is coming: for the e-zine and other features, a member's pages of events, their
Home tab, and an organiser's recent and coming events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from storage.events.constants import GOING, MAYBE, SCHEDULED, WAITLIST
from storage.events.info import EventInfo, EventPage
from storage.events.rows import _infos
from storage.members import Actor, Role
from storage.models.events import Event, Rsvp


def upcoming_events(session: Session, now: datetime, until: datetime | None = None, *,
                    kinds: Sequence[str] | None = None, include_cancelled: bool = False,
                    viewer: int | None = None) -> list[EventInfo]:
    """Events that have not ended by `now` and start before `until` (all if None), soonest
    first, with their RSVP counts. Cancelled ones only if asked. For the e-zine and others."""
    query = _upcoming_query(now, until, kinds=kinds, include_cancelled=include_cancelled)
    return _infos(session, list(session.scalars(query.order_by(Event.starts_at, Event.id))), viewer=viewer)


def events_page(session: Session, *, now: datetime, until: datetime | None, viewer: int, offset: int = 0,
                limit: int = 10, mine: bool = False) -> EventPage:
    """A page of what is coming for `viewer` (cancelled ones stay listed, marked, until they
    would have ended); `mine` keeps those the viewer is going to, waitlisted for or might go to."""
    query = _upcoming_query(now, until, include_cancelled=True)
    if mine:
        query = query.join(Rsvp, and_(Rsvp.event_id == Event.id, Rsvp.member_id == viewer)).where(
            Rsvp.status.in_((GOING, WAITLIST, MAYBE)))
    # The page and the size of the whole list in one query; only a page past the end needs a second.
    ordered = query.add_columns(func.count().over()).order_by(Event.starts_at, Event.id)
    rows = session.execute(ordered.offset(max(0, offset)).limit(limit)).all()
    if rows:
        total = rows[0][1]
    else:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        offset = max(0, min(offset, max(total - 1, 0)))
        rows = session.execute(ordered.offset(offset).limit(limit)).all() if total else []
    return EventPage(_infos(session, [row[0] for row in rows], viewer=viewer), total, max(0, offset), limit)


def next_for_member(session: Session, member_id: int, *, now: datetime, limit: int = 3) -> list[EventInfo]:
    """The member's next events: going or on the waitlist, not cancelled."""
    query = _upcoming_query(now, None).join(Rsvp, and_(Rsvp.event_id == Event.id, Rsvp.member_id == member_id)) \
        .where(Rsvp.status.in_((GOING, WAITLIST)))
    return _infos(session, list(session.scalars(query.order_by(Event.starts_at).limit(limit))), viewer=member_id)


def could_join(session: Session, member_id: int, *, now: datetime, limit: int = 3) -> list[EventInfo]:
    """Open events the member has not answered yet, soonest first; of a series, the next one only."""
    answered = select(Rsvp.event_id).where(Rsvp.member_id == member_id)
    query = _upcoming_query(now, None).where(
        Event.starts_at > now, Event.id.not_in(answered),
        or_(Event.rsvp_deadline.is_(None), Event.rsvp_deadline > now))
    chosen: dict[object, Event] = {}
    for event in session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit * 10)):
        chosen.setdefault(event.series_id or f"event:{event.id}", event)
        if len(chosen) == limit:
            break
    return _infos(session, list(chosen.values()), viewer=member_id)


def recent_and_upcoming(session: Session, actor: Actor, *, now: datetime, days: int = 30,
                        limit: int = 10) -> list[EventInfo]:
    """Events from the last `days` and those coming, for choosing one's attendees: the
    actor's own (an admin's: everyone's), most recent first."""
    query = select(Event).where(Event.ends_at > now - timedelta(days=days), Event.status == SCHEDULED)
    if not actor.has(Role.ADMIN):
        query = query.where(Event.organiser_id == actor.member_id)
    past = list(session.scalars(query.where(Event.starts_at <= now).order_by(Event.starts_at.desc()).limit(limit)))
    coming = list(session.scalars(query.where(Event.starts_at > now).order_by(Event.starts_at).limit(limit)))
    return _infos(session, (past + coming)[:limit])


def _upcoming_query(now: datetime, until: datetime | None, *, kinds: Sequence[str] | None = None,
                    include_cancelled: bool = False) -> Select[Event]:
    query = select(Event).where(Event.ends_at > now)
    if until is not None:
        query = query.where(Event.starts_at < until)
    if kinds:
        query = query.where(Event.kind.in_(list(kinds)))
    if not include_cancelled:
        query = query.where(Event.status == SCHEDULED)
    return query
