"""The events a calendar feed holds: the network's public ones, and those one member goes to.

The feeds themselves are built by storage/events/ics.py; the pages that serve them are in bot/web/.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, func, select

from storage.events.constants import GOING, MAYBE, WAITLIST
from storage.events.info import EventInfo
from storage.events.listing import _upcoming_query
from storage.events.rows import _infos
from storage.models.events import Event, Rsvp
from sqlalchemy.orm import Session

# What the public pages call public: events for anyone in the university (and beyond), not the
# network's internal meetings. TECHNET_PUBLIC_EVENT_KINDS changes it.
PUBLIC_KINDS = ("conference", "workshop", "showcase", "outreach")
# How far back a feed reaches: calendars keep what they saw, so past events need not be repeated.
FEED_PAST = timedelta(days=30)
FEED_LIMIT = 5000


Fingerprint = tuple[int, int, datetime | None]


def _fingerprint(session: Session, query: Select[Event]) -> Fingerprint:
    ids = query.with_only_columns(Event.id, Event.updated_at).order_by(None).subquery()
    count, total, latest = session.execute(select(func.count(), func.coalesce(func.sum(ids.c.id), 0),
                                                  func.max(ids.c.updated_at))).one()
    return int(count), int(total), latest


def public_fingerprint(session: Session, *, now: datetime, kinds: Sequence[str] = PUBLIC_KINDS,
                       past: timedelta = FEED_PAST) -> Fingerprint:
    """What changes whenever the public feed would: how many events, which (their ids' sum), the
    latest change. One aggregate query, so an unchanged feed need not be built again."""
    return _fingerprint(session, _upcoming_query(now - past, None, kinds=list(kinds), include_cancelled=True))


def member_fingerprint(session: Session, member_id: int, *, now: datetime,
                       past: timedelta = FEED_PAST) -> Fingerprint:
    """As public_fingerprint, for a member's feed (an answer changed moves the ids' sum or count)."""
    return _fingerprint(session, _member_query(member_id, now=now, past=past))


def public_events(session: Session, *, now: datetime, kinds: Sequence[str] = PUBLIC_KINDS,
                  past: timedelta = FEED_PAST, limit: int = FEED_LIMIT) -> list[EventInfo]:
    """Public events from `past` ago on, cancelled ones included (a feed must say CANCELLED)."""
    query = _upcoming_query(now - past, None, kinds=list(kinds), include_cancelled=True)
    return _infos(session, list(session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit))))


def upcoming_public(session: Session, *, now: datetime, kinds: Sequence[str] = PUBLIC_KINDS,
                    limit: int = 6) -> list[EventInfo]:
    """The next public events, not cancelled, for the front page."""
    query = _upcoming_query(now, None, kinds=list(kinds))
    return _infos(session, list(session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit))))


def member_events(session: Session, member_id: int, *, now: datetime, past: timedelta = FEED_PAST,
                  limit: int = FEED_LIMIT) -> list[EventInfo]:
    """What the member is going to, waitlisted for or might go to, cancelled ones included."""
    query = _member_query(member_id, now=now, past=past)
    return _infos(session, list(session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit))),
                  viewer=member_id)


def _member_query(member_id: int, *, now: datetime, past: timedelta) -> Select[Event]:
    return _upcoming_query(now - past, None, include_cancelled=True).join(
        Rsvp, and_(Rsvp.event_id == Event.id, Rsvp.member_id == member_id)).where(
        Rsvp.status.in_((GOING, WAITLIST, MAYBE)))
