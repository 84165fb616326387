"""A member's own profile: the form's rules and saving it (job title, department and FTE go to
`Member`, the rest to `Profile`); the welcome when they join; account changes on a surface."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import DomainError
from storage.forms import FieldErrors, InvalidFields
from storage.identities import Identity
from storage.members import Actor, MemberDetails, find_member, upsert_member
from storage.models import Member
from storage.models.profiles import PUBLIC_FIELDS, Profile, ProfileTagLink, ProfileWelcome
from storage.profiles.tags import EQUIPMENT, SKILL, clean_tags, normalise_label, tag_key, tags_for

BIO_LIMIT = 500
TITLE_LIMIT = 200
OTHER_DEPARTMENT = "__other__"


class InvalidProfile(InvalidFields):
    """One or more fields are wrong; `errors` maps each field to a message for a person."""


@dataclass(frozen=True)
class ProfileChanges:
    """What the profile form sends, as plain values (text as typed)."""

    job_title: str | None = None
    department_choice: str | None = None
    department_other: str | None = None
    fte: str | float | None = None
    skills: Sequence[str] = ()
    equipment: Sequence[str] = ()
    bio: str | None = None
    listed: bool = False
    spotlight_opt_in: bool = False
    # On the network's public web pages: off unless chosen, apart from `listed`.
    public_web: bool = False
    public_fields: Collection[str] = PUBLIC_FIELDS


def find_profile(session: Session, member_id: int) -> Profile | None:
    return session.get(Profile, member_id)


def ensure_profile(session: Session, member: Member, *, now: datetime) -> Profile:
    profile = session.get(Profile, member.id)
    if profile is None:
        profile = Profile(member_id=member.id, member=member, listed=False, spotlight_opt_in=False, public_web=False,
                          public_fields=list(PUBLIC_FIELDS), created_at=now, updated_at=now)
        try:
            with session.begin_nested():
                session.add(profile)
        except IntegrityError:
            # A second submission of the same form, saved a moment earlier by another request.
            profile = session.get_one(Profile, member.id, populate_existing=True)
    return profile


def parse_fte(value: str | float | None) -> float:
    """A full-time equivalent in (0, 1]: '0.6', '1', '60%'."""
    text = str(value if value is not None else "").strip().replace(",", ".")
    scale = Decimal(1)
    if text.endswith("%"):
        text, scale = text[:-1].strip(), Decimal(100)
    message = ("FTE is your share of full time, more than 0 and at most 1: 1 is full time, 0.6 is three days "
               "a week.")
    try:
        number = Decimal(text) / scale
    except (InvalidOperation, ValueError):
        raise DomainError(message, field="fte") from None
    if not number.is_finite() or not Decimal(0) < number <= Decimal(1):
        raise DomainError(message, field="fte")
    return float(number)


def resolve_department(choice: str | None, other: str | None) -> str | None:
    """The department from the list, or the one typed under "Other"."""
    typed = normalise_label(other or "")
    if choice == OTHER_DEPARTMENT or (not choice and typed):
        if not typed:
            raise DomainError("Type your department, school or faculty, or choose one from the list.",
                              field="department_other")
        if len(typed) > TITLE_LIMIT:
            raise DomainError(f"Keep the department under {TITLE_LIMIT} characters.", field="department_other")
        return typed
    return normalise_label(choice or "") or None


def save_profile(session: Session, actor: Actor, changes: ProfileChanges, *, now: datetime) -> Profile:
    """Validate every field, then save the actor's own profile. Raises InvalidProfile listing each problem."""
    errors = FieldErrors()
    job_title = normalise_label(changes.job_title or "") or None
    if job_title and len(job_title) > TITLE_LIMIT:
        errors["job_title"] = f"Keep the job title under {TITLE_LIMIT} characters."
    department = errors.check("department",
                              lambda: resolve_department(changes.department_choice, changes.department_other))
    fte = errors.check("fte", lambda: parse_fte(changes.fte))
    skills = errors.check("skills", lambda: clean_tags(changes.skills, noun="skill"))
    equipment = errors.check("equipment", lambda: clean_tags(changes.equipment, noun="piece of equipment"))
    bio = (changes.bio or "").strip()
    if len(bio) > BIO_LIMIT:
        errors["bio"] = f"Keep the bio to {BIO_LIMIT} characters; it has {len(bio)}."
    unknown = set(changes.public_fields) - set(PUBLIC_FIELDS)
    if unknown:
        errors["public_fields"] = "Choose only from the fields listed."
    if errors:
        raise InvalidProfile(errors)
    assert fte is not None  # FieldErrors.check gives None only with an error noted

    member = session.get_one(Member, actor.member_id)
    member.job_title = job_title
    member.department = department
    member.fte = fte
    member.updated_at = now
    profile = ensure_profile(session, member, now=now)
    profile.bio = bio or None
    profile.bio_key = tag_key(bio) if bio else None
    profile.listed = changes.listed
    profile.spotlight_opt_in = changes.spotlight_opt_in
    profile.public_web = changes.public_web
    profile.public_fields = [f for f in PUBLIC_FIELDS if f in set(changes.public_fields)]
    profile.saved_at = profile.saved_at or now
    profile.updated_at = now
    _replace_tags(session, profile, {SKILL: skills or [], EQUIPMENT: equipment or []})
    session.flush()
    return profile


def _replace_tags(session: Session, profile: Profile, labels_by_kind: dict[str, list[str]]) -> None:
    """Make the profile's tags exactly these, in this order; links kept are updated, not re-added."""
    current = {(link.kind, link.tag_id): link for link in profile.tag_links}
    links: list[ProfileTagLink] = []
    for kind, labels in labels_by_kind.items():
        for position, tag in enumerate(tags_for(session, labels)):
            link = current.get((kind, tag.id)) or ProfileTagLink(member_id=profile.member_id, kind=kind, tag=tag)
            link.position = position
            links.append(link)
    # delete-orphan removes the links that are no longer wanted.
    profile.tag_links = links


# Welcomes and account changes ---------------------------------------------------

def claim_welcome(session: Session, member_id: int, conversation: str, *, surface: str, now: datetime) -> bool:
    """True the first time this member is to be welcomed (on joining `conversation`); False ever
    after (rejoins, retries, joining on another surface)."""
    try:
        with session.begin_nested():
            session.add(ProfileWelcome(member_id=member_id, surface=surface, conversation=conversation,
                                       welcomed_at=now))
    except IntegrityError:
        return False
    return True


def release_welcome(session: Session, member_id: int) -> None:
    """The welcome could not be sent: let a later join try again."""
    welcome = session.get(ProfileWelcome, member_id)
    if welcome is not None:
        session.delete(welcome)


def refresh_member(session: Session, identity: Identity, details: MemberDetails, *,
                   now: datetime) -> Member | None:
    """Apply an account change on a surface (a new name, a deactivation) to a member we know."""
    if find_member(session, identity) is None:
        return None
    return upsert_member(session, identity, details, now=now)
