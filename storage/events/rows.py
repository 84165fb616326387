"""Reading events and their answers, and turning rows into snapshots (`EventInfo`): what the
other modules of this package share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.errors import NotFound
from storage.events.constants import GOING, WAITLIST
from storage.events.info import Counts, EventInfo
from storage.models import Member, MemberIdentity
from storage.models.events import Event, EventSeries, Rsvp


def get_event(session: Session, event_id: int, *, viewer: int | None = None) -> EventInfo:
    return _info(session, get_event_row(session, event_id), viewer=viewer)


def get_event_row(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"There is no event number {event_id}.")
    return event


def _locked(session: Session, event_id: int) -> Event:
    # FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE has serialised writers already.
    event = session.scalar(select(Event).where(Event.id == event_id).with_for_update())
    if event is None:
        raise NotFound(f"There is no event number {event_id}.")
    return event


def _by_source(session: Session, source_key: str) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.source_key == source_key).order_by(Event.series_index)))


def _find_rsvp(session: Session, event_id: int, member_id: int) -> Rsvp | None:
    return session.scalar(select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.member_id == member_id))


def _going_count(session: Session, event_id: int) -> int:
    """Places taken: members going who are still in the workspace (one who left frees theirs)."""
    return session.scalar(select(func.count()).select_from(Rsvp).join(Member, Member.id == Rsvp.member_id).where(
        Rsvp.event_id == event_id, Rsvp.status == GOING, Member.deactivated.is_(False))) or 0


def _next_waitlist_seq(session: Session, event_id: int) -> int:
    highest = session.scalar(select(func.max(Rsvp.waitlist_seq)).where(Rsvp.event_id == event_id))
    return (highest or 0) + 1


def _rsvps_with_members(session: Session, event_id: int, statuses: Sequence[str], *,
                        active_only: bool = True) -> list[tuple[Rsvp, Member]]:
    """Answers with their members, in the order given (the waitlist in its queue order)."""
    query = select(Rsvp, Member).join(Member, Member.id == Rsvp.member_id).where(
        Rsvp.event_id == event_id, Rsvp.status.in_(list(statuses)))
    if active_only:
        query = query.where(Member.deactivated.is_(False))
    if tuple(statuses) == (WAITLIST,):
        query = query.order_by(Rsvp.waitlist_seq, Rsvp.id)
    else:
        query = query.order_by(Rsvp.updated_at, Rsvp.id)
    return [(r, m) for r, m in session.execute(query).all()]


def _answered(session: Session, event_id: int, statuses: Sequence[str]) -> list[Member]:
    """The active members whose answer is one of `statuses`."""
    return [m for _, m in _rsvps_with_members(session, event_id, statuses)]


def _counts(session: Session, event_ids: list[int]) -> dict[int, Counts]:
    if not event_ids:
        return {}
    rows = session.execute(
        select(Rsvp.event_id, Rsvp.status, func.count()).join(Member, Member.id == Rsvp.member_id)
        .where(Rsvp.event_id.in_(event_ids), Member.deactivated.is_(False))
        .group_by(Rsvp.event_id, Rsvp.status)).all()
    found: dict[int, dict[str, int]] = {}
    for event_id, status, number in rows:
        found.setdefault(event_id, {})[status] = number
    return {i: Counts(**found.get(i, {})) for i in event_ids}


@dataclass(frozen=True)
class _Organiser:
    user_id: str = ""
    name: str = ""
    email: str | None = None


def _organisers(session: Session, member_ids: set[int]) -> dict[int, _Organiser]:
    """The organisers of a page of events, in one query of the columns shown (each event names one)."""
    found: dict[int, _Organiser] = {}
    rows = session.execute(
        select(Member.id, Member.display_name, Member.real_name, Member.email, MemberIdentity.external_id)
        .outerjoin(MemberIdentity, MemberIdentity.member_id == Member.id)
        .where(Member.id.in_(member_ids)).order_by(Member.id, MemberIdentity.id))
    for member_id, display_name, real_name, email, user_id in rows:
        # A member's address is the identity they were first met by (Member.address): the first row.
        if member_id not in found:
            found[member_id] = _Organiser(user_id or "", display_name or real_name or user_id or "", email)
    return found


def _info(session: Session, event: Event, *, viewer: int | None = None) -> EventInfo:
    return _infos(session, [event], viewer=viewer)[0]


def _infos(session: Session, events: list[Event], *, viewer: int | None = None) -> list[EventInfo]:
    if not events:
        return []
    session.flush()
    ids = [e.id for e in events]
    counts = _counts(session, ids)
    organisers = _organisers(session, {e.organiser_id for e in events})
    series_ids = {e.series_id for e in events if e.series_id is not None}
    series = {s.id: s for s in session.scalars(select(EventSeries).where(EventSeries.id.in_(series_ids)))} \
        if series_ids else {}
    mine: dict[int, Rsvp] = {}
    positions: dict[int, int] = {}
    if viewer is not None:
        mine = {r.event_id: r for r in session.scalars(select(Rsvp).where(Rsvp.event_id.in_(ids),
                                                                          Rsvp.member_id == viewer))}
        for event_id, row in mine.items():
            if row.status == WAITLIST and row.waitlist_seq is not None:
                ahead = session.scalar(select(func.count()).select_from(Rsvp).join(
                    Member, Member.id == Rsvp.member_id).where(
                    Rsvp.event_id == event_id, Rsvp.status == WAITLIST, Rsvp.waitlist_seq < row.waitlist_seq,
                    Member.deactivated.is_(False))) or 0
                positions[event_id] = ahead + 1
    result = []
    for e in events:
        organiser = organisers.get(e.organiser_id) or _Organiser()
        s = series.get(e.series_id) if e.series_id is not None else None
        result.append(EventInfo(
            id=e.id, uid=e.uid, title=e.title, description=e.description, kind=e.kind, starts_at=e.starts_at,
            ends_at=e.ends_at, timezone=e.timezone, location=e.location, online_link=e.online_link,
            capacity=e.capacity, rsvp_deadline=e.rsvp_deadline, organiser_member_id=e.organiser_id,
            organiser_user=organiser.user_id, organiser_name=organiser.name, organiser_email=organiser.email,
            status=e.status, cancel_reason=e.cancel_reason, series_id=e.series_id, series_index=e.series_index,
            series_frequency=s.frequency if s else None, series_until=s.until if s else None, sequence=e.sequence,
            announce=e.announce, updated_at=e.updated_at,
            counts=counts.get(e.id, Counts()),
            viewer_status=mine[e.id].status if e.id in mine else None, viewer_position=positions.get(e.id)))
    return result
