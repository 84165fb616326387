"""What is coming: for the e-zine and other features, a member's pages of events, their
Home tab, and an organiser's recent and coming events."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from storage.db import Database
from storage.events.constants import GOING, MAYBE, NOT_GOING, SCHEDULED, WAITLIST
from storage.events.info import Counts, EventInfo, EventPage
from storage.events.rows import _infos
from storage.identities import MessageRef
from storage.members import Actor, Role
from storage.models import Member, MemberIdentity
from storage.models.events import Event, EventSeries, Rsvp


def upcoming_events(session: Session, now: datetime, until: datetime | None = None, *,
                    kinds: Sequence[str] | None = None, include_cancelled: bool = False,
                    viewer: int | None = None) -> list[EventInfo]:
    """Events that have not ended by `now` and start before `until` (all if None), soonest
    first, with their RSVP counts. Cancelled ones only if asked. For the e-zine and others."""
    query = _upcoming_query(now, until, kinds=kinds, include_cancelled=include_cancelled)
    return _infos(session, list(session.scalars(query.order_by(Event.starts_at, Event.id))), viewer=viewer)


def events_page(db: Database, *, now: datetime, until: datetime | None, viewer: int,
                offset: int = 0, limit: int = 10, mine: bool = False) -> EventPage:
    """A page of what is coming for `viewer` (cancelled ones stay listed, marked, until they
    would have ended); `mine` keeps those the viewer is going to, waitlisted for or might go to.

    One statement, built once per shape (`_page_statement`): the page's events with the size of
    the whole list, their answers counted, their organisers, series and the viewer's own answers,
    so a page costs one round trip whatever the size of the network, read as `Database.read_rows`
    reads (on PostgreSQL through the driver: SQLAlchemy's execution path cost the page a third of
    its CPU). Only a page past the end needs more: its first row for the size of the list, then the
    last page, each its own snapshot, which a page can bear.
    """
    statement, offset = _page_statement(until is not None, mine), max(0, offset)
    params = {"now": now, "until": until, "viewer": viewer, "limit": limit}
    rows = db.read_rows(statement, {**params, "offset": offset})
    if rows:
        total = rows[0].total
    else:
        first = db.read_rows(statement, {**params, "offset": 0, "limit": 1}) if offset > 0 else []
        total = first[0].total if first else 0
        offset = max(0, min(offset, total - 1))
        rows = db.read_rows(statement, {**params, "offset": offset}) if total else []
    return EventPage([_page_info(row) for row in rows], total, offset, limit)


# Later than any event ends: the upper end of what is coming (see _page_statement).
_LATEST = datetime.max.replace(tzinfo=UTC)


@functools.cache
def _page_statement(bounded: bool, mine: bool) -> Select[*tuple[Any, ...]]:
    """events_page's statement, with the parameters now, until, viewer, offset and limit.

    Built once: building it cost more than running it. The same columns `rows._infos` reads
    with five statements (its rules: counts of active members only; the organiser's address is
    their first identity; a place on the waitlist counts active members ahead).
    """
    # What is coming, on its own: PostgreSQL then finds it by the ends_at index, among the events
    # not yet over. Folded into the ordered page below, it walked the starts_at index instead,
    # through every event the network ever held (the filter dropped 4,600 past ones at 10,000 members).
    # The upper bound holds for every event (no datetime is later); it is there for the planner: with
    # no statistics (a fresh or bulk-loaded store) it takes `ends_at > now` alone to keep a third of
    # all events and scans the table (5,000 rows at 10,000 members), while a range with two ends is
    # taken to be narrow and read by the index. With statistics both ends are estimated as they are.
    coming_query = select(Event.id, Event.starts_at).where(
        Event.ends_at > bindparam("now", type_=Event.ends_at.type),
        Event.ends_at <= bindparam("latest", _LATEST, type_=Event.ends_at.type))
    if bounded:
        coming_query = coming_query.where(Event.starts_at < bindparam("until", type_=Event.starts_at.type))
    coming = coming_query.cte("coming").prefix_with("MATERIALIZED", dialect="postgresql")
    page_query = select(coming.c.id, coming.c.starts_at, func.count().over().label("total"))
    if mine:
        page_query = page_query.join(Rsvp, and_(Rsvp.event_id == coming.c.id,
                                                Rsvp.member_id == bindparam("viewer", type_=Integer))).where(
            # Not IN: SQLAlchemy expands an IN's list as each statement runs, and read_rows runs it compiled once.
            or_(*(Rsvp.status == status for status in (GOING, WAITLIST, MAYBE))))
    page = page_query.order_by(coming.c.starts_at, coming.c.id).offset(bindparam("offset", type_=Integer)) \
        .limit(bindparam("limit", type_=Integer)).cte("page")

    # Each page event's answers counted by the (event_id, status) index, one count a status: the
    # work is the page's answers, whatever the network holds (a CTE grouping the page's answers was
    # planned as a scan of every answer and every member on a store without statistics). Only active
    # members' answers count; those who have left are few and the same for every count, so they are
    # read once (by ix_members_left) and each count leaves them out by a hash built once. Joining
    # each count's answers to their members was planned, on an analysed store of 1,000 members, as
    # a scan of every member for each count (40 a page, 7.6 of the statement's 8 ms).
    left = select(Member.id).where(Member.deactivated.is_(True)).cte("left_members") \
        .prefix_with("MATERIALIZED", dialect="postgresql")
    left_ids = select(left.c.id)

    def answering(status: str) -> Any:
        counted = aliased(Rsvp)
        return (select(func.count()).select_from(counted)
                .where(counted.event_id == Event.id, counted.status == status, counted.member_id.not_in(left_ids))
                .correlate(Event).scalar_subquery().label(status))

    organiser, theirs, ahead = aliased(Member), aliased(Rsvp), aliased(Rsvp)
    address = (select(MemberIdentity.external_id).where(MemberIdentity.member_id == Event.organiser_id)
               .order_by(MemberIdentity.id).limit(1).correlate(Event).scalar_subquery())
    waiting_ahead = (select(func.count()).select_from(ahead)
                     .where(ahead.event_id == Event.id, ahead.status == WAITLIST,
                            ahead.waitlist_seq < theirs.waitlist_seq, ahead.member_id.not_in(left_ids))
                     .correlate(Event, theirs).scalar_subquery())
    announce = Event.__table__.c
    return (select(Event.id, Event.uid, Event.title, Event.description, Event.kind, Event.starts_at, Event.ends_at,
                   Event.timezone, Event.location, Event.online_link, Event.capacity, Event.rsvp_deadline,
                   Event.organiser_id, Event.status, Event.cancel_reason, Event.series_id, Event.series_index,
                   Event.sequence, Event.updated_at, announce.announce_surface, announce.announce_conversation,
                   announce.announce_message_id, page.c.total,
                   *(answering(status) for status in (GOING, MAYBE, WAITLIST, NOT_GOING)),
                   organiser.display_name.label("organiser_display_name"),
                   organiser.real_name.label("organiser_real_name"), organiser.email.label("organiser_email"),
                   address.label("organiser_user"), EventSeries.frequency, EventSeries.until,
                   theirs.status.label("viewer_status"), theirs.waitlist_seq.label("viewer_waitlist_seq"),
                   case((theirs.status == WAITLIST, waiting_ahead)).label("viewer_ahead"))
            .select_from(page).join(Event, Event.id == page.c.id)
            .outerjoin(organiser, organiser.id == Event.organiser_id)
            .outerjoin(EventSeries, EventSeries.id == Event.series_id)
            .outerjoin(theirs, and_(theirs.event_id == Event.id,
                                    theirs.member_id == bindparam("viewer", type_=Integer)))
            .order_by(page.c.starts_at, page.c.id))


def _page_info(row: Any) -> EventInfo:
    user_id = row.organiser_user or ""
    parts = (row.announce_surface, row.announce_conversation, row.announce_message_id)
    waitlisted = row.viewer_status == WAITLIST and row.viewer_waitlist_seq is not None
    return EventInfo(
        id=row.id, uid=row.uid, title=row.title, description=row.description, kind=row.kind,
        starts_at=row.starts_at, ends_at=row.ends_at, timezone=row.timezone, location=row.location,
        online_link=row.online_link, capacity=row.capacity, rsvp_deadline=row.rsvp_deadline,
        organiser_member_id=row.organiser_id, organiser_user=user_id,
        organiser_name=row.organiser_display_name or row.organiser_real_name or user_id,
        organiser_email=row.organiser_email, status=row.status, cancel_reason=row.cancel_reason,
        series_id=row.series_id, series_index=row.series_index, series_frequency=row.frequency,
        series_until=row.until, sequence=row.sequence,
        announce=None if all(part is None for part in parts) else MessageRef(*parts),
        updated_at=row.updated_at,
        counts=Counts(going=row.going or 0, maybe=row.maybe or 0, waitlist=row.waitlist or 0,
                      not_going=row.not_going or 0),
        viewer_status=row.viewer_status, viewer_position=(row.viewer_ahead or 0) + 1 if waitlisted else None)


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
