"""Awards: cycles, nominations, panel review, figures. Every rule and permission lives here.

Confidentiality is the first rule: a nomination is read only by the panel of its cycle
(Slack user ids stored on the cycle; defaulting to TECHNET_AWARDS_PANEL, which callers
pass in as plain values) and by the nominator who wrote it. Organisers and admins are
not the panel unless they sit on it, and they get counts only once a cycle has closed,
so nobody can work out who was nominated by watching a number change. Every panel read
or export, and every refused attempt, is written to the audit log the chair reads.

Public reads for other features (the e-zine): `open_cycles(session, now)` and
`announced_winners(session, since, until)`; both return plain frozen dataclasses.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import ledger
from storage.errors import DomainError, NotFound, PermissionDenied
from storage.members import Actor, Role, find_member
from storage.models import Member
from storage.models.awards import (
    Award,
    AwardAudit,
    AwardCycle,
    AwardScore,
    Nomination,
    NominationSubmission,
    ShortlistEntry,
)

# The Technician Commitment's four pillars, plus impact: the default rubric.
DEFAULT_CRITERIA = ("Visibility", "Recognition", "Career development", "Sustainability", "Impact")
CITATION_MIN, CITATION_MAX = 50, 3000
EXAMPLE_MAX, MAX_EXAMPLES = 500, 3
TEAM_NAME_MAX, TEAM_MAX = 100, 20
LINK_MAX = 500
ANNOUNCEMENT_MAX = 3000
REMINDER_BEFORE = timedelta(days=3)
SHORTEST_CYCLE = timedelta(hours=1)
NOTIFY_NEVER, NOTIFY_AT_CLOSE = "never", "at_close"
UPCOMING, OPEN, CLOSED, ANNOUNCED = "upcoming", "open", "closed", "announced"
ACTIVE, WITHDRAWN = "active", "withdrawn"
CREATED, UPDATED, REFUSED_CLOSED = "created", "updated", "closed"

# Kinds of due item (digests/awards.py delivers them).
OPENING = "awards.opening"
REMINDER = "awards.reminder"
CLOSING = "awards.closing"
NOMINEE_NOTICE = "awards.nominee_notice"

_POSTING = "posting"
_TEAM_PREFIX = "team:"
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


class CycleClosed(DomainError):
    """The cycle is not open for nominations (any more)."""


class PanelRefusal(PermissionDenied):
    """Someone who is not on a cycle's panel asked for panel-only things.

    Raising rolls the unit of work back, so the caller records the refusal in the audit
    log in a unit of its own with `record_refusal`.
    """

    def __init__(self, message: str, *, cycle_id: int | None, actor: str, action: str):
        super().__init__(message)
        self.cycle_id, self.actor, self.action = cycle_id, actor, action


# Plain values handed out ----------------------------------------------------------

@dataclass(frozen=True)
class CycleInfo:
    """Public facts about a cycle: nothing here says anything about its nominations."""

    id: int
    award_id: int
    award_name: str
    description: str
    label: str
    opens_at: datetime
    closes_at: datetime
    allow_self: bool
    allow_team: bool
    notify_nominees: str
    criteria: tuple[str, ...]
    panel: tuple[str, ...]
    chair: str
    state: str
    announced_at: datetime | None

    @property
    def title(self) -> str:
        return f"{self.award_name} {self.label}".strip()


@dataclass(frozen=True)
class NominationCopy:
    """A nomination as its nominator (or the panel) reads it."""

    id: int
    cycle: CycleInfo
    nominee_key: str
    nominee_user: str | None
    nominee_name: str
    team_name: str | None
    team_members: tuple[str, ...]
    citation: str
    examples: tuple[str, ...]
    link: str | None
    status: str
    nominator_user: str
    nominator_name: str
    nominator_department: str | None
    updated_at: datetime

    @property
    def editable(self) -> bool:
        return self.status == ACTIVE and self.cycle.state == OPEN


@dataclass(frozen=True)
class NominationForm:
    """What the nomination form holds. With `nomination_id`, it edits that nomination."""

    cycle_id: int | None
    nominee: str | None = None
    team_members: tuple[str, ...] = ()
    team_name: str | None = None
    citation: str = ""
    examples: tuple[str, ...] = ()
    link: str | None = None
    nomination_id: int | None = None

    def as_text(self) -> str:
        """The nominator's own words, to give back when a submission is refused."""
        parts = [self.citation.strip()]
        parts += [f"Example of impact: {e.strip()}" for e in self.examples if e and e.strip()]
        if self.link:
            parts.append(f"Link: {self.link.strip()}")
        return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True)
class SubmissionResult:
    outcome: str  # CREATED, UPDATED or REFUSED_CLOSED
    key: str
    repeated: bool
    nomination: NominationCopy | None
    # The cycle the form was for (its close time explains a refusal).
    cycle: CycleInfo | None = None


@dataclass(frozen=True)
class DmClaim:
    """A confirmation (or a refused text) that this caller alone now sends."""

    outcome: str
    nominator_user: str
    nomination: NominationCopy | None


@dataclass(frozen=True)
class NomineeSummary:
    key: str
    name: str
    user_id: str | None
    team_members: tuple[str, ...]
    departments: tuple[str, ...]
    nominations: tuple[NominationCopy, ...]
    average: float | None
    scorers: int
    shortlisted: bool
    winner: bool
    # This panel member's own scores, by criterion, and why they may not score (or "").
    my_scores: Mapping[str, int] = field(default_factory=dict)
    conflict: str = ""


@dataclass(frozen=True)
class Review:
    cycle: CycleInfo
    nominees: tuple[NomineeSummary, ...]
    is_chair: bool


@dataclass(frozen=True)
class NomineeRef:
    key: str
    name: str
    user_ids: tuple[str, ...]
    team_name: str | None


@dataclass(frozen=True)
class AnnouncementDraft:
    cycle: CycleInfo
    winner: NomineeRef
    shortlist: tuple[NomineeRef, ...]


@dataclass(frozen=True)
class AnnouncedWinner:
    cycle_id: int
    award_name: str
    label: str
    winner: NomineeRef
    shortlist: tuple[NomineeRef, ...]
    announced_at: datetime
    text: str


@dataclass(frozen=True)
class FigureRow:
    """Counts only: never a name, never a per-nominee number."""

    award_name: str
    label: str
    state: str
    nominations: int | None
    departments: int | None
    previous_label: str | None
    previous_nominations: int | None

    @property
    def change(self) -> int | None:
        if self.nominations is None or self.previous_nominations is None:
            return None
        return self.nominations - self.previous_nominations


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    allowed: bool
    detail: str
    cycle_id: int | None


# Cycles ---------------------------------------------------------------------------

def state_of(cycle: AwardCycle, now: datetime) -> str:
    if cycle.announced_at is not None:
        return ANNOUNCED
    if now < cycle.opens_at:
        return UPCOMING
    if now < cycle.closes_at:
        return OPEN
    return CLOSED


def _info(cycle: AwardCycle, now: datetime) -> CycleInfo:
    award = cycle.award
    return CycleInfo(
        id=cycle.id, award_id=award.id, award_name=award.name, description=award.description, label=cycle.label,
        opens_at=cycle.opens_at, closes_at=cycle.closes_at, allow_self=cycle.allow_self,
        allow_team=cycle.allow_team, notify_nominees=cycle.notify_nominees,
        criteria=tuple(award.criteria or DEFAULT_CRITERIA), panel=tuple(sorted(cycle.panel)), chair=cycle.chair,
        state=state_of(cycle, now), announced_at=cycle.announced_at,
    )


def _cycle(session: Session, cycle_id: int | None) -> AwardCycle:
    cycle = session.get(AwardCycle, cycle_id) if cycle_id is not None else None
    if cycle is None:
        raise NotFound("There is no such award cycle. `/tech awards list` shows them with their numbers.",
                       field="award")
    return cycle


def get_cycle(session: Session, cycle_id: int, now: datetime) -> CycleInfo:
    return _info(_cycle(session, cycle_id), now)


def open_cycle(
    session: Session,
    actor: Actor,
    *,
    name: str,
    closes_at: datetime,
    now: datetime,
    default_panel: Iterable[str],
    description: str = "",
    criteria: Sequence[str] = (),
    label: str = "",
    opens_at: datetime | None = None,
    allow_self: bool = False,
    allow_team: bool = False,
    notify_nominees: str = NOTIFY_NEVER,
    panel: Iterable[str] = (),
    chair: str | None = None,
) -> CycleInfo:
    """Start a cycle of an award (created on first use of its name); organisers only.

    The panel defaults to TECHNET_AWARDS_PANEL (`default_panel`); the chair, who reads
    the audit log, defaults to the first panel member by id. The opening post, the
    reminder three days before the close and the closing post are scheduled here.
    """
    actor.require(Role.ORGANISER, "open award cycles")
    name = " ".join((name or "").split())
    if not name:
        raise DomainError("Give the award a name, e.g. Technician of the Year.", field="name")
    if len(name) > 150:
        raise DomainError("Keep the award's name to 150 characters.", field="name")
    opens_at = max(opens_at or now, now)
    if closes_at - opens_at < SHORTEST_CYCLE:
        raise DomainError("The closing time must be at least an hour after the opening.", field="closes")
    if notify_nominees not in (NOTIFY_NEVER, NOTIFY_AT_CLOSE):
        raise DomainError("Nominees are told never or at the close.", field="notify")
    members = sorted({p for p in panel if p} or set(default_panel))
    if not members:
        raise DomainError("Name at least one panel member (or set TECHNET_AWARDS_PANEL).", field="panel")
    chair = chair or members[0]
    if chair not in members:
        raise DomainError("The chair must sit on the panel.", field="chair")
    rubric = [" ".join(c.split())[:100] for c in criteria if c and c.strip()]
    if len(rubric) > 10:
        raise DomainError("Use at most ten criteria.", field="criteria")
    award = session.scalar(select(Award).where(func.lower(Award.name) == name.lower()))
    if award is None:
        award = Award(name=name, description=(description or "").strip()[:1000],
                      criteria=rubric or list(DEFAULT_CRITERIA), created_at=now)
        session.add(award)
        session.flush()
    else:
        award.description = (description or "").strip()[:1000] or award.description
        award.criteria = rubric or award.criteria or list(DEFAULT_CRITERIA)
    label = " ".join((label or "").split())[:60] or str(closes_at.year)
    overlapping = session.scalar(select(AwardCycle).where(
        AwardCycle.award_id == award.id, AwardCycle.opens_at < closes_at, AwardCycle.closes_at > opens_at))
    if overlapping is not None:
        raise DomainError(f"{award.name} {overlapping.label} is already open for part of that time.", field="closes")
    if session.scalar(select(AwardCycle.id).where(AwardCycle.award_id == award.id, AwardCycle.label == label)):
        raise DomainError(f"{award.name} already has a cycle called {label!r}; give this one another label.",
                          field="label")
    cycle = AwardCycle(
        award_id=award.id, label=label, opens_at=opens_at, closes_at=closes_at, allow_self=allow_self,
        allow_team=allow_team, notify_nominees=notify_nominees, panel=members, chair=chair,
        created_by=actor.slack_user_id, created_at=now,
    )
    session.add(cycle)
    session.flush()
    session.refresh(cycle)
    _schedule_posts(session, cycle, now)
    return _info(cycle, now)


def _subject(cycle_id: int) -> str:
    return f"cycle:{cycle_id}"


def _schedule_posts(session: Session, cycle: AwardCycle, now: datetime) -> None:
    subject = _subject(cycle.id)
    if cycle.opens_at >= now - timedelta(minutes=1):
        ledger.schedule(session, kind=OPENING, subject=subject, occurrence=cycle.opens_at.isoformat(),
                        due_at=cycle.opens_at)
    remind_at = cycle.closes_at - REMINDER_BEFORE
    # A cycle shorter than three days (or one that starts inside them) gets no reminder.
    if remind_at > max(cycle.opens_at, now):
        ledger.schedule(session, kind=REMINDER, subject=subject, occurrence=cycle.closes_at.isoformat(),
                        due_at=remind_at)
    ledger.schedule(session, kind=CLOSING, subject=subject, occurrence=cycle.closes_at.isoformat(),
                    due_at=cycle.closes_at)


def close_cycle(session: Session, actor: Actor, cycle_id: int, *, now: datetime) -> CycleInfo:
    """Close an open cycle now (organisers only); the reminder is dropped, the closing post moves."""
    actor.require(Role.ORGANISER, "close award cycles")
    cycle = _cycle(session, cycle_id)
    state = state_of(cycle, now)
    if state == UPCOMING:
        raise DomainError(f"{cycle.award.name} {cycle.label} has not opened yet.")
    if state != OPEN:
        raise DomainError(f"{cycle.award.name} {cycle.label} is closed already.")
    subject = _subject(cycle.id)
    ledger.cancel_pending(session, kind=REMINDER, subject=subject)
    ledger.cancel_pending(session, kind=CLOSING, subject=subject)
    cycle.closes_at = now
    ledger.schedule(session, kind=CLOSING, subject=subject, occurrence=now.isoformat(), due_at=now)
    return _info(cycle, now)


def open_cycles(session: Session, now: datetime) -> list[CycleInfo]:
    """Cycles open for nominations now, closing soonest first. Public: no nomination data."""
    cycles = session.scalars(
        select(AwardCycle).where(AwardCycle.opens_at <= now, AwardCycle.closes_at > now,
                                 AwardCycle.announced_at.is_(None)).order_by(AwardCycle.closes_at, AwardCycle.id)
    ).all()
    return [_info(c, now) for c in cycles]


def all_cycles(session: Session, now: datetime, *, limit: int = 30) -> list[CycleInfo]:
    """Every cycle, newest first: public facts only (names, dates, state)."""
    cycles = session.scalars(select(AwardCycle).order_by(AwardCycle.closes_at.desc(), AwardCycle.id.desc())
                             .limit(limit)).all()
    return [_info(c, now) for c in cycles]


def _require_panel(cycle: AwardCycle, actor: Actor, action: str) -> None:
    # Deliberately not Actor.has(): an admin or organiser who is not on this panel is refused.
    if actor.slack_user_id not in cycle.panel:
        raise PanelRefusal(
            f"Only the panel of {cycle.award.name} {cycle.label} can {action}; this attempt has been recorded.",
            cycle_id=cycle.id, actor=actor.slack_user_id, action=action,
        )


def _require_closed(cycle: AwardCycle, now: datetime, doing: str) -> None:
    state = state_of(cycle, now)
    if state in (UPCOMING, OPEN):
        raise DomainError(f"{cycle.award.name} {cycle.label} is still open for nominations; "
                          f"the panel can {doing} once it closes.")


def panel_cycle(session: Session, actor: Actor, cycle_id: int | None, *, action: str, now: datetime) -> CycleInfo:
    """The cycle a panel command is about: the one given, or the latest closed one this member judges."""
    if cycle_id is not None:
        cycle = _cycle(session, cycle_id)
        _require_panel(cycle, actor, action)
        return _info(cycle, now)
    mine = [c for c in session.scalars(select(AwardCycle).order_by(AwardCycle.closes_at.desc())).all()
            if actor.slack_user_id in c.panel]
    if not mine:
        raise PanelRefusal(f"Only an awards panel can {action}; this attempt has been recorded.",
                           cycle_id=None, actor=actor.slack_user_id, action=action)
    closed = [c for c in mine if c.closes_at <= now]
    return _info(closed[0] if closed else mine[0], now)


def record_refusal(session: Session, refusal: PanelRefusal, *, now: datetime) -> None:
    cycle_id = refusal.cycle_id if refusal.cycle_id is not None and session.get(AwardCycle, refusal.cycle_id) else None
    session.add(AwardAudit(cycle_id=cycle_id, actor=refusal.actor, action=refusal.action[:40], allowed=False,
                           detail="refused: not on the panel", at=now))


def _audit(session: Session, cycle: AwardCycle, actor: Actor, action: str, detail: str, now: datetime) -> None:
    session.add(AwardAudit(cycle_id=cycle.id, actor=actor.slack_user_id, action=action, allowed=True,
                           detail=detail[:500], at=now))


# Nominating -----------------------------------------------------------------------

def submission_key(submission_id: str, nominator: str, form: NominationForm) -> str:
    """Identical deliveries of one form (Slack retrying) share this key; any change makes a new one."""
    data = json.dumps([submission_id, nominator, form.cycle_id, form.nominee, sorted(form.team_members),
                       form.team_name, form.citation, list(form.examples), form.link, form.nomination_id])
    return hashlib.sha256(data.encode()).hexdigest()


def submit_nomination(session: Session, actor: Actor, form: NominationForm, *, submission_id: str,
                      now: datetime) -> SubmissionResult:
    """Nominate (or update one's nomination of) a colleague or a team for an open cycle.

    One nomination per nominator, nominee and cycle: submitting again updates it. A
    submission that arrives after the close is refused and recorded, so the caller can
    give the nominator their text back (once). Nominees must be known members (the
    caller looks them up in Slack first); bots and deactivated accounts are refused.
    """
    key = submission_key(submission_id, actor.slack_user_id, form)
    existing = session.get(Nomination, form.nomination_id) if form.nomination_id is not None else None
    if form.nomination_id is not None and (existing is None or existing.nominator_id != actor.member_id):
        raise NotFound("That nomination is not yours to edit.")
    cycle = existing.cycle if existing is not None else _cycle(session, form.cycle_id)
    seen = _submission(session, key)
    if seen is not None:
        return _result(session, seen, repeated=True, cycle=cycle, now=now)
    state = state_of(cycle, now)
    if state == UPCOMING:
        raise DomainError(f"{cycle.award.name} {cycle.label} opens for nominations later.", field="award")
    record = NominationSubmission(key=key, nominator_id=actor.member_id, outcome=REFUSED_CLOSED, created_at=now)
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # The same delivery is being handled by another worker; it decides the outcome.
        seen = _submission(session, key)
        assert seen is not None
        return _result(session, seen, repeated=True, cycle=cycle, now=now)
    if state != OPEN:
        return SubmissionResult(REFUSED_CLOSED, key, False, None, cycle=_info(cycle, now))
    citation, examples, link = _checked_text(form)
    if existing is not None:
        nomination, outcome = existing, UPDATED
    else:
        key_of_nominee, nominee, team_name, team = _checked_nominee(session, actor, cycle, form)
        nomination, outcome = _upsert(session, actor, cycle, key_of_nominee, nominee, team_name, team, now)
    nomination.citation, nomination.examples, nomination.link = citation, list(examples), link
    nomination.status, nomination.updated_at = ACTIVE, now
    session.flush()
    record.outcome, record.nomination_id = outcome, nomination.id
    return SubmissionResult(outcome, key, False, _copy(session, nomination, now), cycle=_info(cycle, now))


def _submission(session: Session, key: str) -> NominationSubmission | None:
    return session.scalar(select(NominationSubmission).where(NominationSubmission.key == key))


def _result(session: Session, record: NominationSubmission, *, repeated: bool, cycle: AwardCycle,
            now: datetime) -> SubmissionResult:
    nomination = session.get(Nomination, record.nomination_id) if record.nomination_id else None
    copy = _copy(session, nomination, now) if nomination else None
    return SubmissionResult(record.outcome, record.key, repeated, copy, cycle=_info(cycle, now))


def _checked_text(form: NominationForm) -> tuple[str, tuple[str, ...], str | None]:
    citation = (form.citation or "").strip()
    if len(citation) < CITATION_MIN:
        raise DomainError(f"Write at least {CITATION_MIN} characters (you wrote {len(citation)}): "
                          "say what they did and why it mattered.", field="citation")
    if len(citation) > CITATION_MAX:
        raise DomainError(f"Keep the citation to {CITATION_MAX:,} characters (it has {len(citation):,}).",
                          field="citation")
    examples = tuple(e.strip() for e in form.examples if e and e.strip())
    if len(examples) > MAX_EXAMPLES:
        raise DomainError(f"Give at most {MAX_EXAMPLES} examples of impact.", field="example_1")
    for i, example in enumerate(examples, 1):
        if len(example) > EXAMPLE_MAX:
            raise DomainError(f"Keep each example to {EXAMPLE_MAX} characters.", field=f"example_{i}")
    link = (form.link or "").strip() or None
    if link is not None and (len(link) > LINK_MAX or not _URL.match(link)):
        raise DomainError("The link must be a web address starting with https://", field="link")
    return citation, examples, link


def _nominee_member(session: Session, slack_user_id: str, field_name: str) -> Member:
    member = find_member(session, slack_user_id)
    if member is None:
        raise NotFound(f"I could not find <@{slack_user_id}> in the workspace.", field=field_name)
    if member.is_bot:
        raise DomainError("Bots and apps cannot be nominated; choose a colleague.", field=field_name)
    if member.deactivated:
        raise DomainError(f"{member.name}'s account is deactivated, so they cannot be nominated.", field=field_name)
    return member


def _checked_nominee(session: Session, actor: Actor, cycle: AwardCycle,
                     form: NominationForm) -> tuple[str, Member | None, str | None, list[str]]:
    team = sorted({t for t in form.team_members if t})
    team_name = " ".join((form.team_name or "").split()) or None
    if team or team_name:
        if not cycle.allow_team:
            raise DomainError(f"{cycle.award.name} is for individuals: choose one nominee, not a team.",
                              field="team_members")
        if form.nominee:
            raise DomainError("Nominate a person or a team, not both.", field="nominee")
        if len(team) < 2:
            raise DomainError("A team nomination names at least two members.", field="team_members")
        if len(team) > TEAM_MAX:
            raise DomainError(f"Name at most {TEAM_MAX} team members.", field="team_members")
        if not team_name:
            raise DomainError("Give the team's name.", field="team_name")
        if len(team_name) > TEAM_NAME_MAX:
            raise DomainError(f"Keep the team's name to {TEAM_NAME_MAX} characters.", field="team_name")
        for member_id in team:
            _nominee_member(session, member_id, "team_members")
        if actor.slack_user_id in team and not cycle.allow_self:
            raise DomainError(f"{cycle.award.name} does not take self-nominations: "
                              "ask a colleague to nominate your team.", field="team_members")
        return _TEAM_PREFIX + team_name.lower(), None, team_name, team
    if not form.nominee:
        raise DomainError("Choose who you are nominating.", field="nominee")
    nominee = _nominee_member(session, form.nominee, "nominee")
    if nominee.id == actor.member_id and not cycle.allow_self:
        raise DomainError(f"{cycle.award.name} does not take self-nominations: ask a colleague to nominate you.",
                          field="nominee")
    return nominee.slack_user_id, nominee, None, []


def _upsert(session: Session, actor: Actor, cycle: AwardCycle, nominee_key: str, nominee: Member | None,
            team_name: str | None, team: list[str], now: datetime) -> tuple[Nomination, str]:
    def existing() -> Nomination | None:
        return session.scalar(select(Nomination).where(
            Nomination.cycle_id == cycle.id, Nomination.nominator_id == actor.member_id,
            Nomination.nominee_key == nominee_key))

    found = existing()
    if found is not None:
        found.team_name, found.team_members = team_name, team
        return found, UPDATED
    nomination = Nomination(cycle_id=cycle.id, nominator_id=actor.member_id, nominee_key=nominee_key,
                            nominee_id=nominee.id if nominee else None, team_name=team_name, team_members=team,
                            citation="", examples=[], status=ACTIVE, created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(nomination)
    except IntegrityError:
        # The same nominator's other submission for this nominee got in first: update it.
        found = existing()
        assert found is not None
        return found, UPDATED
    return nomination, CREATED


def _copy(session: Session, nomination: Nomination, now: datetime) -> NominationCopy:
    nominee = nomination.nominee
    nominator = nomination.nominator
    name = nomination.team_name or (nominee.name if nominee else nomination.nominee_key)
    return NominationCopy(
        id=nomination.id, cycle=_info(nomination.cycle, now), nominee_key=nomination.nominee_key,
        nominee_user=nominee.slack_user_id if nominee else None, nominee_name=name,
        team_name=nomination.team_name, team_members=tuple(nomination.team_members or ()),
        citation=nomination.citation, examples=tuple(nomination.examples or ()), link=nomination.link,
        status=nomination.status, nominator_user=nominator.slack_user_id, nominator_name=nominator.name,
        nominator_department=nominator.department, updated_at=nomination.updated_at,
    )


def claim_submission_dm(session: Session, key: str, *, now: datetime) -> DmClaim | None:
    """Claim the one message a submission earns (its confirmation, or its text back); None if taken."""
    won = session.execute(
        update(NominationSubmission).where(NominationSubmission.key == key, NominationSubmission.dm_sent_at.is_(None))
        .values(dm_sent_at=now), execution_options={"synchronize_session": False},
    ).rowcount
    if won != 1:
        return None
    record = _submission(session, key)
    assert record is not None
    nominator = session.get_one(Member, record.nominator_id)
    nomination = session.get(Nomination, record.nomination_id) if record.nomination_id else None
    return DmClaim(record.outcome, nominator.slack_user_id, _copy(session, nomination, now) if nomination else None)


def release_submission_dm(session: Session, key: str) -> None:
    """The message could not be sent; let a later attempt try again."""
    session.execute(update(NominationSubmission).where(NominationSubmission.key == key).values(dm_sent_at=None),
                    execution_options={"synchronize_session": False})


def submission_known(session: Session, key: str) -> bool:
    return _submission(session, key) is not None


def _own(session: Session, actor: Actor, nomination_id: int) -> Nomination:
    nomination = session.get(Nomination, nomination_id)
    # The same answer whether it does not exist or is someone else's: nothing to guess from.
    if nomination is None or nomination.nominator_id != actor.member_id:
        raise NotFound("That nomination is not yours, or no longer exists.")
    return nomination


def my_nomination(session: Session, actor: Actor, nomination_id: int, *, now: datetime) -> NominationCopy:
    return _copy(session, _own(session, actor, nomination_id), now)


def my_nominations(session: Session, actor: Actor, *, now: datetime) -> list[NominationCopy]:
    """The nominations this member wrote (and only those)."""
    found = session.scalars(select(Nomination).where(Nomination.nominator_id == actor.member_id)
                            .order_by(Nomination.updated_at.desc())).all()
    return [_copy(session, n, now) for n in found]


def withdraw_nomination(session: Session, actor: Actor, nomination_id: int, *, now: datetime) -> NominationCopy:
    """The nominator withdraws their nomination, until the cycle closes."""
    nomination = _own(session, actor, nomination_id)
    if state_of(nomination.cycle, now) != OPEN:
        raise CycleClosed(f"{nomination.cycle.award.name} {nomination.cycle.label} has closed: "
                          "nominations can no longer be changed.")
    nomination.status, nomination.updated_at = WITHDRAWN, now
    return _copy(session, nomination, now)


def check_can_edit(session: Session, actor: Actor, nomination_id: int, *, now: datetime) -> NominationCopy:
    copy = my_nomination(session, actor, nomination_id, now=now)
    if copy.cycle.state != OPEN:
        raise CycleClosed(f"{copy.cycle.title} has closed: nominations can no longer be changed.")
    if copy.status != ACTIVE:
        raise DomainError("You withdrew that nomination; nominate them again with `/tech nominate`.")
    return copy


def member_by_name(session: Session, name: str) -> str | None:
    """The Slack user id of the one member whose display or real name is `name`, if exactly one."""
    wanted = " ".join(name.lstrip("@").replace(".", " ").replace("_", " ").split()).lower()
    if not wanted:
        return None
    candidates = session.scalars(select(Member).where(Member.is_bot.is_(False))).all()
    found = {m.slack_user_id for m in candidates
             if wanted in {" ".join(n.replace(".", " ").replace("_", " ").split()).lower()
                           for n in (m.display_name, m.real_name) if n}}
    return found.pop() if len(found) == 1 else None


# Panel review ---------------------------------------------------------------------

def _active(session: Session, cycle_id: int) -> list[Nomination]:
    return list(session.scalars(select(Nomination).where(Nomination.cycle_id == cycle_id, Nomination.status == ACTIVE)
                                .order_by(Nomination.created_at, Nomination.id)).all())


def _departments_of(session: Session, user_ids: Iterable[str]) -> tuple[str, ...]:
    ids = list(user_ids)
    if not ids:
        return ()
    found = session.scalars(select(Member.department).where(Member.slack_user_id.in_(ids))).all()
    return tuple(sorted({d for d in found if d}))


def _summaries(session: Session, cycle: AwardCycle, actor: Actor | None, now: datetime) -> list[NomineeSummary]:
    grouped: dict[str, list[Nomination]] = defaultdict(list)
    for nomination in _active(session, cycle.id):
        grouped[nomination.nominee_key].append(nomination)
    scores = session.execute(select(AwardScore.nominee_key, AwardScore.scorer_id, AwardScore.criterion,
                                    AwardScore.score).where(AwardScore.cycle_id == cycle.id)).all()
    marks = {s.nominee_key: s for s in session.scalars(select(ShortlistEntry).where(
        ShortlistEntry.cycle_id == cycle.id)).all()}
    result = []
    for key, nominations in grouped.items():
        first = nominations[0]
        mine = [s for s in scores if s.nominee_key == key]
        user_ids = tuple(first.team_members) if first.team_name else (key,)
        my_scores = {s.criterion: s.score for s in mine if actor is not None and s.scorer_id == actor.member_id}
        conflict = _conflict(nominations, key, first, actor) if actor is not None else ""
        result.append(NomineeSummary(
            key=key, name=first.team_name or (first.nominee.name if first.nominee else key),
            user_id=None if first.team_name else key, team_members=tuple(first.team_members or ()),
            departments=_departments_of(session, user_ids),
            nominations=tuple(_copy(session, n, now) for n in nominations),
            average=round(sum(s.score for s in mine) / len(mine), 2) if mine else None,
            scorers=len({s.scorer_id for s in mine}), shortlisted=key in marks,
            winner=bool(marks.get(key) and marks[key].is_winner), my_scores=my_scores, conflict=conflict,
        ))
    return sorted(result, key=lambda s: (s.name.lower(), s.key))


def _conflict(nominations: Sequence[Nomination], key: str, first: Nomination, actor: Actor) -> str:
    if key == actor.slack_user_id or actor.slack_user_id in (first.team_members or ()):
        return "You cannot score your own nomination (conflict of interest)."
    if any(n.nominator_id == actor.member_id for n in nominations):
        return "You nominated them, so you cannot score them (conflict of interest)."
    return ""


def review(session: Session, actor: Actor, cycle_id: int | None, *, now: datetime) -> Review:
    """A closed cycle's nominations grouped per nominee, for its panel; the read is audited."""
    info = panel_cycle(session, actor, cycle_id, action="review nominations", now=now)
    cycle = _cycle(session, info.id)
    _require_closed(cycle, now, "review them")
    summaries = _summaries(session, cycle, actor, now)
    _audit(session, cycle, actor, "viewed list", f"{len(summaries)} nominees", now)
    return Review(info, tuple(summaries), is_chair=actor.slack_user_id == cycle.chair)


def nominee_detail(session: Session, actor: Actor, cycle_id: int, nominee_key: str, *, now: datetime,
                   audit: bool = True) -> tuple[CycleInfo, NomineeSummary]:
    """One nominee with every citation, for a panel member to read and score; audited."""
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "read nominations")
    _require_closed(cycle, now, "read them")
    found = [s for s in _summaries(session, cycle, actor, now) if s.key == nominee_key]
    if not found:
        raise NotFound("That nominee has no nominations in this cycle.")
    if audit:
        _audit(session, cycle, actor, "viewed nominee", found[0].name, now)
    return _info(cycle, now), found[0]


def _nominee_in(session: Session, cycle: AwardCycle, nominee_key: str, actor: Actor,
                now: datetime) -> NomineeSummary:
    found = [s for s in _summaries(session, cycle, actor, now) if s.key == nominee_key]
    if not found:
        raise NotFound("That nominee has no nominations in this cycle.")
    return found[0]


def score_nominee(session: Session, actor: Actor, cycle_id: int, nominee_key: str, scores: Mapping[str, int], *,
                  now: datetime) -> NomineeSummary:
    """Record this panel member's 1-5 score against every criterion (scoring again replaces them)."""
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "score nominees")
    _require_closed(cycle, now, "score")
    if cycle.announced_at is not None:
        raise DomainError("The winner has been announced; scores are final.")
    summary = _nominee_in(session, cycle, nominee_key, actor, now)
    if summary.conflict:
        raise DomainError(summary.conflict)
    criteria = list(cycle.award.criteria or DEFAULT_CRITERIA)
    for index, criterion in enumerate(criteria):
        value = scores.get(criterion)
        if value is None or not 1 <= int(value) <= 5:
            raise DomainError(f"Score {criterion} from 1 to 5.", field=f"score_{index}")
    for criterion in criteria:
        _put_score(session, cycle.id, nominee_key, actor.member_id, criterion, int(scores[criterion]), now)
    session.flush()
    return _nominee_in(session, cycle, nominee_key, actor, now)


def _put_score(session: Session, cycle_id: int, nominee_key: str, scorer_id: int, criterion: str, value: int,
               now: datetime) -> None:
    def existing() -> AwardScore | None:
        return session.scalar(select(AwardScore).where(
            AwardScore.cycle_id == cycle_id, AwardScore.nominee_key == nominee_key,
            AwardScore.scorer_id == scorer_id, AwardScore.criterion == criterion))

    found = existing()
    if found is None:
        try:
            with session.begin_nested():
                session.add(AwardScore(cycle_id=cycle_id, nominee_key=nominee_key, scorer_id=scorer_id,
                                       criterion=criterion, score=value, scored_at=now))
            return
        except IntegrityError:
            # The same panel member's other submission landed first; this one replaces it.
            found = existing()
            assert found is not None
    found.score, found.scored_at = value, now


def set_shortlisted(session: Session, actor: Actor, cycle_id: int, nominee_key: str, shortlisted: bool, *,
                    now: datetime) -> NomineeSummary:
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "shortlist nominees")
    _require_closed(cycle, now, "shortlist")
    _not_announced(cycle)
    _nominee_in(session, cycle, nominee_key, actor, now)
    entry = _entry(session, cycle.id, nominee_key)
    if shortlisted and entry is None:
        try:
            with session.begin_nested():
                session.add(ShortlistEntry(cycle_id=cycle.id, nominee_key=nominee_key, is_winner=False,
                                           marked_by=actor.slack_user_id, marked_at=now))
        except IntegrityError:
            pass  # another panel member shortlisted them at the same moment
    elif not shortlisted and entry is not None:
        session.delete(entry)
    session.flush()
    return _nominee_in(session, cycle, nominee_key, actor, now)


def mark_winner(session: Session, actor: Actor, cycle_id: int, nominee_key: str, *, now: datetime) -> NomineeSummary:
    """The panel's winner (shortlisted too); marking another moves the title to them."""
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "choose the winner")
    _require_closed(cycle, now, "choose the winner")
    _not_announced(cycle)
    _nominee_in(session, cycle, nominee_key, actor, now)
    session.execute(update(ShortlistEntry).where(ShortlistEntry.cycle_id == cycle.id,
                                                 ShortlistEntry.nominee_key != nominee_key)
                    .values(is_winner=False), execution_options={"synchronize_session": False})
    entry = _entry(session, cycle.id, nominee_key)
    if entry is None:
        session.add(ShortlistEntry(cycle_id=cycle.id, nominee_key=nominee_key, is_winner=True,
                                   marked_by=actor.slack_user_id, marked_at=now))
    else:
        entry.is_winner, entry.marked_by, entry.marked_at = True, actor.slack_user_id, now
    session.flush()
    session.expire_all()
    return _nominee_in(session, cycle, nominee_key, actor, now)


def _entry(session: Session, cycle_id: int, nominee_key: str) -> ShortlistEntry | None:
    return session.scalar(select(ShortlistEntry).where(ShortlistEntry.cycle_id == cycle_id,
                                                       ShortlistEntry.nominee_key == nominee_key))


def _not_announced(cycle: AwardCycle) -> None:
    if cycle.announced_at is not None:
        raise DomainError(f"{cycle.award.name} {cycle.label} has been announced; the results are final.")


# Export ---------------------------------------------------------------------------

CSV_HEADER = (
    "award", "cycle", "nominee", "nominee_slack_id", "nominee_departments", "team_members", "nominator",
    "nominator_slack_id", "nominator_department", "submitted_at", "citation", "impact_1", "impact_2", "impact_3",
    "link", "average_score", "panel_members_scored", "shortlisted", "winner",
)
# A spreadsheet reads a cell starting with one of these as a formula (OWASP's list,
# plus their full-width forms, which some spreadsheets also accept).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_cell(value: object) -> str:
    """A cell that a spreadsheet shows as text, never runs: formula starts get a leading quote."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) or text.lstrip().startswith(_FORMULA_START):
        return "'" + text
    return text


def export_csv(session: Session, actor: Actor, cycle_id: int | None, *, tz: tzinfo,
               now: datetime) -> tuple[str, bytes]:
    """Every active nomination of a closed cycle as CSV (UTF-8, header row); panel only, audited."""
    info = panel_cycle(session, actor, cycle_id, action="export nominations", now=now)
    cycle = _cycle(session, info.id)
    _require_closed(cycle, now, "export them")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    rows = 0
    for summary in _summaries(session, cycle, None, now):
        for n in summary.nominations:
            examples = list(n.examples) + [""] * (MAX_EXAMPLES - len(n.examples))
            writer.writerow([csv_cell(v) for v in (
                info.award_name, info.label, summary.name, summary.user_id or "", "; ".join(summary.departments),
                " ".join(summary.team_members), n.nominator_name, n.nominator_user, n.nominator_department or "",
                n.updated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), n.citation, *examples[:MAX_EXAMPLES],
                n.link or "", "" if summary.average is None else f"{summary.average:.2f}", summary.scorers,
                "yes" if summary.shortlisted else "no", "yes" if summary.winner else "no",
            )])
            rows += 1
    _audit(session, cycle, actor, "exported", f"{rows} nominations as CSV", now)
    slug = re.sub(r"[^a-z0-9]+", "-", info.title.lower()).strip("-") or "awards"
    # A byte-order mark, so Excel reads the file as UTF-8 rather than the local code page.
    return f"nominations-{slug}.csv", buffer.getvalue().encode("utf-8-sig")


def audit_log(session: Session, actor: Actor, cycle_id: int | None, *, now: datetime,
              limit: int = 40) -> tuple[CycleInfo, list[AuditLine]]:
    """The chair reads who viewed, exported, or was refused (refusals with no cycle included)."""
    info = panel_cycle(session, actor, cycle_id, action="read the audit log", now=now)
    cycle = _cycle(session, info.id)
    if actor.slack_user_id != cycle.chair:
        raise PanelRefusal(f"Only the chair of {info.title} can read its audit log; this attempt has been recorded.",
                           cycle_id=cycle.id, actor=actor.slack_user_id, action="read the audit log")
    entries = session.scalars(select(AwardAudit).where(or_(AwardAudit.cycle_id == cycle.id,
                                                           AwardAudit.cycle_id.is_(None)))
                              .order_by(AwardAudit.at.desc(), AwardAudit.id.desc()).limit(limit)).all()
    return info, [AuditLine(e.at, e.actor, e.action, e.allowed, e.detail, e.cycle_id) for e in entries]


# Announcing -----------------------------------------------------------------------

def _refs(session: Session, cycle: AwardCycle, now: datetime) -> tuple[NomineeRef | None, tuple[NomineeRef, ...]]:
    summaries = {s.key: s for s in _summaries(session, cycle, None, now)}
    entries = session.scalars(select(ShortlistEntry).where(ShortlistEntry.cycle_id == cycle.id)
                              .order_by(ShortlistEntry.marked_at, ShortlistEntry.id)).all()
    winner, shortlist = None, []
    for entry in entries:
        summary = summaries.get(entry.nominee_key)
        if summary is None:
            continue
        ref = NomineeRef(summary.key, summary.name, summary.team_members or (summary.key,),
                         summary.name if summary.team_members else None)
        if entry.is_winner:
            winner = ref
        else:
            shortlist.append(ref)
    return winner, tuple(shortlist)


def announcement_draft(session: Session, actor: Actor, cycle_id: int, *, now: datetime) -> AnnouncementDraft:
    """What the announcement will name: the winner and the rest of the shortlist."""
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "announce the winner")
    _require_closed(cycle, now, "announce")
    _not_announced(cycle)
    winner, shortlist = _refs(session, cycle, now)
    if winner is None:
        raise DomainError("Mark the winner first (the trophy button next to a nominee).")
    return AnnouncementDraft(_info(cycle, now), winner, shortlist)


def approve_announcement(session: Session, actor: Actor, cycle_id: int, text: str, *,
                         now: datetime) -> AnnouncementDraft:
    """The panel approved this text: record it; the caller then posts it (once)."""
    draft = announcement_draft(session, actor, cycle_id, now=now)
    text = (text or "").strip()
    if not text:
        raise DomainError("The announcement needs some text.", field="text")
    if len(text) > ANNOUNCEMENT_MAX:
        raise DomainError(f"Keep the announcement to {ANNOUNCEMENT_MAX:,} characters.", field="text")
    cycle = _cycle(session, cycle_id)
    cycle.announced_at, cycle.announced_by, cycle.announcement_text = now, actor.slack_user_id, text
    return draft


def begin_announcement_post(session: Session, cycle_id: int) -> str | None:
    """Claim the posting of an approved announcement; None when it is posted or being posted."""
    won = session.execute(
        update(AwardCycle).where(AwardCycle.id == cycle_id, AwardCycle.announced_at.is_not(None),
                                 AwardCycle.announcement_ts.is_(None)).values(announcement_ts=_POSTING),
        execution_options={"synchronize_session": False},
    ).rowcount
    if won != 1:
        return None
    return session.scalar(select(AwardCycle.announcement_text).where(AwardCycle.id == cycle_id))


def finish_announcement_post(session: Session, cycle_id: int, ts: str) -> None:
    session.execute(update(AwardCycle).where(AwardCycle.id == cycle_id).values(announcement_ts=ts),
                    execution_options={"synchronize_session": False})


def abandon_announcement(session: Session, cycle_id: int) -> None:
    """The post failed: the cycle is not announced, so the panel can try again."""
    session.execute(update(AwardCycle).where(AwardCycle.id == cycle_id).values(
        announced_at=None, announced_by=None, announcement_text=None, announcement_ts=None),
        execution_options={"synchronize_session": False})


def announced_winners(session: Session, since: datetime, until: datetime) -> list[AnnouncedWinner]:
    """Winners announced in [since, until), oldest first: public once announced (for the e-zine)."""
    cycles = session.scalars(select(AwardCycle).where(
        AwardCycle.announced_at >= since, AwardCycle.announced_at < until,
        AwardCycle.announcement_ts.is_not(None), AwardCycle.announcement_ts != _POSTING,
    ).order_by(AwardCycle.announced_at)).all()
    result = []
    for cycle in cycles:
        winner, shortlist = _refs(session, cycle, until)
        assert cycle.announced_at is not None
        if winner is not None:
            result.append(AnnouncedWinner(cycle.id, cycle.award.name, cycle.label, winner, shortlist,
                                          cycle.announced_at, cycle.announcement_text or ""))
    return result


# Figures --------------------------------------------------------------------------

def figures(session: Session, actor: Actor, *, now: datetime) -> list[FigureRow]:
    """Nominations per cycle against the award's previous cycle, and how many departments they
    came from. Counts only, and only for closed cycles: a live count would let anyone who
    watches it tie a nomination to the colleague who just mentioned writing one."""
    if not (actor.has(Role.ORGANISER) or any(actor.slack_user_id in c.panel
                                             for c in session.scalars(select(AwardCycle)).all())):
        raise PermissionDenied("Only network organisers and the awards panel can see award figures.")
    counts = dict(session.execute(select(Nomination.cycle_id, func.count()).where(Nomination.status == ACTIVE)
                                  .group_by(Nomination.cycle_id)).all())
    departments = dict(session.execute(
        select(Nomination.cycle_id, func.count(func.distinct(Member.department)))
        .join(Member, Member.id == Nomination.nominator_id)
        .where(Nomination.status == ACTIVE, Member.department.is_not(None)).group_by(Nomination.cycle_id)).all())
    rows = []
    cycles = session.scalars(select(AwardCycle).order_by(AwardCycle.award_id, AwardCycle.opens_at)).all()
    previous: dict[int, AwardCycle] = {}
    for cycle in cycles:
        state = state_of(cycle, now)
        shown = state in (CLOSED, ANNOUNCED)
        before = previous.get(cycle.award_id)
        rows.append(FigureRow(
            award_name=cycle.award.name, label=cycle.label, state=state,
            nominations=counts.get(cycle.id, 0) if shown else None,
            departments=departments.get(cycle.id, 0) if shown else None,
            previous_label=before.label if before else None,
            previous_nominations=counts.get(before.id, 0) if before is not None else None,
        ))
        if shown:
            previous[cycle.award_id] = cycle
    return sorted(rows, key=lambda r: (r.award_name.lower(), r.label), reverse=False)


# Scheduled posts ------------------------------------------------------------------

def cycle_for_post(session: Session, subject: str, now: datetime) -> CycleInfo | None:
    """The cycle a due item is about, or None if it is gone."""
    try:
        cycle_id = int(subject.removeprefix("cycle:"))
    except ValueError:
        return None
    cycle = session.get(AwardCycle, cycle_id)
    return _info(cycle, now) if cycle is not None else None


def schedule_nominee_notices(session: Session, cycle_id: int, *, now: datetime) -> int:
    """At the close of a cycle that tells its nominees: one notice per nominated person, once."""
    cycle = _cycle(session, cycle_id)
    if cycle.notify_nominees != NOTIFY_AT_CLOSE:
        return 0
    people = nominated_people(session, cycle.id)
    for user_id in people:
        ledger.schedule(session, kind=NOMINEE_NOTICE, subject=_subject(cycle.id), occurrence=user_id,
                        due_at=cycle.closes_at)
    return len(people)


def nominated_people(session: Session, cycle_id: int) -> list[str]:
    """Slack ids of everyone with an active nomination, team members included (for notices only)."""
    people: set[str] = set()
    for nomination in _active(session, cycle_id):
        if nomination.team_name:
            people |= set(nomination.team_members or ())
        else:
            people.add(nomination.nominee_key)
    return sorted(people)


def still_nominated(session: Session, cycle_id: int, user_id: str) -> bool:
    return user_id in nominated_people(session, cycle_id)

