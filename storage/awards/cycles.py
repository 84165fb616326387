"""Award cycles: opening (with their scheduled posts), closing early, and the public facts about them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from storage import ledger
from storage.awards.values import (
    ANNOUNCED,
    CLOSED,
    CLOSING,
    DEFAULT_CRITERIA,
    NOTIFY_AT_CLOSE,
    NOTIFY_NEVER,
    OPEN,
    OPENING,
    REMINDER,
    REMINDER_BEFORE,
    SHORTEST_CYCLE,
    UPCOMING,
    CycleInfo,
)
from storage.errors import DomainError, NotFound
from storage.identities import Identity
from storage.members import Actor, Role, ensure_member, members_by_ids
from storage.models.awards import Award, AwardCycle


def state_of(cycle: AwardCycle, now: datetime) -> str:
    if cycle.announced_at is not None:
        return ANNOUNCED
    if now < cycle.opens_at:
        return UPCOMING
    if now < cycle.closes_at:
        return OPEN
    return CLOSED


def _info(cycle: AwardCycle, now: datetime) -> CycleInfo:
    award = cycle.award
    session = object_session(cycle)
    assert session is not None
    panel = members_by_ids(session, cycle.panel)
    return CycleInfo(
        id=cycle.id, award_id=award.id, award_name=award.name, description=award.description, label=cycle.label,
        opens_at=cycle.opens_at, closes_at=cycle.closes_at, allow_self=cycle.allow_self,
        allow_team=cycle.allow_team, notify_nominees=cycle.notify_nominees,
        criteria=tuple(award.criteria or DEFAULT_CRITERIA),
        panel=tuple(sorted(panel[member_id].user_id for member_id in cycle.panel)), chair=cycle.chair.user_id,
        state=state_of(cycle, now), announced_at=cycle.announced_at,
    )


def _cycle(session: Session, cycle_id: int | None) -> AwardCycle:
    cycle = session.get(AwardCycle, cycle_id) if cycle_id is not None else None
    if cycle is None:
        raise NotFound("There is no such award cycle. `/tech awards list` shows them with their numbers.",
                       field="award")
    return cycle


def get_cycle(session: Session, cycle_id: int, now: datetime) -> CycleInfo:
    return _info(_cycle(session, cycle_id), now)


def open_cycle(
    session: Session,
    actor: Actor,
    *,
    name: str,
    closes_at: datetime,
    now: datetime,
    default_panel: Iterable[Identity],
    description: str = "",
    criteria: Sequence[str] = (),
    label: str = "",
    opens_at: datetime | None = None,
    allow_self: bool = False,
    allow_team: bool = False,
    notify_nominees: str = NOTIFY_NEVER,
    panel: Iterable[str] = (),
    chair: str | None = None,
) -> CycleInfo:
    """Start a cycle of an award (created on first use of its name); organisers only.

    The panel defaults to TECHNET_AWARDS_PANEL (`default_panel`); the chair, who reads
    the audit log, defaults to the first panel member by id. The opening post, the
    reminder three days before the close and the closing post are scheduled here.
    """
    actor.require(Role.ORGANISER, "open award cycles")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the award a name, e.g. Technician of the Year.", field="name")
    if len(name) > 150:
        raise DomainError("Keep the award's name to 150 characters.", field="name")
    opens_at = max(opens_at or now, now)
    if closes_at - opens_at < SHORTEST_CYCLE:
        raise DomainError("The closing time must be at least an hour after the opening.", field="closes")
    if notify_nominees not in (NOTIFY_NEVER, NOTIFY_AT_CLOSE):
        raise DomainError("Nominees are told never or at the close.", field="notify")
    # The panel as its members' ids on the surface that named them: the form's, or configuration's.
    people = {p: actor.identity.colleague(p) for p in panel if p} or {i.external_id: i for i in default_panel}
    members = sorted(people)
    if not members:
        raise DomainError("Name at least one panel member (or set TECHNET_AWARDS_PANEL).", field="panel")
    chair = chair or members[0]
    if chair not in members:
        raise DomainError("The chair must sit on the panel.", field="chair")
    rubric = [" ".join(c.split())[:100] for c in criteria if c and c.strip()]
    if len(rubric) > 10:
        raise DomainError("Use at most ten criteria.", field="criteria")
    award = session.scalar(select(Award).where(func.lower(Award.name) == name.lower()))
    if award is None:
        award = Award(name=name, description=(description or "").strip()[:1000],
                      criteria=rubric or list(DEFAULT_CRITERIA), created_at=now)
        session.add(award)
        session.flush()
    else:
        award.description = (description or "").strip()[:1000] or award.description
        award.criteria = rubric or award.criteria or list(DEFAULT_CRITERIA)
    label = " ".join((label or "").split())[:60] or str(closes_at.year)
    overlapping = session.scalar(select(AwardCycle).where(
        AwardCycle.award_id == award.id, AwardCycle.opens_at < closes_at, AwardCycle.closes_at > opens_at))
    if overlapping is not None:
        raise DomainError(f"{award.name} {overlapping.label} is already open for part of that time.", field="closes")
    if session.scalar(select(AwardCycle.id).where(AwardCycle.award_id == award.id, AwardCycle.label == label)):
        raise DomainError(f"{award.name} already has a cycle called {label!r}; give this one another label.",
                          field="label")
    cycle = AwardCycle(
        award_id=award.id, label=label, opens_at=opens_at, closes_at=closes_at, allow_self=allow_self,
        allow_team=allow_team, notify_nominees=notify_nominees,
        # Members by id: a panel member who never used technet is met here, as a nominee is on nomination.
        panel=[ensure_member(session, people[p], now=now).id for p in members],
        chair_id=ensure_member(session, people[chair], now=now).id, created_by_id=actor.member_id, created_at=now,
    )
    session.add(cycle)
    session.flush()
    session.refresh(cycle)
    _schedule_posts(session, cycle, now)
    return _info(cycle, now)


def _subject(cycle_id: int) -> str:
    return f"cycle:{cycle_id}"


def _schedule_posts(session: Session, cycle: AwardCycle, now: datetime) -> None:
    subject = _subject(cycle.id)
    if cycle.opens_at >= now - timedelta(minutes=1):
        ledger.schedule(session, kind=OPENING, subject=subject, occurrence=cycle.opens_at.isoformat(),
                        due_at=cycle.opens_at)
    remind_at = cycle.closes_at - REMINDER_BEFORE
    # A cycle shorter than three days (or one that starts inside them) gets no reminder.
    if remind_at > max(cycle.opens_at, now):
        ledger.schedule(session, kind=REMINDER, subject=subject, occurrence=cycle.closes_at.isoformat(),
                        due_at=remind_at)
    ledger.schedule(session, kind=CLOSING, subject=subject, occurrence=cycle.closes_at.isoformat(),
                    due_at=cycle.closes_at)


def close_cycle(session: Session, actor: Actor, cycle_id: int, *, now: datetime) -> CycleInfo:
    """Close an open cycle now (organisers only); the reminder is dropped, the closing post moves."""
    actor.require(Role.ORGANISER, "close award cycles")
    cycle = _cycle(session, cycle_id)
    state = state_of(cycle, now)
    if state == UPCOMING:
        raise DomainError(f"{cycle.award.name} {cycle.label} has not opened yet.")
    if state != OPEN:
        raise DomainError(f"{cycle.award.name} {cycle.label} is closed already.")
    subject = _subject(cycle.id)
    ledger.cancel_pending(session, kind=REMINDER, subject=subject)
    ledger.cancel_pending(session, kind=CLOSING, subject=subject)
    cycle.closes_at = now
    ledger.schedule(session, kind=CLOSING, subject=subject, occurrence=now.isoformat(), due_at=now)
    return _info(cycle, now)


def open_cycles(session: Session, now: datetime) -> list[CycleInfo]:
    """Cycles open for nominations now, closing soonest first. Public: no nomination data."""
    cycles = session.scalars(
        select(AwardCycle).where(AwardCycle.opens_at <= now, AwardCycle.closes_at > now,
                                 AwardCycle.announced_at.is_(None)).order_by(AwardCycle.closes_at, AwardCycle.id)
    ).all()
    return [_info(c, now) for c in cycles]


def all_cycles(session: Session, now: datetime, *, limit: int = 30) -> list[CycleInfo]:
    """Every cycle, newest first: public facts only (names, dates, state)."""
    cycles = session.scalars(select(AwardCycle).order_by(AwardCycle.closes_at.desc(), AwardCycle.id.desc())
                             .limit(limit)).all()
    return [_info(c, now) for c in cycles]
