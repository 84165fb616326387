"""Public profiles: members who chose to be on the network's web pages, and only what they show.

Three conditions, all checked in the query: a saved choice to be public (`Profile.public_web`,
apart from the in-chat directory), an active account, not a bot. Whoever fails any of them is
indistinguishable from a member that does not exist (NotFound, the same message).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session, selectinload

from storage import ezine
from storage.errors import NotFound
from storage.models import Member, MemberIdentity
from storage.models.mentoring import RegistrationStatus
from storage.models.profiles import Profile, ProfileTag, ProfileTagLink
from storage.outputs import Confirmed, confirmed_for, last_answered
from storage.profiles.tags import EQUIPMENT, SKILL, tag_key
from storage.registration import Guide, status_label

NOT_PUBLIC = "No such page."
PAGE_SIZE = 60


@dataclass(frozen=True)
class PublicPerson:
    """A member's public profile: the fields they chose to show, and nothing else."""

    member_id: int
    name: str
    job_title: str | None
    department: str | None
    skills: tuple[str, ...]
    equipment: tuple[str, ...]
    bio: str | None
    registration: str | None
    updated_at: datetime
    # Research outputs they confirmed credit on, newest first (their own page only, not the list).
    outputs: tuple[Confirmed, ...] = ()


def _public() -> Select[Profile]:
    return (select(Profile).join(Member, Member.id == Profile.member_id)
            .where(Profile.public_web.is_(True), Member.deactivated.is_(False), Member.is_bot.is_(False)))


def _person(session: Session, profile: Profile, guide: Guide | None, *, registered: bool = True) -> PublicPerson:
    member = profile.member
    shows = profile.shows
    return PublicPerson(
        member_id=member.id,
        name=member.name,
        job_title=member.job_title if shows("job_title") else None,
        department=member.department if shows("department") else None,
        skills=tuple(t.label for t in profile.tags(SKILL)) if shows("skills") else (),
        equipment=tuple(t.label for t in profile.tags(EQUIPMENT)) if shows("equipment") else (),
        bio=profile.bio if shows("bio") else None,
        registration=status_label(session, member.id, guide) if registered and shows("registration") else None,
        updated_at=max(profile.updated_at, member.updated_at),
    )


@dataclass(frozen=True)
class PeoplePage:
    people: list[PublicPerson]
    page: int
    more: bool  # a next page exists


def public_people(session: Session, *, skill: str | None = None, guide: Guide | None = None, page: int = 1,
                  per_page: int = PAGE_SIZE) -> PeoplePage:
    """One page of public profiles by name; with `skill`, those who show a skill or equipment tag
    containing it. A page past the last is NotFound."""
    query = _public()
    key = tag_key(skill or "")
    if key:
        query = query.where(Profile.public_fields.is_not(None), exists().where(
            ProfileTagLink.member_id == Profile.member_id, ProfileTagLink.tag_id == ProfileTag.id,
            ProfileTag.key.contains(key, autoescape=True)))
    found = session.scalars(query.options(selectinload(Profile.tag_links))
                            .order_by(Member.display_name, Member.real_name, Member.id)
                            .offset((page - 1) * per_page).limit(per_page + 1)).all()
    if page > 1 and not found:
        raise NotFound(NOT_PUBLIC)
    profiles = found[:per_page]
    # One query for everyone's registration: status_label then finds each row in the session
    # (and is not asked for those with none, which would each be a query).
    registered = set(session.scalars(select(RegistrationStatus.member_id).where(
        RegistrationStatus.member_id.in_([p.member_id for p in profiles]))))
    # Held here: the session keeps loaded rows only while something refers to them.
    statuses = list(session.scalars(select(RegistrationStatus).where(RegistrationStatus.member_id.in_(registered))))
    people = [_person(session, p, guide, registered=p.member_id in registered) for p in profiles]
    del statuses
    if key:
        # A tag only counts when the member shows that kind of tag.
        people = [p for p in people if any(key in tag_key(t) for t in (*p.skills, *p.equipment))]
    return PeoplePage(people, page, more=len(found) > per_page)


def public_person(session: Session, member_id: int, *, guide: Guide | None = None) -> PublicPerson:
    """One public profile; NotFound alike for a member who is not public and one who does not exist."""
    profile = session.scalars(_public().where(Profile.member_id == member_id)).first()
    if profile is None:
        raise NotFound(NOT_PUBLIC)
    person = _person(session, profile, guide)
    # A credit confirmed or withdrawn changes the page: Last-Modified follows it.
    answered = last_answered(session, member_id)
    return replace(person, outputs=tuple(confirmed_for(session, member_id)),
                   updated_at=max(person.updated_at, answered) if answered else person.updated_at)


def last_changed(session: Session) -> datetime | None:
    """When any public profile last changed (for Last-Modified of the list)."""
    return session.scalar(select(Profile.updated_at).order_by(Profile.updated_at.desc()).limit(1))


def web_issue(session: Session, period: str) -> tuple[dict[str, Any], str | None]:
    """A posted e-zine issue as the public pages show it. The web reaches beyond the network the issue
    was posted to, so a person appears there only by their own choice of a public profile: the
    spotlight of anyone else is left out, and a news item's byline names only such a member."""
    content, intro = ezine.archived_content(session, period)
    public_ids = set(session.scalars(_public().with_only_columns(Profile.member_id)))
    public_users = set(session.scalars(select(MemberIdentity.external_id)
                                       .where(MemberIdentity.member_id.in_(public_ids))))
    sections = []
    for section in content.get("sections") or []:
        items = list(section.get("items") or [])
        if section.get("key") == "spotlight":
            items = [item for item in items if item.get("member_id") in public_ids]
            if not items:
                continue
        elif section.get("key") == "research":
            items = [_public_credits(item, public_ids) for item in items]
            items = [item for item in items if item["authors"] or item["acknowledged"]]
            if not items:
                continue
        elif section.get("key") == "news":
            items = [item if item.get("author_user") in public_users else {**item, "author_name": None}
                     for item in items]
        sections.append({**section, "items": items})
    return {**content, "sections": sections}, intro


def _public_credits(item: dict[str, Any], public_ids: set[int]) -> dict[str, Any]:
    """A research output as the web shows it: naming only technicians with a public profile."""
    shown = {}
    for kind in ("authors", "acknowledged"):
        ids = item.get("author_ids" if kind == "authors" else "acknowledged_ids") or []
        shown[kind] = [name for name, i in zip(item.get(kind) or [], ids, strict=False) if i in public_ids]
    return {**item, **shown}
