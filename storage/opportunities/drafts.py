"""Private drafts of nominations for external awards (opportunities of kind "award": Papin
Prizes, university awards, the national Technician Commitment awards). A member starts one from
the opportunity's **Nominate a colleague** button and keeps it to reuse and edit: their own
words, read and changed by them only (every service here takes the actor and finds only their
rows). It is not a nomination for technet's own awards and goes nowhere by itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import DomainError, NotFound
from storage.forms import InvalidFields
from storage.members import Actor, ensure_member
from storage.models import Member
from storage.models.careers import Opportunity
from storage.models.drafts import AwardDraft

AWARD = "award"
CITATION_LIMIT = 3000
GONE = "That draft is not there any more."


@dataclass(frozen=True)
class DraftInfo:
    id: int
    opportunity_id: int | None
    award: str | None
    colleague_user: str | None
    colleague: str | None
    citation: str
    updated_at: datetime


def _info(session: Session, row: AwardDraft) -> DraftInfo:
    award = session.get(Opportunity, row.opportunity_id) if row.opportunity_id is not None else None
    colleague = session.get(Member, row.colleague_id) if row.colleague_id is not None else None
    return _draft(row, award.title if award else None, colleague)


def _draft(row: AwardDraft, award: str | None, colleague: Member | None) -> DraftInfo:
    return DraftInfo(row.id, row.opportunity_id, award, colleague.user_id if colleague else None,
                     colleague.name if colleague else None, row.citation, row.updated_at)


def _award(session: Session, opportunity_id: int) -> Opportunity:
    row = session.get(Opportunity, opportunity_id)
    if row is None:
        raise NotFound("That opportunity is no longer in the catalogue.")
    if row.kind != AWARD:
        raise DomainError(f"“{row.title}” is not an award: there is nobody to nominate.")
    return row


def draft_for(session: Session, actor: Actor, opportunity_id: int) -> DraftInfo | None:
    """The actor's own draft for this award, if they started one."""
    _award(session, opportunity_id)
    row = session.scalar(select(AwardDraft).where(AwardDraft.member_id == actor.member_id,
                                                  AwardDraft.opportunity_id == opportunity_id))
    return _info(session, row) if row is not None else None


def get_draft(session: Session, actor: Actor, draft_id: int) -> DraftInfo:
    """One of the actor's drafts; anyone else's is as if it did not exist."""
    row = session.get(AwardDraft, draft_id)
    if row is None or row.member_id != actor.member_id:
        raise NotFound(GONE)
    return _info(session, row)


def save_draft(session: Session, actor: Actor, *, opportunity_id: int | None, draft_id: int | None,
               colleague: str | None, citation: str | None, now: datetime) -> DraftInfo:
    """Save the actor's draft: a new one for the award (or their existing one for it), or edit `draft_id`."""
    errors: dict[str, str] = {}
    text = (citation or "").strip()
    if not text:
        errors["citation"] = "Write the citation: why your colleague deserves it, in your own words."
    elif len(text) > CITATION_LIMIT:
        errors["citation"] = f"Keep the citation to {CITATION_LIMIT} characters."
    nominee = ensure_member(session, actor.identity.colleague(colleague), now=now) if colleague else None
    if nominee is None:
        errors["colleague"] = "Choose the colleague you would nominate."
    elif nominee.is_bot:
        errors["colleague"] = "Choose a colleague, not a bot."
    elif nominee.id == actor.member_id:
        errors["colleague"] = "This is for nominating a colleague: choose someone else."
    if errors:
        raise InvalidFields(errors)
    assert nominee is not None
    if draft_id is not None:
        row = session.get(AwardDraft, draft_id)
        if row is None or row.member_id != actor.member_id:
            raise NotFound(GONE)
    else:
        if opportunity_id is None:
            raise DomainError("Start a draft from an award's Nominate a colleague button.")
        _award(session, opportunity_id)
        found = session.scalar(select(AwardDraft).where(AwardDraft.member_id == actor.member_id,
                                                        AwardDraft.opportunity_id == opportunity_id))
        if found is None:
            found = AwardDraft(member_id=actor.member_id, opportunity_id=opportunity_id, citation="",
                               created_at=now, updated_at=now)
            try:
                with session.begin_nested():
                    session.add(found)
            except IntegrityError:
                # The same form delivered twice at once: the other delivery made the row.
                found = session.scalar(select(AwardDraft).where(AwardDraft.member_id == actor.member_id,
                                                                AwardDraft.opportunity_id == opportunity_id))
                assert found is not None
        row = found
    row.colleague_id, row.citation, row.updated_at = nominee.id, text, now
    session.flush()
    return _info(session, row)


def drafts(session: Session, actor: Actor) -> list[DraftInfo]:
    """The actor's own drafts, latest edited first."""
    rows = session.execute(select(AwardDraft, Opportunity.title, Member)
                           .outerjoin(Opportunity, Opportunity.id == AwardDraft.opportunity_id)
                           .outerjoin(Member, Member.id == AwardDraft.colleague_id)
                           .where(AwardDraft.member_id == actor.member_id)
                           .order_by(AwardDraft.updated_at.desc(), AwardDraft.id.desc())).all()
    return [_draft(row, award, colleague) for row, award, colleague in rows]
