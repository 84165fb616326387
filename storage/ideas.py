"""Ideas for the agenda: a member sends one (`/tech idea`, anonymously if they choose); organisers see
the open ones and mark each taken into an agenda, answered or declined, with a reply that reaches
the person. An anonymous idea's author is never shown to anyone: only technet's DM uses it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import DomainError, NotFound
from storage.members import Actor, Role, members_by_ids
from storage.models.surveys import Idea

TEXT_LIMIT = 2000
DECISIONS = {"agenda": "taken into an agenda", "answered": "answered", "declined": "declined"}


@dataclass(frozen=True)
class IdeaInfo:
    id: int
    text: str
    anonymous: bool
    author: str | None  # a name, only for an idea that is not anonymous
    status: str
    reply: str
    created_at: datetime


def send(session: Session, actor: Actor, text: str, *, anonymous: bool, now: datetime) -> Idea:
    words = " ".join(text.split()) if "\n" not in text else text.strip()
    if not words:
        raise DomainError("Say what your idea is: `/tech idea A session on fume cupboard testing`.")
    if len(words) > TEXT_LIMIT:
        raise DomainError(f"Keep an idea to {TEXT_LIMIT} characters.")
    idea = Idea(text=words, anonymous=anonymous, author_id=actor.member_id, status="new", reply="", created_at=now)
    session.add(idea)
    session.flush()
    return idea


def open_ideas(session: Session, actor: Actor, *, limit: int = 20) -> list[IdeaInfo]:
    """Organisers: the ideas not yet decided, oldest first; an anonymous one shows no name."""
    actor.require(Role.ORGANISER, "see the ideas")
    ideas = list(session.scalars(select(Idea).where(Idea.status == "new").order_by(Idea.id).limit(limit)))
    names = members_by_ids(session, {i.author_id for i in ideas if i.author_id and not i.anonymous})
    shown = {member_id: member.name for member_id, member in names.items()}
    return [_info(i, None if i.anonymous or i.author_id is None else shown.get(i.author_id)) for i in ideas]


def _info(idea: Idea, author: str | None) -> IdeaInfo:
    return IdeaInfo(idea.id, idea.text, idea.anonymous, author, idea.status, idea.reply, idea.created_at)


def get(session: Session, actor: Actor, idea_id: int) -> IdeaInfo:
    actor.require(Role.ORGANISER, "answer ideas")
    idea = session.get(Idea, idea_id)
    if idea is None:
        raise NotFound("That idea is gone.")
    return _info(idea, None)


def decide(session: Session, actor: Actor, idea_id: int, decision: str, reply: str, *,
           now: datetime) -> tuple[IdeaInfo, int | None]:
    """Mark the idea and keep the reply: returns it and the member to tell (None: nobody to tell)."""
    actor.require(Role.ORGANISER, "answer ideas")
    if decision not in DECISIONS:
        raise DomainError("Choose what became of the idea.", field="idea_decision")
    if len(reply) > TEXT_LIMIT:
        raise DomainError(f"Keep the reply to {TEXT_LIMIT} characters.", field="idea_reply")
    idea = session.get(Idea, idea_id)
    if idea is None:
        raise NotFound("That idea is gone.")
    if idea.status != "new":
        raise DomainError(f"That idea was {DECISIONS.get(idea.status, idea.status)} already.")
    idea.status, idea.reply, idea.decided_by_id, idea.decided_at = decision, reply.strip(), actor.member_id, now
    return _info(idea, None), idea.author_id
