"""What a member sees of their mentoring, and the organisers' figures (counts, no names)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage.members import Actor, Role
from storage.mentoring.areas import area_label
from storage.mentoring.mentors import MentorInfo, active_counts, mentor_info
from storage.mentoring.pairings import PairingInfo, pairing_info
from storage.mentoring.requests import PENDING, RequestInfo, request_info
from storage.models import Member
from storage.models.mentoring import MentoringPairing, MentoringRequest, MentorProfile


# What a member sees ------------------------------------------------------------------------------

@dataclass(frozen=True)
class MyMentoring:
    profile: MentorInfo | None
    mentoring: list[PairingInfo]
    mentored_by: list[PairingInfo]
    incoming: list[RequestInfo]
    outgoing: list[RequestInfo]

    @property
    def active(self) -> list[PairingInfo]:
        return [*self.mentored_by, *self.mentoring]


def my_mentoring(session: Session, actor: Actor) -> MyMentoring:
    pairings = session.scalars(select(MentoringPairing).where(
        MentoringPairing.ended_at.is_(None),
        or_(MentoringPairing.mentor_id == actor.member_id, MentoringPairing.mentee_id == actor.member_id))
        .order_by(MentoringPairing.started_at, MentoringPairing.id)).all()
    requests = session.scalars(select(MentoringRequest).where(
        MentoringRequest.status == PENDING,
        or_(MentoringRequest.mentor_id == actor.member_id, MentoringRequest.mentee_id == actor.member_id))
        .order_by(MentoringRequest.created_at, MentoringRequest.id)).all()
    profile = session.get(MentorProfile, actor.member_id)
    return MyMentoring(
        profile=mentor_info(session, profile) if profile else None,
        mentoring=[pairing_info(session, p) for p in pairings if p.mentor_id == actor.member_id],
        mentored_by=[pairing_info(session, p) for p in pairings if p.mentee_id == actor.member_id],
        incoming=[request_info(session, r) for r in requests if r.mentor_id == actor.member_id],
        outgoing=[request_info(session, r) for r in requests if r.mentee_id == actor.member_id],
    )


# Organisers' figures -----------------------------------------------------------------------------

@dataclass(frozen=True)
class MentoringSummary:
    active_pairs: int
    mentors: int
    mentors_with_room: int
    places_free: int
    pending_requests: int
    started_this_year: int
    ended_this_year: int
    # Active pairs by area label, most first.
    by_area: list[tuple[str, int]]
    registration_mentors: int


def summary(session: Session, actor: Actor, *, today: date, now: datetime) -> MentoringSummary:
    """How the scheme is doing, for organisers: counts only, no names."""
    actor.require(Role.ORGANISER, "see the mentoring figures")
    active_rows = session.execute(select(MentoringPairing.area).where(MentoringPairing.ended_at.is_(None))).all()
    profiles = session.execute(
        select(MentorProfile).join(Member, Member.id == MentorProfile.member_id)
        .where(Member.deactivated.is_(False), Member.is_bot.is_(False))).scalars().all()
    active = active_counts(session)
    with_room = [p for p in profiles if p.capacity - active.get(p.member_id, 0) > 0
                 and not (p.paused_until and p.paused_until >= today)]
    year_ago = now - timedelta(days=365)
    started = session.scalar(select(func.count()).select_from(MentoringPairing)
                             .where(MentoringPairing.started_at >= year_ago)) or 0
    ended = session.scalar(select(func.count()).select_from(MentoringPairing)
                           .where(MentoringPairing.ended_at >= year_ago)) or 0
    pending = session.scalar(select(func.count()).select_from(MentoringRequest)
                             .where(MentoringRequest.status == PENDING)) or 0
    areas = Counter(area_label(a) for (a,) in active_rows)
    return MentoringSummary(
        active_pairs=len(active_rows), mentors=len(profiles), mentors_with_room=len(with_room),
        places_free=sum(p.capacity - active.get(p.member_id, 0) for p in with_room), pending_requests=pending,
        started_this_year=started, ended_this_year=ended,
        by_area=sorted(areas.items(), key=lambda kv: (-kv[1], kv[0])),
        registration_mentors=sum(1 for p in profiles if "registration" in (p.areas or [])))
