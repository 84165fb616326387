"""Nominating: the form's rules, one nomination per nominator and nominee, editing and withdrawing.

A submission is recorded under a key of its content, so Slack retrying a delivery makes one
nomination and earns one message (its confirmation, or its text back after the close).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.awards.cycles import _cycle, _info, state_of
from storage.awards.recusals import team_user_ids
from storage.awards.values import (
    ACTIVE,
    CITATION_MAX,
    CITATION_MIN,
    CREATED,
    EXAMPLE_MAX,
    LINK_MAX,
    MAX_EXAMPLES,
    OPEN,
    REFUSED_CLOSED,
    TEAM_MAX,
    TEAM_NAME_MAX,
    UPCOMING,
    UPDATED,
    WITHDRAWN,
    CycleClosed,
    DmClaim,
    NominationCopy,
    NominationForm,
    SubmissionResult,
)
from storage.db import rowcount
from storage.errors import DomainError, NotFound
from storage.identities import Identity
from storage.members import Actor, find_member
from storage.models import Member
from storage.models.awards import AwardCycle, Nomination, NominationSubmission

_TEAM_PREFIX = "team:"
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


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
    key = submission_key(submission_id, actor.user_id, form)
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


def _nominee_member(session: Session, nominator: Identity, user_id: str, field_name: str) -> Member:
    """The member `user_id` names on the nominator's surface, if they may be nominated."""
    member = find_member(session, nominator.colleague(user_id))
    if member is None:
        raise NotFound("I could not find the person you chose among technet's members; choose a colleague.",
                       field=field_name)
    if member.is_bot:
        raise DomainError("Bots and apps cannot be nominated; choose a colleague.", field=field_name)
    if member.deactivated:
        raise DomainError(f"{member.name}'s account is deactivated, so they cannot be nominated.", field=field_name)
    return member


def _checked_nominee(session: Session, actor: Actor, cycle: AwardCycle,
                     form: NominationForm) -> tuple[str, Member | None, str | None, list[int]]:
    """The nominee's key, the member (a person) or the team's name and members' ids (a team)."""
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
        members = [_nominee_member(session, actor.identity, user_id, "team_members").id for user_id in team]
        if actor.member_id in members and not cycle.allow_self:
            raise DomainError(f"{cycle.award.name} does not take self-nominations: "
                              "ask a colleague to nominate your team.", field="team_members")
        return _TEAM_PREFIX + team_name.lower(), None, team_name, members
    if not form.nominee:
        raise DomainError("Choose who you are nominating.", field="nominee")
    nominee = _nominee_member(session, actor.identity, form.nominee, "nominee")
    if nominee.id == actor.member_id and not cycle.allow_self:
        raise DomainError(f"{cycle.award.name} does not take self-nominations: ask a colleague to nominate you.",
                          field="nominee")
    return nominee.user_id, nominee, None, []


def _upsert(session: Session, actor: Actor, cycle: AwardCycle, nominee_key: str, nominee: Member | None,
            team_name: str | None, team: list[int], now: datetime) -> tuple[Nomination, str]:
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
        nominee_user=nominee.user_id if nominee else None, nominee_name=name,
        team_name=nomination.team_name, team_members=team_user_ids(session, nomination),
        citation=nomination.citation, examples=tuple(nomination.examples or ()), link=nomination.link,
        status=nomination.status, nominator_user=nominator.user_id, nominator_name=nominator.name,
        nominator_department=nominator.department, updated_at=nomination.updated_at,
    )


def claim_submission_dm(session: Session, key: str, *, now: datetime) -> DmClaim | None:
    """Claim the one message a submission earns (its confirmation, or its text back); None if taken."""
    won = rowcount(session.execute(
        update(NominationSubmission).where(NominationSubmission.key == key, NominationSubmission.dm_sent_at.is_(None))
        .values(dm_sent_at=now), execution_options={"synchronize_session": False},
    ))
    if won != 1:
        return None
    record = _submission(session, key)
    assert record is not None
    nominator = session.get_one(Member, record.nominator_id)
    nomination = session.get(Nomination, record.nomination_id) if record.nomination_id else None
    return DmClaim(record.outcome, nominator.user_id, _copy(session, nomination, now) if nomination else None)


def release_submission_dm(session: Session, key: str) -> None:
    """The message could not be sent; let a later attempt try again."""
    session.execute(update(NominationSubmission).where(NominationSubmission.key == key).values(dm_sent_at=None),
                    execution_options={"synchronize_session": False})


def withdraw_if_ineligible(session: Session, nomination_id: int, *, now: datetime) -> str | None:
    """Withdraw an active nomination whose nominee (or a team member) is a bot or a deactivated
    account, as Slack said when asked after the form was answered; returns why, or None.

    The form is answered from what the store knows (nothing may call Slack before the ack),
    so someone the store had never seen is only checked here.
    """
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or nomination.status != ACTIVE:
        return None
    people = [nomination.nominee.user_id] if nomination.nominee else []
    for user_id in [*people, *team_user_ids(session, nomination)]:
        try:
            _nominee_member(session, nomination.nominator.address, user_id, "nominee")
        except DomainError as refusal:
            nomination.status, nomination.updated_at = WITHDRAWN, now
            return refusal.message
    return None


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
    """The user id of the one member whose display or real name is `name`, if exactly one."""
    wanted = " ".join(name.lstrip("@").replace(".", " ").replace("_", " ").split()).lower()
    if not wanted:
        return None
    candidates = session.scalars(select(Member).where(Member.is_bot.is_(False))).all()
    found = {m.user_id for m in candidates
             if wanted in {" ".join(n.replace(".", " ").replace("_", " ").split()).lower()
                           for n in (m.display_name, m.real_name) if n}}
    return found.pop() if len(found) == 1 else None
