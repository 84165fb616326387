"""Members and their roles. Permissions are decided here, not in the UI (DESIGN decision 6)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import DomainError, NotFound, PermissionDenied
from storage.models import Member


class Role(enum.StrEnum):
    MEMBER = "member"
    ORGANISER = "organiser"
    PANEL = "panel"
    ADMIN = "admin"


@dataclass(frozen=True)
class RoleGrants:
    """Roles granted by configuration (TECHNET_ORGANISERS, TECHNET_AWARDS_PANEL)."""

    organisers: frozenset[str] = frozenset()
    panel: frozenset[str] = frozenset()

    def for_user(self, slack_user_id: str) -> set[Role]:
        roles = set()
        if slack_user_id in self.organisers:
            roles.add(Role.ORGANISER)
        if slack_user_id in self.panel:
            roles.add(Role.PANEL)
        return roles


@dataclass(frozen=True)
class Actor:
    """Who is asking, with every role they hold: what services check permissions against."""

    member_id: int
    slack_user_id: str
    roles: frozenset[Role]
    timezone: str | None = None

    def has(self, role: Role) -> bool:
        # An admin may do what any other role may.
        return role in self.roles or Role.ADMIN in self.roles

    def require(self, role: Role, doing: str) -> None:
        if not self.has(role):
            raise PermissionDenied(f"Only {_ROLE_NAMES[role]} can {doing}.")


_ROLE_NAMES = {
    Role.MEMBER: "network members",
    Role.ORGANISER: "network organisers",
    Role.PANEL: "the awards panel",
    Role.ADMIN: "technet admins",
}


def find_member(session: Session, slack_user_id: str) -> Member | None:
    return session.scalar(select(Member).where(Member.slack_user_id == slack_user_id))


def get_member(session: Session, slack_user_id: str) -> Member:
    member = find_member(session, slack_user_id)
    if member is None:
        raise NotFound(f"The member {slack_user_id} has not used technet yet.")
    return member


def organiser_ids(session: Session, configured: Iterable[str]) -> list[str]:
    """Slack ids of the organisers to DM: TECHNET_ORGANISERS and members granted the role,
    never a bot or anyone who has left the workspace (a DM to them would fail)."""
    rows = session.execute(select(Member.slack_user_id, Member.roles, Member.deactivated | Member.is_bot)).all()
    unreachable = {user for user, _, gone in rows if gone}
    granted = {user for user, roles, gone in rows if not gone and Role.ORGANISER.value in (roles or [])}
    return sorted((set(configured) | granted) - unreachable)


def upsert_from_slack(session: Session, slack_user_id: str, user: Mapping[str, Any], *, now: datetime) -> Member:
    """Create or refresh a member from a Slack `users.info` user object."""
    member = find_member(session, slack_user_id)
    if member is None:
        member = Member(slack_user_id=slack_user_id, roles=[], created_at=now)
        session.add(member)
    profile = user.get("profile") or {}
    member.display_name = (profile.get("display_name") or user.get("name") or "")[:200]
    member.real_name = (profile.get("real_name") or user.get("real_name") or "")[:200]
    member.email = profile.get("email") or member.email
    member.job_title = member.job_title or profile.get("title") or None
    member.timezone = user.get("tz") or member.timezone
    member.is_bot = bool(user.get("is_bot"))
    member.deactivated = bool(user.get("deleted"))
    member.updated_at = now
    session.flush()
    return member


def ensure_member(session: Session, slack_user_id: str, *, fallback_name: str = "", now: datetime) -> Member:
    """The member for this Slack user, created with what little we know if new."""
    member = find_member(session, slack_user_id)
    if member is None:
        member = Member(
            slack_user_id=slack_user_id, display_name=fallback_name[:200], roles=[], created_at=now, updated_at=now
        )
        session.add(member)
        session.flush()
    return member


def needs_touch(member: Member, now: datetime) -> bool:
    return member.last_active_at is None or member.last_active_at.date() != now.date()


def touch(member: Member, now: datetime) -> None:
    """Record that the member did something today (one write a day at most)."""
    if needs_touch(member, now):
        member.last_active_at = now


def actor_for(session: Session, member: Member, grants: RoleGrants) -> Actor:
    roles = {Role.MEMBER, *(Role(r) for r in member.roles if r in Role._value2member_map_)}
    roles |= grants.for_user(member.slack_user_id)
    return Actor(member.id, member.slack_user_id, frozenset(roles), member.timezone)


def grant_role(session: Session, by: Actor | None, slack_user_id: str, role: Role) -> Member:
    """Grant a role stored in the database. `by=None` is the command line (an IT admin)."""
    if by is not None:
        by.require(Role.ADMIN, "grant roles")
    member = get_member(session, slack_user_id)
    if role == Role.MEMBER:
        raise DomainError("Everyone is a member; grant organiser, panel or admin.")
    if role.value not in member.roles:
        member.roles = sorted({*member.roles, role.value})
    return member


def revoke_role(session: Session, by: Actor | None, slack_user_id: str, role: Role) -> Member:
    if by is not None:
        by.require(Role.ADMIN, "revoke roles")
    member = get_member(session, slack_user_id)
    member.roles = [r for r in member.roles if r != role.value]
    return member
