"""The mentoring scheme: mentor profiles, finding a mentor, requests, pairings and their check-ins,
and the organisers' figures.

Rules kept here (DESIGN decision 6):
- a mentor is offered only with a free place (active pairings below their capacity), when
  not paused, not the member asking, not a bot or a deactivated account, and not someone
  the member was paired with before unless they ask for those again;
- one open request per mentee and mentor (a double click asks once); only the mentor
  accepts or declines, only the mentee withdraws; accepting twice makes one pairing, and
  accepting beyond the mentor's capacity is refused;
- either side can end a pairing; check-ins go to both at the agreed cadence until then,
  through the due ledger (kind CHECKIN, one row per check-in).

Nothing here knows about Slack; the handlers send the DMs and open the group DM.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import ledger
from storage.errors import DomainError, NotFound, PermissionDenied
from storage.forms import FieldErrors, InvalidFields
from storage.members import Actor, Role
from storage.models import DueItem, Member
from storage.models.mentoring import MentoringPairing, MentoringRequest, MentorProfile

# The areas a mentor can offer; "registration" is professional registration (RSciTech, EngTech ...).
AREAS: dict[str, str] = {
    "registration": "Professional registration",
    "career": "Career progression and pathways",
    "leadership": "Leadership and management",
    "technical": "Technical skills and techniques",
    "teaching": "Supporting teaching and learning",
    "research": "Supporting research",
    "safety": "Health, safety and compliance",
    "sustainability": "Sustainable labs and workshops",
    "early_career": "Starting out (apprentices, new technicians)",
    "returning": "Returning to work",
    "edi": "Equality, diversity and inclusion",
    "wellbeing": "Confidence and wellbeing",
}
# Other words members type for an area (`/tech mentor find rsci`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "registration": ("register", "registered", "registering", "rscitech", "rsci", "csci", "engtech", "ieng",
                     "ceng", "icttech", "rittech", "chartered", "chartership", "professional", "accreditation"),
    "career": ("careers", "progression", "promotion", "pathway", "pathways", "job", "jobs", "cv", "interview"),
    "leadership": ("leader", "lead", "leading", "management", "manager", "managing", "supervising", "team"),
    "technical": ("technique", "techniques", "skills", "skill", "equipment", "instrument", "instruments", "methods"),
    "teaching": ("teach", "students", "learning", "practicals", "demonstrating"),
    "research": ("researchers", "grants", "projects", "publications"),
    "safety": ("health", "coshh", "compliance", "risk", "hazards"),
    "sustainability": ("sustainable", "green", "leaf", "energy", "waste"),
    "early_career": ("early", "apprentice", "apprentices", "apprenticeship", "new", "starting", "graduate"),
    "returning": ("return", "break", "parental", "leave"),
    "edi": ("equality", "diversity", "inclusion", "inclusive"),
    "wellbeing": ("confidence", "stress", "resilience", "balance"),
}
# Check-in cadences a pairing can agree, in days.
CADENCES: dict[int, str] = {14: "every two weeks", 30: "monthly", 42: "every six weeks", 61: "every two months",
                            91: "quarterly"}
DEFAULT_CADENCE = 30
MAX_CAPACITY = 10
MESSAGE_LIMIT = 1000
INTRO_LIMIT = 1000
SPECIALISMS_LIMIT = 300
# The due ledger's kind for check-ins; subject "pairing:<id>", occurrence "v<version>:<date>".
CHECKIN = "mentoring_checkin"
# Check-ins are posted at this time of day in the network's zone, on a weekday.
CHECKIN_HOUR = 10
AGAIN_WORDS = frozenset({"--again", "—again", "–again", "-again", "again"})

PENDING, ACCEPTED, DECLINED, WITHDRAWN, CANCELLED = "pending", "accepted", "declined", "withdrawn", "cancelled"

# Field names: the mentor form's block ids (bot/ids.py uses the same), so errors land by the field.
F_AREAS, F_SPECIALISMS, F_CAPACITY, F_PAUSED, F_INTRO, F_MESSAGE = (
    "areas", "specialisms", "capacity", "paused_until", "intro", "note")


class InvalidMentorProfile(InvalidFields):
    """Several fields can be wrong at once; `errors` maps each field to what is wrong."""


def area_label(key: str | None) -> str:
    return AREAS.get(key or "", key or "Mentoring")


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def resolve_area(text: str) -> str | None:
    """The area key a member means by `text` ("rsci", "Leadership", "professional registration"), or None."""
    wanted = " ".join(_words(text))
    if not wanted:
        return None
    for key, label in AREAS.items():
        if wanted in (key.replace("_", " "), key, " ".join(_words(label))) or wanted in SYNONYMS.get(key, ()):
            return key
    scores: Counter[str] = Counter()
    for word in wanted.split():
        for key, label in AREAS.items():
            vocabulary = {key, *SYNONYMS.get(key, ()), *(w for w in _words(label) if len(w) > 3)}
            if word in vocabulary:
                scores[key] += 1
    if not scores:
        return None
    return scores.most_common(1)[0][0]


# Mentor profiles ----------------------------------------------------------------------------------

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
    slack_user_id: str
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
    profile = session.get(MentorProfile, actor.member_id)
    if profile is None:
        profile = MentorProfile(member_id=actor.member_id, created_at=now)
        session.add(profile)
    profile.areas, profile.capacity, profile.paused_until = areas, capacity, paused
    profile.specialisms, profile.intro, profile.updated_at = specialisms, intro, now
    session.flush()
    return _mentor_info(session, profile)


def find_mentor_profile(session: Session, member_id: int) -> MentorInfo | None:
    profile = session.get(MentorProfile, member_id)
    return None if profile is None else _mentor_info(session, profile)


def find_mentor_by_slack(session: Session, slack_user_id: str) -> MentorInfo | None:
    member = session.scalar(select(Member).where(Member.slack_user_id == slack_user_id))
    return None if member is None else find_mentor_profile(session, member.id)


def _active_counts(session: Session, mentor_ids: list[int] | None = None) -> dict[int, int]:
    query = select(MentoringPairing.mentor_id, func.count()).where(MentoringPairing.ended_at.is_(None))
    if mentor_ids is not None:
        query = query.where(MentoringPairing.mentor_id.in_(mentor_ids))
    return dict(session.execute(query.group_by(MentoringPairing.mentor_id)).all())


def _mentor_info(session: Session, profile: MentorProfile, member: Member | None = None,
                 active: int | None = None) -> MentorInfo:
    member = member or session.get_one(Member, profile.member_id)
    if active is None:
        active = _active_counts(session, [profile.member_id]).get(profile.member_id, 0)
    return MentorInfo(member.id, member.slack_user_id, member.name, list(profile.areas or []), profile.capacity,
                      active, profile.specialisms, profile.intro, profile.paused_until, member.job_title,
                      member.department)


# Finding a mentor --------------------------------------------------------------------------------

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
    words = [w for w in _words(wanted) if len(w) > 1]
    rows = session.execute(
        select(MentorProfile, Member).join(Member, Member.id == MentorProfile.member_id)
        .where(Member.id != actor.member_id, Member.is_bot.is_(False), Member.deactivated.is_(False))).all()
    active = _active_counts(session, [p.member_id for p, _ in rows])
    paired = set(session.scalars(select(MentoringPairing.mentor_id).where(
        MentoringPairing.mentee_id == actor.member_id)))
    current = set(session.scalars(select(MentoringPairing.mentor_id).where(
        MentoringPairing.mentee_id == actor.member_id, MentoringPairing.ended_at.is_(None))))
    requested = set(session.scalars(select(MentoringRequest.mentor_id).where(
        MentoringRequest.mentee_id == actor.member_id, MentoringRequest.status == PENDING)))
    cards: list[MentorCard] = []
    left_out = full = 0
    for profile, member in rows:
        info = _mentor_info(session, profile, member, active.get(member.id, 0))
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


# Requests ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestInfo:
    id: int
    mentee_slack: str
    mentee_name: str
    mentor_slack: str
    mentor_name: str
    area: str
    message: str | None
    status: str
    mentee_job_title: str | None = None
    mentee_department: str | None = None
    mentor_dm_channel: str | None = None
    mentor_dm_ts: str | None = None

    @property
    def area_label(self) -> str:
        return area_label(self.area)


@dataclass(frozen=True)
class RequestOutcome:
    request: RequestInfo
    created: bool


def _request_info(session: Session, row: MentoringRequest) -> RequestInfo:
    mentee, mentor = session.get_one(Member, row.mentee_id), session.get_one(Member, row.mentor_id)
    return RequestInfo(row.id, mentee.slack_user_id, mentee.name, mentor.slack_user_id, mentor.name, row.area,
                       row.message, row.status, mentee.job_title, mentee.department, row.mentor_dm_channel,
                       row.mentor_dm_ts)


def _member_by_slack(session: Session, slack_user_id: str) -> Member:
    member = session.scalar(select(Member).where(Member.slack_user_id == slack_user_id))
    if member is None:
        raise NotFound("That mentor is not in technet's list any more: search again with `/tech mentor find`.")
    return member


def mentor_for_request(session: Session, actor: Actor, mentor_slack_id: str, *, today: date) -> MentorInfo:
    """The mentor, if the actor may ask them now: not themselves, not someone who left, with a free place."""
    mentor = _member_by_slack(session, mentor_slack_id)
    if mentor.id == actor.member_id:
        raise DomainError("You can't be your own mentor: choose someone else.")
    if mentor.deactivated or mentor.is_bot:
        raise DomainError(f"{mentor.name} has left the workspace, so can't take on a mentee. "
                          "Search again with `/tech mentor find` for someone else.")
    profile = session.get(MentorProfile, mentor.id)
    if profile is None:
        raise DomainError(f"{mentor.name} is not offering mentoring (any more).")
    if session.scalar(select(MentoringPairing.id).where(
            MentoringPairing.mentor_id == mentor.id, MentoringPairing.mentee_id == actor.member_id,
            MentoringPairing.ended_at.is_(None))) is not None:
        raise DomainError(f"{mentor.name} is your mentor already.")
    info = _mentor_info(session, profile, mentor)
    if info.paused(today):
        raise DomainError(f"{mentor.name} is not taking new mentees until after {info.paused_until:%-d %B %Y}.")
    if info.free <= 0:
        raise DomainError(f"{mentor.name} has no free place just now ({info.active} of {info.capacity} taken). "
                          "Search again with `/tech mentor find` for someone else.")
    return info


def request_mentor(session: Session, actor: Actor, mentor_slack_id: str, area: str, message: str | None = None, *,
                   today: date, now: datetime) -> RequestOutcome:
    """Ask a mentor to mentor the actor. Asking again while the request is open returns that request."""
    mentor = _member_by_slack(session, mentor_slack_id)
    open_key = f"{actor.member_id}:{mentor.id}"
    existing = session.scalar(select(MentoringRequest).where(MentoringRequest.open_key == open_key))
    if existing is not None:
        return RequestOutcome(_request_info(session, existing), created=False)
    info = mentor_for_request(session, actor, mentor_slack_id, today=today)
    note = (message or "").strip() or None
    if note and len(note) > MESSAGE_LIMIT:
        raise DomainError(f"Keep the note to {MESSAGE_LIMIT} characters; it has {len(note)}.", field=F_MESSAGE)
    area = area if area in AREAS else (info.areas[0] if info.areas else "career")
    row = MentoringRequest(mentee_id=actor.member_id, mentor_id=mentor.id, area=area, message=note, status=PENDING,
                           open_key=open_key, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The same request submitted twice at once: the first one stands.
        existing = session.scalar(select(MentoringRequest).where(MentoringRequest.open_key == open_key))
        assert existing is not None
        return RequestOutcome(_request_info(session, existing), created=False)
    return RequestOutcome(_request_info(session, row), created=True)


def open_request(session: Session, mentee_id: int, mentor_slack_id: str) -> RequestInfo | None:
    mentor = session.scalar(select(Member).where(Member.slack_user_id == mentor_slack_id))
    if mentor is None:
        return None
    row = session.scalar(select(MentoringRequest).where(MentoringRequest.open_key == f"{mentee_id}:{mentor.id}"))
    return None if row is None else _request_info(session, row)


def claim_request_notice(session: Session, request_id: int, *, now: datetime) -> RequestInfo | None:
    """The request, if this caller won the right to DM the mentor about it (once per request)."""
    won = session.execute(
        update(MentoringRequest).where(MentoringRequest.id == request_id, MentoringRequest.status == PENDING,
                                       MentoringRequest.notified_at.is_(None))
        .values(notified_at=now), execution_options={"synchronize_session": False}).rowcount
    return _request_info(session, session.get_one(MentoringRequest, request_id)) if won == 1 else None


def record_request_notice(session: Session, request_id: int, channel: str, ts: str) -> None:
    row = session.get_one(MentoringRequest, request_id)
    row.mentor_dm_channel, row.mentor_dm_ts = channel, ts


def release_request_notice(session: Session, request_id: int) -> None:
    session.execute(update(MentoringRequest).where(MentoringRequest.id == request_id).values(notified_at=None),
                    execution_options={"synchronize_session": False})


def cancel_request(session: Session, request_id: int, *, now: datetime) -> RequestInfo:
    """Close a request nobody can act on (the mentor could not be reached: they left)."""
    row = session.get_one(MentoringRequest, request_id)
    if row.status == PENDING:
        row.status, row.open_key, row.decided_at = CANCELLED, None, now
    return _request_info(session, row)


def _get_request(session: Session, request_id: int) -> MentoringRequest:
    # Locked (PostgreSQL; SQLite's write lock is the whole database): of two presses of Accept at
    # once, the second waits and then finds the request accepted, not a mentor at capacity.
    row = session.get(MentoringRequest, request_id, with_for_update=True)
    if row is None:
        raise NotFound("That mentoring request no longer exists.")
    return row


def _closed_message(session: Session, row: MentoringRequest) -> str:
    mentee = session.get_one(Member, row.mentee_id)
    return {
        DECLINED: "You declined this request already.",
        WITHDRAWN: f"{mentee.name} withdrew this request.",
        CANCELLED: "This request was cancelled: one of you has left the workspace.",
    }.get(row.status, "This request is closed.")


# Pairings ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PairingInfo:
    id: int
    request_id: int
    mentor_slack: str
    mentor_name: str
    mentee_slack: str
    mentee_name: str
    area: str
    cadence_days: int
    started_at: datetime
    ended_at: datetime | None
    ended_by_slack: str | None
    group_channel: str | None
    intro_ts: str | None
    message: str | None
    last_met_at: datetime | None = None

    @property
    def area_label(self) -> str:
        return area_label(self.area)

    @property
    def cadence_label(self) -> str:
        return CADENCES.get(self.cadence_days, f"every {self.cadence_days} days")

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def other(self, slack_user_id: str) -> tuple[str, str]:
        """(slack id, name) of the other person in the pairing."""
        if slack_user_id == self.mentor_slack:
            return self.mentee_slack, self.mentee_name
        return self.mentor_slack, self.mentor_name

    def role_of(self, slack_user_id: str) -> str:
        return "mentor" if slack_user_id == self.mentor_slack else "mentee"


def _pairing_info(session: Session, row: MentoringPairing) -> PairingInfo:
    mentor, mentee = session.get_one(Member, row.mentor_id), session.get_one(Member, row.mentee_id)
    ended_by = session.get(Member, row.ended_by_id) if row.ended_by_id else None
    request = session.get(MentoringRequest, row.request_id)
    return PairingInfo(row.id, row.request_id, mentor.slack_user_id, mentor.name, mentee.slack_user_id, mentee.name,
                       row.area, row.cadence_days, row.started_at, row.ended_at,
                       ended_by.slack_user_id if ended_by else None, row.group_channel, row.intro_ts,
                       request.message if request else None, row.last_met_at)


@dataclass(frozen=True)
class AcceptOutcome:
    pairing: PairingInfo
    created: bool


def accept_request(session: Session, actor: Actor, request_id: int, *, now: datetime, tz: tzinfo) -> AcceptOutcome:
    """The mentor accepts: a pairing starts and its first check-in is scheduled. Accepting again is a no-op."""
    row = _get_request(session, request_id)
    if row.mentor_id != actor.member_id:
        raise PermissionDenied("Only the mentor who was asked can accept this request.")
    if row.status == ACCEPTED:
        pairing = session.scalar(select(MentoringPairing).where(MentoringPairing.request_id == row.id))
        assert pairing is not None
        return AcceptOutcome(_pairing_info(session, pairing), created=False)
    if row.status != PENDING:
        raise DomainError(_closed_message(session, row))
    mentee = session.get_one(Member, row.mentee_id)
    if mentee.deactivated:
        row.status, row.open_key, row.decided_at = CANCELLED, None, now
        raise DomainError(f"{mentee.name} has left the workspace, so this request is closed.")
    # Lock the mentor's profile (PostgreSQL; SQLite's write lock is the whole database) so two
    # acceptances at once cannot both take the last free place.
    profile = session.scalar(select(MentorProfile).where(MentorProfile.member_id == actor.member_id)
                             .with_for_update())
    capacity = profile.capacity if profile is not None else 0
    active = _active_counts(session, [actor.member_id]).get(actor.member_id, 0)
    if active >= capacity:
        raise DomainError(f"You are mentoring {active} of the {capacity} you offered: end a pairing or raise your "
                          "capacity (`/tech mentor join`) before accepting, or decline this request.")
    row.status, row.open_key, row.decided_at = ACCEPTED, None, now
    pairing = MentoringPairing(request_id=row.id, mentor_id=row.mentor_id, mentee_id=row.mentee_id, area=row.area,
                               cadence_days=DEFAULT_CADENCE, schedule_version=1, started_at=now)
    try:
        with session.begin_nested():
            session.add(pairing)
    except IntegrityError:
        existing = session.scalar(select(MentoringPairing).where(MentoringPairing.request_id == row.id))
        assert existing is not None
        return AcceptOutcome(_pairing_info(session, existing), created=False)
    schedule_checkin(session, pairing, after=now, tz=tz)
    return AcceptOutcome(_pairing_info(session, pairing), created=True)


def decline_request(session: Session, actor: Actor, request_id: int, *, now: datetime) -> tuple[RequestInfo, bool]:
    """The mentor declines; returns the request and whether this call changed it."""
    row = _get_request(session, request_id)
    if row.mentor_id != actor.member_id:
        raise PermissionDenied("Only the mentor who was asked can decline this request.")
    if row.status == DECLINED:
        return _request_info(session, row), False
    if row.status == ACCEPTED:
        raise DomainError("You accepted this request already; end the pairing instead (`/tech mentor end`).")
    if row.status != PENDING:
        raise DomainError(_closed_message(session, row))
    row.status, row.open_key, row.decided_at = DECLINED, None, now
    return _request_info(session, row), True


def withdraw_request(session: Session, actor: Actor, request_id: int, *, now: datetime) -> tuple[RequestInfo, bool]:
    """The mentee withdraws a request the mentor has not answered yet."""
    row = _get_request(session, request_id)
    if row.mentee_id != actor.member_id:
        raise PermissionDenied("Only the member who asked can withdraw this request.")
    if row.status == WITHDRAWN:
        return _request_info(session, row), False
    if row.status != PENDING:
        mentor = session.get_one(Member, row.mentor_id)
        raise DomainError(f"{mentor.name} has answered this request already ({row.status}).")
    row.status, row.open_key, row.decided_at = WITHDRAWN, None, now
    return _request_info(session, row), True


def _get_pairing(session: Session, actor: Actor, pairing_id: int) -> MentoringPairing:
    row = session.get(MentoringPairing, pairing_id)
    if row is None or actor.member_id not in (row.mentor_id, row.mentee_id):
        raise NotFound("That mentoring pairing is not one of yours.")
    return row


def get_pairing(session: Session, pairing_id: int) -> PairingInfo | None:
    row = session.get(MentoringPairing, pairing_id)
    return None if row is None else _pairing_info(session, row)


def claim_introduction(session: Session, pairing_id: int, *, now: datetime) -> bool:
    """True for the one caller that may post the pairing's introduction."""
    return session.execute(
        update(MentoringPairing).where(MentoringPairing.id == pairing_id, MentoringPairing.intro_claimed_at.is_(None),
                                       MentoringPairing.intro_ts.is_(None))
        .values(intro_claimed_at=now), execution_options={"synchronize_session": False}).rowcount == 1


def record_introduction(session: Session, pairing_id: int, channel: str, ts: str) -> None:
    row = session.get_one(MentoringPairing, pairing_id)
    row.group_channel, row.intro_ts = channel, ts


def release_introduction(session: Session, pairing_id: int) -> None:
    session.execute(update(MentoringPairing).where(MentoringPairing.id == pairing_id).values(intro_claimed_at=None),
                    execution_options={"synchronize_session": False})


def set_group_channel(session: Session, pairing_id: int, channel: str) -> None:
    session.get_one(MentoringPairing, pairing_id).group_channel = channel


def end_pairing(session: Session, actor: Actor, pairing_id: int, *, now: datetime) -> tuple[PairingInfo, bool]:
    """Either side ends the pairing; its check-ins stop. Returns the pairing and whether this call ended it."""
    row = _get_pairing(session, actor, pairing_id)
    if row.ended_at is not None:
        return _pairing_info(session, row), False
    row.ended_at, row.ended_by_id = now, actor.member_id
    ledger.cancel_pending(session, kind=CHECKIN, subject=checkin_subject(row.id))
    return _pairing_info(session, row), True


def record_meeting(session: Session, actor: Actor, pairing_id: int, *, now: datetime) -> PairingInfo:
    row = _get_pairing(session, actor, pairing_id)
    if row.ended_at is not None:
        raise DomainError("This mentoring has ended.")
    row.last_met_at = now
    return _pairing_info(session, row)


def set_cadence(session: Session, actor: Actor, pairing_id: int, cadence_days: int, *, now: datetime,
                tz: tzinfo) -> tuple[PairingInfo, datetime]:
    """Agree a new check-in cadence: the pending check-in is replaced by one at the new pace."""
    if cadence_days not in CADENCES:
        raise DomainError("Choose how often from the list.")
    row = _get_pairing(session, actor, pairing_id)
    if row.ended_at is not None:
        raise DomainError("This mentoring has ended: there are no more check-ins.")
    ledger.cancel_pending(session, kind=CHECKIN, subject=checkin_subject(row.id))
    row.cadence_days = cadence_days
    row.schedule_version += 1
    item = schedule_checkin(session, row, after=row.last_checkin_at or row.started_at, tz=tz, not_before=now)
    return _pairing_info(session, row), item.due_at


# Check-ins ---------------------------------------------------------------------------------------

def checkin_subject(pairing_id: int) -> str:
    return f"pairing:{pairing_id}"


def checkin_day(after: datetime, cadence_days: int, tz: tzinfo) -> date:
    """The day of the next check-in: `cadence_days` after `after`, moved off a weekend to the Monday."""
    day = after.astimezone(tz).date() + timedelta(days=cadence_days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def checkin_at(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(CHECKIN_HOUR), tzinfo=tz).astimezone(timezone.utc)


def schedule_checkin(session: Session, pairing: MentoringPairing, *, after: datetime, tz: tzinfo,
                     not_before: datetime | None = None) -> DueItem:
    """The next check-in's due row (once per pairing, schedule version and day)."""
    session.flush()
    day = checkin_day(after, pairing.cadence_days, tz)
    if not_before is not None:
        while checkin_at(day, tz) <= not_before:
            day = checkin_day(checkin_at(day, tz), 1, tz)
    return ledger.schedule(session, kind=CHECKIN, subject=checkin_subject(pairing.id),
                           occurrence=f"v{pairing.schedule_version}:{day.isoformat()}", due_at=checkin_at(day, tz))


def next_checkin(session: Session, pairing_id: int) -> datetime | None:
    """When the pairing's next check-in is due, if one is pending."""
    return session.scalar(select(DueItem.due_at).where(
        DueItem.kind == CHECKIN, DueItem.subject == checkin_subject(pairing_id), DueItem.status == ledger.PENDING)
        .order_by(DueItem.due_at).limit(1))


def checkin_to_send(session: Session, pairing_id: int, occurrence: str, *, due_at: datetime,
                    tz: tzinfo) -> PairingInfo | None:
    """The pairing to check in with for this due row, with the next check-in scheduled; None to skip.

    A pairing whose mentor or mentee has left the workspace ends here.
    """
    row = session.get(MentoringPairing, pairing_id)
    if row is None or row.ended_at is not None:
        return None
    if not occurrence.startswith(f"v{row.schedule_version}:"):
        return None  # the cadence changed after this row was scheduled
    mentor, mentee = session.get_one(Member, row.mentor_id), session.get_one(Member, row.mentee_id)
    if mentor.deactivated or mentee.deactivated:
        row.ended_at = due_at
        return None
    row.last_checkin_at = due_at
    schedule_checkin(session, row, after=due_at, tz=tz)
    return _pairing_info(session, row)


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
        profile=_mentor_info(session, profile) if profile else None,
        mentoring=[_pairing_info(session, p) for p in pairings if p.mentor_id == actor.member_id],
        mentored_by=[_pairing_info(session, p) for p in pairings if p.mentee_id == actor.member_id],
        incoming=[_request_info(session, r) for r in requests if r.mentor_id == actor.member_id],
        outgoing=[_request_info(session, r) for r in requests if r.mentee_id == actor.member_id],
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
    active = _active_counts(session)
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
