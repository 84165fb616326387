"""For the Home tab: how complete a member's profile is; for organisers, the directory's uptake."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from storage import privacy
from storage.members import Actor, Role
from storage.models import Member
from storage.models.profiles import Profile, ProfileTag, ProfileTagLink
from storage.privacy import Shown, part_of
from storage.profiles.editing import find_profile
from storage.profiles.tags import EQUIPMENT, SKILL


# The Home tab -------------------------------------------------------------------------

@dataclass(frozen=True)
class Completeness:
    done: tuple[str, ...]
    missing: tuple[str, ...]
    listed: bool
    spotlight: bool
    saved: bool

    @property
    def percent(self) -> int:
        total = len(self.done) + len(self.missing)
        return round(100 * len(self.done) / total) if total else 100


def completeness(session: Session, member_id: int) -> Completeness:
    member = session.get_one(Member, member_id)
    profile = find_profile(session, member_id)
    checks = {
        "job title": bool(member.job_title),
        "department": bool(member.department),
        "FTE": bool(profile and profile.saved_at),
        "skills and techniques": bool(profile and profile.tags(SKILL)),
        "equipment expertise": bool(profile and profile.tags(EQUIPMENT)),
        "a short bio": bool(profile and profile.bio),
    }
    return Completeness(
        done=tuple(k for k, ok in checks.items() if ok),
        missing=tuple(k for k, ok in checks.items() if not ok),
        listed=bool(profile and profile.listed),
        spotlight=bool(profile and profile.listed and profile.spotlight_opt_in),
        saved=bool(profile and profile.saved_at),
    )


@dataclass(frozen=True)
class Figures:
    """The directory's uptake (the network's own figures are the report's), as it may be shown
    (storage.privacy): a group of 1 to N-1 members is "fewer than N"."""

    members: Shown
    profiles_saved: Shown
    listed: Shown
    spotlight: Shown
    top_skills: tuple[tuple[str, Shown], ...] = field(default_factory=tuple)


def headline_figures(session: Session, actor: Actor, *, min_group: int) -> Figures:
    """For organisers: how many members filled in a profile, are listed, are open to the spotlight; top skills.

    Each is a part of the members (the rest being those who did not), suppressed as such."""
    actor.require(Role.ORGANISER, "see the directory's figures")
    people = (Member.is_bot.is_(False), Member.deactivated.is_(False))

    def count(query: Select[Any]) -> int:
        return session.scalar(select(func.count()).select_from(query.subquery())) or 0

    profiled = select(Profile.member_id).join(Profile.member).where(*people)
    listed_ids = profiled.where(Profile.listed.is_(True))
    top = session.execute(
        select(ProfileTag.label, func.count().label("n"))
        .join(ProfileTagLink, ProfileTagLink.tag_id == ProfileTag.id)
        .where(ProfileTagLink.kind == SKILL, ProfileTagLink.member_id.in_(listed_ids))
        .group_by(ProfileTag.id, ProfileTag.label)
        .order_by(func.count().desc(), ProfileTag.label)
        .limit(5)
    ).all()
    members = count(select(Member.id).where(*people))
    queries = (profiled.where(Profile.saved_at.is_not(None)), listed_ids,
               listed_ids.where(Profile.spotlight_opt_in.is_(True)))
    parts = [part_of(count(query), members, min_group) for query in queries]
    members_shown = privacy.people(members, min_group) if all(ok for _, ok in parts) else \
        privacy.withheld(min_group=min_group)
    (saved, _), (listed, _), (spotlight, _) = parts
    return Figures(
        members=members_shown, profiles_saved=saved, listed=listed, spotlight=spotlight,
        top_skills=tuple((row.label, privacy.people(row.n, min_group)) for row in top),
    )
