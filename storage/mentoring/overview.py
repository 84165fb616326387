"""What a member sees of their mentoring, and the organisers' figures (counts, no names)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from storage import privacy
from storage.members import Actor, Role
from storage.mentoring.areas import area_label
from storage.mentoring.mentors import MentorInfo, active_counts, mentor_info
from storage.mentoring.pairings import PairingInfo, pairing_info
from storage.mentoring.requests import PENDING, RequestInfo, request_info
from storage.models import Member
from storage.models.mentoring import MentoringPairing, MentoringRequest, MentorProfile
from storage.privacy import Shown, part_of, suppress


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
    """Figures about people as they may be shown (storage.privacy): a group of 1 to N-1 is
    "fewer than N", and what would give one away is withheld."""

    active_pairs: Shown
    mentors: Shown
    mentors_with_room: Shown
    places_free: Shown
    pending_requests: Shown
    started_this_year: Shown
    ended_this_year: Shown
    # Active pairs by area label, most first (those not shown exactly last, by name).
    by_area: list[tuple[str, Shown]]
    registration_mentors: Shown


def summary(session: Session, actor: Actor, *, today: date, now: datetime, min_group: int) -> MentoringSummary:
    """How the scheme is doing, for organisers: counts only, no names, and none of a group
    smaller than `min_group` (TECHNET_REPORT_MIN_GROUP)."""
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
    k = min_group
    areas = Counter(area_label(a) for (a,) in active_rows)
    pairs = privacy.people(len(active_rows), k)
    by_area = suppress({label: areas[label] for label in sorted(areas)}, k, total=pairs)
    # Most first among the counts shown; the rest by name, since their order would rank them.
    order = sorted(areas, key=lambda label: (not by_area.cells[label].exact,
                                             -areas[label] if by_area.cells[label].exact else 0, label))
    # Mentors with room, and the rest of the mentors: a breakdown of the mentors.
    room, mentors_shown = part_of(len(with_room), len(profiles), k)
    registration, registration_shown = part_of(
        sum(1 for p in profiles if "registration" in (p.areas or [])), len(profiles), k)
    places = sum(p.capacity - active.get(p.member_id, 0) for p in with_room)
    return MentoringSummary(
        active_pairs=pairs if by_area.total_shown else privacy.withheld(min_group=k),
        mentors=privacy.people(len(profiles), k) if mentors_shown and registration_shown
        else privacy.withheld(min_group=k),
        mentors_with_room=room,
        places_free=privacy.of_group(places, len(with_room), k) if room.exact else privacy.withheld(min_group=k),
        pending_requests=privacy.people(pending, k),
        started_this_year=privacy.people(started, k), ended_this_year=privacy.people(ended, k),
        by_area=[(label, by_area.cells[label]) for label in order],
        registration_mentors=registration)
