"""Finding a mentor: who has a free place in the area a member asks about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.members import Actor
from storage.mentoring.areas import resolve_area, words_of
from storage.mentoring.mentors import MentorInfo, active_counts, mentor_info
from storage.mentoring.requests import PENDING
from storage.models import Member
from storage.models.mentoring import MentoringPairing, MentoringRequest, MentorProfile

AGAIN_WORDS = frozenset({"--again", "—again", "–again", "-again", "again"})


@dataclass(frozen=True)
class MentorCard:
    mentor: MentorInfo
    # The area a request from this search is about.
    area: str
    paired_before: bool
    requested: bool


@dataclass(frozen=True)
class FindResult:
    text: str
    area: str | None
    again: bool
    mentors: list[MentorCard]
    # Mentors who would match but were paired with the member before (shown with `--again`).
    left_out_previous: int
    # Matching mentors with no free place just now, paused, or at capacity.
    full: int


def parse_find(text: str) -> tuple[str, bool]:
    """'registration --again' -> ('registration', True). Slack turns -- into a dash on some keyboards."""
    words = text.split()
    again = any(w.casefold() in AGAIN_WORDS for w in words)
    return " ".join(w for w in words if w.casefold() not in AGAIN_WORDS), again


def find_mentors(session: Session, actor: Actor, text: str, *, today: date, limit: int = 10) -> FindResult:
    """Mentors with a free place in the area `text` names (or whose specialisms match its words)."""
    wanted, again = parse_find(text)
    area = resolve_area(wanted)
    words = [w for w in words_of(wanted) if len(w) > 1]
    rows = session.execute(
        select(MentorProfile, Member).join(Member, Member.id == MentorProfile.member_id)
        .where(Member.id != actor.member_id, Member.is_bot.is_(False), Member.deactivated.is_(False))).all()
    active = active_counts(session, [p.member_id for p, _ in rows])
    paired = set(session.scalars(select(MentoringPairing.mentor_id).where(
        MentoringPairing.mentee_id == actor.member_id)))
    current = set(session.scalars(select(MentoringPairing.mentor_id).where(
        MentoringPairing.mentee_id == actor.member_id, MentoringPairing.ended_at.is_(None))))
    requested = set(session.scalars(select(MentoringRequest.mentor_id).where(
        MentoringRequest.mentee_id == actor.member_id, MentoringRequest.status == PENDING)))
    cards: list[MentorCard] = []
    left_out = full = 0
    for profile, member in rows:
        info = mentor_info(session, profile, member, active.get(member.id, 0))
        if not _matches(info, area, words):
            continue
        if member.id in current:
            continue
        if info.free <= 0 or info.paused(today):
            full += 1
            continue
        if member.id in paired and not again:
            left_out += 1
            continue
        chosen_area = area if area else (info.areas[0] if info.areas else "career")
        cards.append(MentorCard(info, chosen_area, member.id in paired, member.id in requested))
    cards.sort(key=lambda c: (-c.mentor.free, c.mentor.name.casefold()))
    return FindResult(wanted, area, again, cards[:limit], left_out, full)


def _matches(info: MentorInfo, area: str | None, words: list[str]) -> bool:
    if area is not None:
        return area in info.areas
    if not words:
        return True
    haystack = " ".join([info.specialisms or "", info.intro or "", info.job_title or "", *info.area_labels]).casefold()
    return all(w in haystack for w in words)
