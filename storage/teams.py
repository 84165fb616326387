"""Teams members and conversation references: who spoke to the bot, and where it may speak back.

Plain functions over a Session, as every service; bot/teams/ parses activities into these values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import members
from storage.identities import Identity
from storage.models import Member, MemberIdentity
from storage.models.teams import TeamsConversation

TEAMS = "teams"


@dataclass(frozen=True)
class Speaker:
    """A person as an activity names them: the Bot Framework id (29:...), the Entra object id when
    given, their name, the tenant, and the time zone their client reports."""

    user_id: str
    tenant: str
    name: str = ""
    aad_object_id: str | None = None
    timezone: str | None = None

    @property
    def identity(self) -> Identity:
        return Identity(TEAMS, self.user_id, self.tenant)


def meet(session: Session, speaker: Speaker, *, now: datetime) -> Member:
    """The member this person is, found by their Teams id or their Entra object id, else created;
    their name and time zone as Teams tells them, and both ids kept as identities (a role granted by
    either holds)."""
    member = members.find_member(session, speaker.identity)
    aad = Identity(TEAMS, speaker.aad_object_id, speaker.tenant) if speaker.aad_object_id else None
    if member is None and aad is not None:
        member = members.find_member(session, aad)
    if member is None:
        member = members.ensure_member(session, speaker.identity, fallback_name=speaker.name, now=now)
    known = {(i.surface, i.tenant, i.external_id) for i in member.identities}
    for identity in (speaker.identity, aad):
        if identity is not None and (identity.surface, identity.tenant, identity.external_id) not in known:
            member.identities.append(MemberIdentity(surface=identity.surface, tenant=identity.tenant,
                                                    external_id=identity.external_id))
    if speaker.name:
        member.display_name = speaker.name[:200]
    if speaker.timezone:
        member.timezone = speaker.timezone[:64]
    members.touch(member, now)
    session.flush()
    return member


def remember(session: Session, *, tenant: str, conversation_id: str, kind: str, service_url: str,
             member_id: int | None = None, now: datetime) -> TeamsConversation:
    """Keep (or refresh) a conversation the bot may send to later; usable again if it was not."""
    found = session.scalar(select(TeamsConversation).where(TeamsConversation.tenant == tenant,
                                                           TeamsConversation.conversation_id == conversation_id))
    if found is None:
        found = TeamsConversation(tenant=tenant, conversation_id=conversation_id, kind=kind, service_url=service_url,
                                  member_id=member_id, usable=True, updated_at=now)
        session.add(found)
    else:
        found.service_url, found.usable, found.unusable_reason = service_url, True, None
        found.member_id = member_id if member_id is not None else found.member_id
        found.updated_at = now
    session.flush()
    return found


def forget(session: Session, *, tenant: str, conversation_id: str, reason: str, now: datetime) -> None:
    """Mark a conversation unusable (the app uninstalled, the bot blocked): deliveries skip it."""
    for found in session.scalars(select(TeamsConversation).where(
            TeamsConversation.tenant == tenant, TeamsConversation.conversation_id == conversation_id)):
        found.usable, found.unusable_reason, found.updated_at = False, reason[:64], now


def personal_chat(session: Session, user_id: str) -> tuple[TeamsConversation | None, Identity | None]:
    """The personal chat with the member whose Teams id this is (None if none is known or usable),
    and their identity (with tenant), for creating one."""
    identity = session.scalar(select(MemberIdentity).where(MemberIdentity.surface == TEAMS,
                                                           MemberIdentity.external_id == user_id).limit(1))
    if identity is None:
        return None, None
    chat = session.scalar(select(TeamsConversation).where(
        TeamsConversation.member_id == identity.member_id, TeamsConversation.kind == "personal")
        .order_by(TeamsConversation.updated_at.desc()).limit(1))
    return chat, identity.identity


def any_service_url(session: Session, tenant: str) -> str | None:
    """A serviceUrl the tenant's activities came by, to create a conversation with."""
    return session.scalar(select(TeamsConversation.service_url).where(TeamsConversation.tenant == tenant)
                          .order_by(TeamsConversation.updated_at.desc()).limit(1))


def conversation(session: Session, conversation_id: str) -> TeamsConversation | None:
    return session.scalar(select(TeamsConversation).where(TeamsConversation.conversation_id == conversation_id)
                          .limit(1))
