"""Surveys: an organiser sets one up for an audience; technet invites each person by DM at the
opening, reminds those who have not answered (twice at most), keeps one answer per person
(changeable until the close), and at the close makes the next one of a quarterly pulse.

Anonymity: an anonymous survey's answer is stored with no member, no time and a random id, and
who has answered is a flag on the invitation with no time either. What could still pair the two
(the order rows were written in, PostgreSQL's transaction id on each row) is scrambled by a
shuffle that rewrites every answer of the survey in a random order, and touches every invitation,
in one transaction: planned within a minute of each answer and done again at the close.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from storage import ledger
from storage.errors import DomainError, NotFound
from storage.forms import InvalidFields
from storage.members import Actor, Role, members_by_ids
from storage.models import Member
from storage.models.events import Rsvp
from storage.models.mentoring import MentoringPairing
from storage.models.surveys import Survey, SurveyInvitation, SurveyResponse
from storage.surveys.questions import Question, check_answers, parse

SURVEY_OPEN = "survey_open"
SURVEY_INVITE = "survey_invite"
SURVEY_REMINDERS = "survey_reminders"
SURVEY_REMIND = "survey_remind"
SURVEY_SHUFFLE = "survey_shuffle"
SURVEY_CLOSE = "survey_close"
AUDIENCES = {"all": "every member", "department": "a department", "event": "those who attended an event",
             "mentoring": "the mentoring pairs"}
QUARTERLY = "quarterly"
REMINDERS = 2
TITLE_LIMIT = 200


class InvalidSurvey(InvalidFields):
    """A survey form refused, by field: {field id: message}."""


@dataclass(frozen=True)
class SurveyDraft:
    title: str
    questions: str
    anonymous: bool
    audience: str
    audience_value: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    recurrence: str = ""


@dataclass(frozen=True)
class SurveyInfo:
    id: int
    title: str
    questions: tuple[Question, ...]
    anonymous: bool
    audience: str
    audience_value: str
    opens_at: datetime
    closes_at: datetime
    recurrence: str
    created_by_id: int | None

    @property
    def audience_label(self) -> str:
        label = AUDIENCES.get(self.audience, self.audience)
        if self.audience == "department":
            return f"the {self.audience_value} department"
        if self.audience in ("event", "feedback"):
            return f"those who attended event {self.audience_value}"
        return label

    def is_open(self, now: datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def info_of(survey: Survey) -> SurveyInfo:
    return SurveyInfo(survey.id, survey.title, tuple(Question.from_json(q) for q in survey.questions),
                      survey.anonymous, survey.audience, survey.audience_value, survey.opens_at, survey.closes_at,
                      survey.recurrence, survey.created_by_id)


def get(session: Session, survey_id: int) -> SurveyInfo:
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound(f"There is no survey {survey_id}.")
    return info_of(survey)


# The audience -----------------------------------------------------------------------------------------

def _people() -> Any:
    return select(Member.id).where(Member.is_bot.is_(False), Member.deactivated.is_(False),
                                   Member.erased_at.is_(None))


def audience_ids(session: Session, audience: str, value: str = "") -> list[int]:
    """The members a survey for this audience goes to."""
    if audience == "all":
        return list(session.scalars(_people()))
    if audience == "department":
        return list(session.scalars(_people().where(func.lower(Member.department) == value.strip().lower())))
    if audience in ("event", "feedback"):
        event_id = int(value) if value.strip().isdigit() and len(value.strip()) < 10 else 0
        recorded = select(Rsvp.member_id).where(Rsvp.event_id == event_id, Rsvp.attended.is_(True))
        found = list(session.scalars(_people().where(Member.id.in_(recorded))))
        if found:
            return found
        going = select(Rsvp.member_id).where(Rsvp.event_id == event_id, Rsvp.status == "going",
                                             Rsvp.attended.is_not(False))
        return list(session.scalars(_people().where(Member.id.in_(going))))
    if audience == "mentoring":
        active = MentoringPairing.ended_at.is_(None)
        mentors = select(MentoringPairing.mentor_id).where(active)
        mentees = select(MentoringPairing.mentee_id).where(active)
        return list(session.scalars(_people().where(Member.id.in_(mentors) | Member.id.in_(mentees))))
    raise DomainError("Choose who the survey is for.", field="survey_audience")


# Setting one up -------------------------------------------------------------------------------------

def create(session: Session, actor: Actor, draft: SurveyDraft, *, now: datetime, min_group: int) -> Survey:
    """A new survey, its invitations planned for its opening, two reminder rounds and its close."""
    actor.require(Role.ORGANISER, "set up a survey")
    errors: dict[str, str] = {}
    title = " ".join(draft.title.split())
    if not title:
        errors["survey_title"] = "Give the survey a title."
    elif len(title) > TITLE_LIMIT:
        errors["survey_title"] = f"Keep the title to {TITLE_LIMIT} characters."
    questions: list[Question] = []
    try:
        questions = parse(draft.questions)
    except DomainError as e:
        errors["survey_questions"] = e.message
    opens = draft.opens_at or now
    if draft.closes_at is None:
        errors["survey_closes"] = "Say when the survey closes."
    elif draft.closes_at <= max(opens, now):
        errors["survey_closes"] = "The survey must close after it opens, and in the future."
    if draft.recurrence not in ("", QUARTERLY):
        errors["survey_recurrence"] = "A survey repeats quarterly or not at all."
    if draft.audience not in AUDIENCES:
        errors["survey_audience"] = "Choose who the survey is for."
    elif draft.audience in ("department", "event") and not draft.audience_value.strip():
        errors["survey_audience_value"] = ("Name the department." if draft.audience == "department"
                                           else "Give the event's number.")
    else:
        size = len(audience_ids(session, draft.audience, draft.audience_value))
        if size < min_group:
            errors["survey_audience"] = (f"That audience is {size} {'person' if size == 1 else 'people'}: a survey "
                                         f"goes to at least {min_group}, so that no answer can be told apart.")
    if errors:
        raise InvalidSurvey(errors)
    assert draft.closes_at is not None
    survey = Survey(title=title, questions=[q.to_json() for q in questions], anonymous=draft.anonymous,
                    audience=draft.audience, audience_value=draft.audience_value.strip(), opens_at=opens,
                    closes_at=draft.closes_at, recurrence=draft.recurrence, created_by_id=actor.member_id,
                    created_at=now)
    session.add(survey)
    session.flush()
    _plan(session, survey)
    return survey


def _plan(session: Session, survey: Survey) -> None:
    subject = f"survey:{survey.id}"
    ledger.schedule(session, kind=SURVEY_OPEN, subject=subject, occurrence="open", due_at=survey.opens_at,
                    payload={"survey": survey.id})
    window = survey.closes_at - survey.opens_at
    for round_ in range(1, REMINDERS + 1):
        ledger.schedule(session, kind=SURVEY_REMINDERS, subject=subject, occurrence=f"round:{round_}",
                        due_at=survey.opens_at + window * round_ / (REMINDERS + 1),
                        payload={"survey": survey.id, "round": round_})
    ledger.schedule(session, kind=SURVEY_CLOSE, subject=subject, occurrence="close", due_at=survey.closes_at,
                    payload={"survey": survey.id})


def listing(session: Session, actor: Actor) -> list[tuple[SurveyInfo, int, int]]:
    """Organisers: every survey, newest first, with how many were asked and how many answered."""
    actor.require(Role.ORGANISER, "see the surveys")
    found = session.scalars(select(Survey).order_by(Survey.id.desc()).limit(20)).all()
    counts = invitation_counts(session, [s.id for s in found])
    return [(info_of(s), *counts[s.id]) for s in found]


def invitation_counts(session: Session, survey_ids: Collection[int]) -> dict[int, tuple[int, int]]:
    """Each survey's (asked, answered), in one query: (0, 0) for one not sent yet."""
    counts = {survey_id: (0, 0) for survey_id in survey_ids}
    if counts:
        answered = func.sum(case((SurveyInvitation.answered.is_(True), 1), else_=0))
        counts.update((survey_id, (asked, done)) for survey_id, asked, done in session.execute(
            select(SurveyInvitation.survey_id, func.count(), answered)
            .where(SurveyInvitation.survey_id.in_(counts)).group_by(SurveyInvitation.survey_id)))
    return counts


# Inviting and reminding ---------------------------------------------------------------------------------

def open_survey(session: Session, survey_id: int, *, now: datetime, min_group: int) -> list[int]:
    """At the opening: an invitation for each of the audience (as it is now), and a due DM for each.
    Returns the due rows' ids; none when the audience has fallen below the threshold."""
    survey = session.get(Survey, survey_id)
    if survey is None or survey.sent_at is not None or now >= survey.closes_at:
        return []
    people = audience_ids(session, survey.audience, survey.audience_value)
    if len(people) < min_group:
        return []
    survey.sent_at = now
    invited = set(session.scalars(select(SurveyInvitation.member_id).where(SurveyInvitation.survey_id == survey.id)))
    session.add_all(SurveyInvitation(survey_id=survey.id, member_id=m, answered=False, reminders=0)
                    for m in people if m not in invited)
    session.flush()
    due = []
    for member in members_by_ids(session, people).values():
        item = ledger.schedule(session, kind=SURVEY_INVITE, subject=f"survey:{survey.id}",
                               occurrence=f"member:{member.user_id}", due_at=now,
                               payload={"survey": survey.id, "member": member.user_id, "member_id": member.id})
        due.append(item.id)
    return due


def plan_reminders(session: Session, survey_id: int, round_: int, *, now: datetime) -> list[int]:
    """A reminder round: a due DM for each person invited who has not answered (never to those who have)."""
    survey = session.get(Survey, survey_id)
    if survey is None or survey.sent_at is None or now >= survey.closes_at or round_ > REMINDERS:
        return []
    waiting = session.scalars(select(SurveyInvitation.member_id).where(
        SurveyInvitation.survey_id == survey.id, SurveyInvitation.answered.is_(False),
        SurveyInvitation.reminders < round_))
    due = []
    for member in members_by_ids(session, list(waiting)).values():
        item = ledger.schedule(session, kind=SURVEY_REMIND, subject=f"survey:{survey.id}",
                               occurrence=f"round:{round_}:member:{member.user_id}", due_at=now,
                               payload={"survey": survey.id, "member": member.user_id, "member_id": member.id,
                                        "round": round_})
        due.append(item.id)
    return due


def to_remind(session: Session, survey_id: int, member_id: int, *, now: datetime) -> SurveyInfo | None:
    """The survey, when this member is invited, has not answered, and it is open: else None."""
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.survey_id == survey_id,
                                                               SurveyInvitation.member_id == member_id))
    survey = session.get(Survey, survey_id)
    if invitation is None or survey is None or invitation.answered or not info_of(survey).is_open(now):
        return None
    return info_of(survey)


def reminded(session: Session, survey_id: int, member_id: int, round_: int) -> None:
    session.execute(update(SurveyInvitation).where(SurveyInvitation.survey_id == survey_id,
                                                   SurveyInvitation.member_id == member_id)
                    .values(reminders=round_), execution_options={"synchronize_session": False})


# Answering -----------------------------------------------------------------------------------------------

def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _answering(session: Session, actor: Actor, survey_id: int, *, now: datetime,
               key: str) -> tuple[SurveyInfo, SurveyInvitation, SurveyResponse | None]:
    """The survey open for this member to answer, their invitation, and their answer so far (a named
    survey's, or an anonymous one's when they bring the key their confirmation holds)."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        raise NotFound("That survey is gone.")
    info = info_of(survey)
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.survey_id == survey_id,
                                                               SurveyInvitation.member_id == actor.member_id))
    if invitation is None:
        raise DomainError("This survey was not sent to you.")
    if not info.is_open(now):
        raise DomainError("This survey has closed." if now >= info.closes_at else "This survey is not open yet.")
    if not survey.anonymous:
        return info, invitation, session.scalar(select(SurveyResponse).where(
            SurveyResponse.survey_id == survey_id, SurveyResponse.member_id == actor.member_id))
    if key:
        mine = session.scalar(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id,
                                                           SurveyResponse.edit_key == _hash(key)))
        if mine is None:
            raise DomainError("That answer is not one I can find any more.")
        return info, invitation, mine
    if invitation.answered:
        raise DomainError("You have answered this survey. To change your answers, use *Change my answers* in the "
                          "message that confirmed them.")
    return info, invitation, None


def to_answer(session: Session, actor: Actor, survey_id: int, *, now: datetime,
              key: str = "") -> tuple[SurveyInfo, dict[str, Any]]:
    """The survey for this member to answer, with their answers so far (a named survey's, or an
    anonymous one's when they bring the key their confirmation holds)."""
    info, _, mine = _answering(session, actor, survey_id, now=now, key=key)
    return info, dict(mine.answers) if mine else {}


def respond(session: Session, actor: Actor, survey_id: int, given: dict[str, Any], *, now: datetime,
            key: str = "") -> str:
    """Keep this member's answers: once per person, changeable until the close. For an anonymous survey
    returns the key that lets them change it (only their confirmation holds it); "" for a named one."""
    info, invitation, mine = _answering(session, actor, survey_id, now=now, key=key)
    answers, errors = check_answers(info.questions, given)
    if errors:
        raise InvalidSurvey(errors)
    member = session.get_one(Member, actor.member_id)
    invitation.answered = True
    if not info.anonymous:
        if mine is None:
            session.add(SurveyResponse(id=secrets.token_hex(16), survey_id=survey_id, member_id=actor.member_id,
                                       department=member.department or "", answers=answers, updated_at=now))
        else:
            mine.answers, mine.updated_at = answers, now
        return ""
    if key:
        session.execute(update(SurveyResponse).where(SurveyResponse.edit_key == _hash(key))
                        .values(answers=answers), execution_options={"synchronize_session": False})
    else:
        key = secrets.token_urlsafe(24)
        session.add(SurveyResponse(id=secrets.token_hex(16), survey_id=survey_id, member_id=None,
                                   department=member.department or "", answers=answers, edit_key=_hash(key)))
    # Within a minute, every answer of the survey is rewritten in a random order (shuffle).
    slot = datetime.fromtimestamp((now.timestamp() // 60 + 1) * 60, tz=now.tzinfo)
    ledger.schedule(session, kind=SURVEY_SHUFFLE, subject=f"survey:{survey_id}",
                    occurrence=slot.isoformat(timespec="minutes"), due_at=slot, payload={"survey": survey_id})
    return key


def shuffle(session: Session, survey_id: int) -> int:
    """Rewrite every anonymous answer of the survey in a random order with new random ids, and touch
    every invitation, in this one transaction: afterwards neither the order rows were written in nor
    the transaction that wrote them pairs an answer with a person. Returns how many answers."""
    rows = session.execute(select(SurveyResponse.department, SurveyResponse.answers, SurveyResponse.edit_key)
                           .where(SurveyResponse.survey_id == survey_id, SurveyResponse.member_id.is_(None))).all()
    if not rows:
        return 0
    shuffled = list(rows)
    random.SystemRandom().shuffle(shuffled)
    session.execute(delete(SurveyResponse).where(SurveyResponse.survey_id == survey_id,
                                                 SurveyResponse.member_id.is_(None)),
                    execution_options={"synchronize_session": False})
    session.flush()
    session.add_all(SurveyResponse(id=secrets.token_hex(16), survey_id=survey_id, member_id=None, department=d,
                                   answers=a, edit_key=k) for d, a, k in shuffled)
    session.execute(update(SurveyInvitation).where(SurveyInvitation.survey_id == survey_id)
                    .values(answered=SurveyInvitation.answered), execution_options={"synchronize_session": False})
    session.flush()
    return len(shuffled)


def quarter_later(moment: datetime) -> datetime:
    """The same day and time three months on (the month's last day when it has fewer days)."""
    month = moment.month + 3
    year, month = moment.year + (month - 1) // 12, (month - 1) % 12 + 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def close(session: Session, survey_id: int, *, now: datetime, min_group: int = 5) -> int | None:
    """At the close: a last shuffle, the edit keys dropped (nothing can change now), the department of an
    anonymous answer blanked where fewer than `min_group` answered from it (one of three Physics answers
    would otherwise be one of three people the invitations name), and for a quarterly pulse the next
    quarter's survey. Returns the next survey's id, if one was made."""
    survey = session.get(Survey, survey_id)
    if survey is None:
        return None
    anonymous = SurveyResponse.survey_id == survey_id, SurveyResponse.member_id.is_(None)
    small = [d for d, n in session.execute(select(SurveyResponse.department, func.count()).where(*anonymous)
                                           .group_by(SurveyResponse.department)) if d and n < min_group]
    if small:
        session.execute(update(SurveyResponse).where(*anonymous, SurveyResponse.department.in_(small))
                        .values(department=""), execution_options={"synchronize_session": False})
    shuffle(session, survey_id)
    session.execute(update(SurveyResponse).where(SurveyResponse.survey_id == survey_id).values(edit_key=None),
                    execution_options={"synchronize_session": False})
    if survey.recurrence != QUARTERLY:
        return None
    following = session.scalar(select(Survey.id).where(Survey.follows_id == survey.id))
    if following is not None:
        return None
    nxt = Survey(title=survey.title, questions=list(survey.questions), anonymous=survey.anonymous,
                 audience=survey.audience, audience_value=survey.audience_value,
                 opens_at=quarter_later(survey.opens_at), closes_at=quarter_later(survey.closes_at),
                 recurrence=QUARTERLY, follows_id=survey.id,
                 created_by_id=survey.created_by_id, created_at=now)
    session.add(nxt)
    session.flush()
    _plan(session, nxt)
    return nxt.id

