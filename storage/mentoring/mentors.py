"""Mentor profiles: joining as a mentor, the form's rules, and a mentor as others see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.errors import DomainError
from storage.forms import FieldErrors, InvalidFields
from storage.members import Actor, find_addressed
from storage.mentoring.areas import AREAS, area_label
from storage.models import Member
from storage.models.mentoring import MentoringPairing, MentorProfile

MAX_CAPACITY = 10
INTRO_LIMIT = 1000
SPECIALISMS_LIMIT = 300

# Field names: the mentor form's block ids (core/ids.py uses the same), so errors land by the field.
F_AREAS, F_SPECIALISMS, F_CAPACITY, F_PAUSED, F_INTRO, F_MESSAGE = (
    "areas", "specialisms", "capacity", "paused_until", "intro", "note")


class InvalidMentorProfile(InvalidFields):
    """Several fields can be wrong at once; `errors` maps each field to what is wrong."""


@dataclass(frozen=True)
class MentorForm:
    """What the mentor form gives, as typed."""

    areas: list[str] = field(default_factory=list)
    capacity: str | int | None = 1
    specialisms: str | None = None
    intro: str | None = None
    paused_until: date | str | None = None


@dataclass(frozen=True)
class MentorInfo:
    member_id: int
    user_id: str
    name: str
    areas: list[str]
    capacity: int
    active: int
    specialisms: str | None
    intro: str | None
    paused_until: date | None
    job_title: str | None = None
    department: str | None = None

    @property
    def free(self) -> int:
        return max(self.capacity - self.active, 0)

    @property
    def area_labels(self) -> list[str]:
        return [area_label(a) for a in self.areas]

    def paused(self, today: date) -> bool:
        return self.paused_until is not None and self.paused_until >= today


def _parse_capacity(value: str | int | None) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        raise DomainError("Say how many mentees you can take on at once (0 to pause new requests).",
                          field=F_CAPACITY)
    try:
        number = int(text)
    except ValueError:
        raise DomainError(f"“{text[:10]}” is not a whole number of mentees.", field=F_CAPACITY) from None
    if number < 0:
        raise DomainError("The number of mentees can't be negative.", field=F_CAPACITY)
    if number > MAX_CAPACITY:
        raise DomainError(f"At most {MAX_CAPACITY} mentees at once: mentoring takes time.", field=F_CAPACITY)
    return number


def _parse_date(value: date | str | None, field_name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"“{text[:20]}” is not a date (YYYY-MM-DD).", field=field_name) from None


def save_mentor_profile(session: Session, actor: Actor, form: MentorForm, *, today: date,
                        now: datetime) -> MentorInfo:
    """Join as a mentor, or change the profile. Lowering the capacity never ends a pairing."""
    errors = FieldErrors()
    areas = list(dict.fromkeys(a for a in form.areas if a))
    unknown = [a for a in areas if a not in AREAS]
    if not areas:
        errors[F_AREAS] = "Choose at least one area you can mentor in."
    elif unknown:
        errors[F_AREAS] = "Choose areas from the list."
    capacity = errors.check(F_CAPACITY, lambda: _parse_capacity(form.capacity))
    paused = errors.check(F_PAUSED, lambda: _parse_date(form.paused_until, F_PAUSED))
    if paused is not None and paused < today:
        errors[F_PAUSED] = "That date has passed: leave it empty to take requests now."
    elif paused is not None and paused > today + timedelta(days=366):
        errors[F_PAUSED] = "Pause for at most a year; set the capacity to 0 to stop for longer."
    specialisms = " ".join((form.specialisms or "").split()) or None
    if specialisms and len(specialisms) > SPECIALISMS_LIMIT:
        errors[F_SPECIALISMS] = f"Keep specialisms under {SPECIALISMS_LIMIT} characters."
    intro = (form.intro or "").strip() or None
    if intro and len(intro) > INTRO_LIMIT:
        errors[F_INTRO] = f"Keep the introduction to {INTRO_LIMIT} characters; it has {len(intro)}."
    if errors:
        raise InvalidMentorProfile(errors)
    assert capacity is not None  # FieldErrors.check gives None only with an error noted
    profile = session.get(MentorProfile, actor.member_id)
    if profile is None:
        profile = MentorProfile(member_id=actor.member_id, created_at=now)
        session.add(profile)
    profile.areas, profile.capacity, profile.paused_until = areas, capacity, paused
    profile.specialisms, profile.intro, profile.updated_at = specialisms, intro, now
    session.flush()
    return mentor_info(session, profile)


def find_mentor_profile(session: Session, member_id: int) -> MentorInfo | None:
    profile = session.get(MentorProfile, member_id)
    return None if profile is None else mentor_info(session, profile)


def find_mentor_by_user(session: Session, user_id: str) -> MentorInfo | None:
    member = find_addressed(session, user_id)
    return None if member is None else find_mentor_profile(session, member.id)


def active_counts(session: Session, mentor_ids: list[int] | None = None) -> dict[int, int]:
    query = select(MentoringPairing.mentor_id, func.count()).where(MentoringPairing.ended_at.is_(None))
    if mentor_ids is not None:
        query = query.where(MentoringPairing.mentor_id.in_(mentor_ids))
    return dict(session.execute(query.group_by(MentoringPairing.mentor_id)).all())


def mentor_info(session: Session, profile: MentorProfile, member: Member | None = None,
                active: int | None = None) -> MentorInfo:
    member = member or session.get_one(Member, profile.member_id)
    if active is None:
        active = active_counts(session, [profile.member_id]).get(profile.member_id, 0)
    return MentorInfo(member.id, member.user_id, member.name, list(profile.areas or []), profile.capacity,
                      active, profile.specialisms, profile.intro, profile.paused_until, member.job_title,
                      member.department)
