"""Sessions led by technicians (the plans' "peer-to-peer development series delivered by the
technical community"): any member proposes a talk, demo or workshop; organisers approve it into
an event with the proposer as its host, ask for changes, or decline it with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import events
from storage.errors import DomainError, NotFound
from storage.events import EventForm, EventInfo, ReminderRules
from storage.forms import InvalidFields
from storage.members import Actor, Role
from storage.models import Member
from storage.models.events import Event
from storage.models.proposals import SessionProposal

FORMATS = {"talk": "Talk", "demo": "Demonstration", "workshop": "Workshop"}
# The event kind each format becomes.
EVENT_KINDS = {"talk": "other", "demo": "showcase", "workshop": "workshop"}
LENGTHS = (30, 45, 60, 90, 120, 180)
PROPOSED, CHANGES, APPROVED, DECLINED = "proposed", "changes requested", "approved", "declined"
TITLE_LIMIT, ABSTRACT_LIMIT, DATES_LIMIT, REASON_LIMIT = 150, 2000, 300, 1000


class InvalidProposal(InvalidFields):
    """Fields of the proposal form that are wrong, each with what to do."""


@dataclass(frozen=True)
class ProposalForm:
    title: str | None = None
    abstract: str | None = None
    format: str | None = None
    minutes: str | None = None
    preferred_dates: str | None = None


@dataclass(frozen=True)
class ProposalInfo:
    id: int
    title: str
    abstract: str
    format: str
    minutes: int
    preferred_dates: str
    status: str
    reason: str | None
    proposer_id: int
    proposer: str
    event_id: int | None

    @property
    def format_label(self) -> str:
        return FORMATS.get(self.format, self.format)


def _info(row: SessionProposal, proposer: Member) -> ProposalInfo:
    return ProposalInfo(row.id, row.title, row.abstract, row.format, row.minutes, row.preferred_dates, row.status,
                        row.reason, row.proposer_id, proposer.name, row.event_id)


def propose(session: Session, actor: Actor, form: ProposalForm, *, now: datetime,
            submission_id: str | None = None) -> ProposalInfo:
    """A member's proposal; the same form delivered twice makes one."""
    errors: dict[str, str] = {}
    title = " ".join((form.title or "").split())
    if not title:
        errors["title"] = "Give the session a title."
    elif len(title) > TITLE_LIMIT:
        errors["title"] = f"Keep the title to {TITLE_LIMIT} characters."
    abstract = (form.abstract or "").strip()
    if not abstract:
        errors["abstract"] = "Say in a few lines what people will learn or see."
    elif len(abstract) > ABSTRACT_LIMIT:
        errors["abstract"] = f"Keep the abstract to {ABSTRACT_LIMIT} characters."
    if form.format not in FORMATS:
        errors["format"] = "Choose a talk, a demonstration or a workshop."
    minutes = int(form.minutes) if form.minutes and form.minutes.isdigit() else 0
    if minutes not in LENGTHS:
        errors["minutes"] = "Choose a length from the list."
    dates = " ".join((form.preferred_dates or "").split())
    if len(dates) > DATES_LIMIT:
        errors["preferred_dates"] = f"Keep the preferred dates to {DATES_LIMIT} characters."
    if errors:
        raise InvalidProposal(errors)
    if submission_id:
        done = session.scalar(select(SessionProposal).where(SessionProposal.submission_id == submission_id))
        if done is not None:
            return _info(done, session.get_one(Member, done.proposer_id))
    row = SessionProposal(proposer_id=actor.member_id, title=title, abstract=abstract, format=form.format or "",
                          minutes=minutes, preferred_dates=dates, status=PROPOSED, submission_id=submission_id or None,
                          created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        done = session.scalar(select(SessionProposal).where(SessionProposal.submission_id == submission_id))
        assert done is not None
        row = done
    return _info(row, session.get_one(Member, row.proposer_id))


def pending(session: Session, actor: Actor) -> list[ProposalInfo]:
    """Proposals waiting for an organiser (new, or changed after changes were asked for), oldest first."""
    actor.require(Role.ORGANISER, "decide on session proposals")
    rows = session.execute(select(SessionProposal, Member).join(Member, Member.id == SessionProposal.proposer_id)
                           .where(SessionProposal.status.in_((PROPOSED, CHANGES)))
                           .order_by(SessionProposal.created_at, SessionProposal.id)).all()
    return [_info(p, m) for p, m in rows]


def mine(session: Session, actor: Actor) -> list[ProposalInfo]:
    rows = session.execute(select(SessionProposal, Member).join(Member, Member.id == SessionProposal.proposer_id)
                           .where(SessionProposal.proposer_id == actor.member_id)
                           .order_by(SessionProposal.created_at.desc(), SessionProposal.id.desc())).all()
    return [_info(p, m) for p, m in rows]


def to_decide(session: Session, actor: Actor, proposal_id: int) -> ProposalInfo:
    """A proposal an organiser is about to decide on (for the decision's form): refused when the
    actor is no organiser or it was approved or declined already."""
    row = _open(session, actor, proposal_id, "decide on session proposals")
    return _info(row, session.get_one(Member, row.proposer_id))


def _open(session: Session, actor: Actor, proposal_id: int, doing: str) -> SessionProposal:
    actor.require(Role.ORGANISER, doing)
    row = session.get(SessionProposal, proposal_id)
    if row is None:
        raise NotFound("That proposal is not there any more.")
    if row.status in (APPROVED, DECLINED):
        raise DomainError(f"That proposal was {row.status} already.")
    return row


def approve(session: Session, actor: Actor, proposal_id: int, *, starts_at: datetime | None, location: str | None,
            online_link: str | None, now: datetime, tz: str, rules: ReminderRules,
            source_key: str | None = None) -> tuple[ProposalInfo, EventInfo]:
    """Turn a proposal into an event at `starts_at` with the proposer as its host (its organiser:
    they may edit it and record attendance), announced in the network channel."""
    row = _open(session, actor, proposal_id, "approve session proposals")
    form = EventForm(title=row.title, kind=EVENT_KINDS.get(row.format, "other"), starts_at=starts_at,
                     ends_at=starts_at + timedelta(minutes=row.minutes) if starts_at else None, location=location,
                     online_link=online_link, description=row.abstract, announce=True)
    created = events.create_event(session, actor, form, now=now, tz=tz, rules=rules, source_key=source_key)
    event = session.get_one(Event, created[0].id)
    event.organiser_id = row.proposer_id
    row.status, row.event_id, row.decided_by_id, row.reason, row.updated_at = APPROVED, event.id, actor.member_id, \
        None, now
    session.flush()
    return _info(row, session.get_one(Member, row.proposer_id)), created[0]


def decide(session: Session, actor: Actor, proposal_id: int, *, decline: bool, reason: str | None,
           now: datetime) -> ProposalInfo:
    """Ask for changes, or decline; the reason goes to the proposer, so it is required."""
    row = _open(session, actor, proposal_id, "decide on session proposals")
    text = (reason or "").strip()
    if not text:
        raise DomainError("Give the proposer a reason: it is sent to them.", field="reason")
    if len(text) > REASON_LIMIT:
        raise DomainError(f"Keep the reason to {REASON_LIMIT} characters.", field="reason")
    row.status = DECLINED if decline else CHANGES
    row.reason, row.decided_by_id, row.updated_at = text, actor.member_id, now
    session.flush()
    return _info(row, session.get_one(Member, row.proposer_id))


def led_event_ids() -> Select[int | None]:
    """The events that came from approved proposals: sessions led by technicians."""
    return select(SessionProposal.event_id).where(SessionProposal.event_id.is_not(None))
