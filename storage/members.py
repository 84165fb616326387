"""Members and their roles. Permissions are decided here, not in the UI (DESIGN decision 6)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session, aliased

from storage.db import Database
from storage.errors import DomainError, NotFound, PermissionDenied
from storage.identities import Identity
from storage.models import Member, MemberIdentity


class Role(enum.StrEnum):
    MEMBER = "member"
    ORGANISER = "organiser"
    PANEL = "panel"
    ADMIN = "admin"


@dataclass(frozen=True)
class RoleGrants:
    """Roles granted by configuration (TECHNET_ORGANISERS, TECHNET_AWARDS_PANEL), by identity."""

    organisers: frozenset[Identity] = frozenset()
    panel: frozenset[Identity] = frozenset()

    def for_identities(self, identities: Iterable[Identity]) -> set[Role]:
        # Configuration names people without a tenant: a grant holds in every tenant of its surface.
        known = {(i.surface, i.external_id) for i in identities}
        roles = set()
        if known & {(i.surface, i.external_id) for i in self.organisers}:
            roles.add(Role.ORGANISER)
        if known & {(i.surface, i.external_id) for i in self.panel}:
            roles.add(Role.PANEL)
        return roles


@dataclass(frozen=True)
class Actor:
    """Who is asking, with every role they hold: what services check permissions against.

    `identity` is how the request's surface named them; people they name in the request
    (a user picked in a form) are on the same surface: `identity.colleague(user_id)`."""

    member_id: int
    identity: Identity
    roles: frozenset[Role]
    timezone: str | None = None

    @property
    def user_id(self) -> str:
        """The asker's id on the request's surface (where a reply or a DM goes)."""
        return self.identity.external_id

    def has(self, role: Role) -> bool:
        # An admin may do what any other role may.
        return role in self.roles or Role.ADMIN in self.roles

    def require(self, role: Role, doing: str) -> None:
        if not self.has(role):
            raise PermissionDenied(f"Only {_ROLE_NAMES[role]} can {doing}.")


@dataclass(frozen=True)
class MemberDetails:
    """What a surface tells us about a person (Slack: users.info), as plain values."""

    display_name: str = ""
    real_name: str = ""
    email: str | None = None
    title: str | None = None
    timezone: str | None = None
    is_bot: bool = False
    deactivated: bool = False


_ROLE_NAMES = {
    Role.MEMBER: "network members",
    Role.ORGANISER: "network organisers",
    Role.PANEL: "the awards panel",
    Role.ADMIN: "technet admins",
}


def find_member(session: Session, identity: Identity) -> Member | None:
    return session.scalar(select(Member).join(MemberIdentity).where(
        MemberIdentity.surface == identity.surface, MemberIdentity.tenant == identity.tenant,
        MemberIdentity.external_id == identity.external_id))


def get_member(session: Session, identity: Identity) -> Member:
    member = find_member(session, identity)
    if member is None:
        raise NotFound(f"The member {identity.external_id} has not used technet yet.")
    return member


def find_addressed(session: Session, user_id: str) -> Member | None:
    """The member whose address is this user id: how the due ledger's payloads and keys name
    whom to DM (an external id, so rows scheduled before identities existed still read)."""
    return session.scalar(select(Member).join(MemberIdentity).where(MemberIdentity.external_id == user_id)
                          .order_by(MemberIdentity.id).limit(1))


def members_addressed(session: Session, user_ids: Iterable[str]) -> dict[str, Member]:
    """find_addressed for many: {user id: member} for those found."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    found = session.scalars(select(Member).join(MemberIdentity).where(MemberIdentity.external_id.in_(wanted))).all()
    return {m.user_id: m for m in found if m.user_id in wanted}


def members_by_ids(session: Session, member_ids: Iterable[int]) -> dict[int, Member]:
    wanted = set(member_ids)
    if not wanted:
        return {}
    return {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(wanted)))}


def organiser_ids(session: Session, configured: Iterable[Identity]) -> list[str]:
    """The user ids of the organisers to DM: TECHNET_ORGANISERS and members granted the role,
    never a bot or anyone who has left the workspace (a DM to them would fail)."""
    everyone = session.scalars(select(Member)).all()
    unreachable = {(i.surface, i.external_id) for m in everyone if m.deactivated or m.is_bot for i in m.identities}
    granted = {(m.address.surface, m.user_id) for m in everyone
               if not (m.deactivated or m.is_bot) and Role.ORGANISER.value in (m.roles or []) and m.identities}
    configured_ids = {(i.surface, i.external_id) for i in configured}
    return sorted({user_id for _, user_id in (configured_ids | granted) - unreachable})


def _new_member(session: Session, identity: Identity, *, now: datetime, display_name: str = "") -> Member:
    member = Member(display_name=display_name, roles=[], created_at=now, updated_at=now)
    member.identities.append(MemberIdentity(surface=identity.surface, tenant=identity.tenant,
                                            external_id=identity.external_id))
    session.add(member)
    return member


def upsert_member(session: Session, identity: Identity, user: MemberDetails, *, now: datetime) -> Member:
    """Create or refresh a member from what their surface says about them."""
    member = find_member(session, identity) or _new_member(session, identity, now=now)
    member.display_name = user.display_name[:200]
    member.real_name = user.real_name[:200]
    member.email = user.email or member.email
    member.job_title = member.job_title or user.title or None
    member.timezone = user.timezone or member.timezone
    member.is_bot = user.is_bot
    # Erasure follows TECHNET_ERASE_AFTER_DAYS from here (storage/personal_data); a member deactivated
    # before the column existed starts the clock at the next report of the account.
    if user.deactivated and member.deactivated_at is None:
        member.deactivated_at = now
    elif not user.deactivated:
        member.deactivated_at = None
    member.deactivated = user.deactivated
    member.updated_at = now
    session.flush()
    return member


def ensure_member(session: Session, identity: Identity, *, fallback_name: str = "", now: datetime) -> Member:
    """The member with this identity, created with what little we know if new."""
    member = find_member(session, identity)
    if member is None:
        member = _new_member(session, identity, now=now, display_name=fallback_name[:200])
        session.flush()
    return member


def needs_touch(member: Member, now: datetime) -> bool:
    return _unseen_today(member.last_active_at, now)


def _unseen_today(last_active_at: datetime | None, now: datetime) -> bool:
    return last_active_at is None or last_active_at.date() != now.date()


def _recognise_statement() -> Select[int, list[str], str | None, datetime | None, str, str, str]:
    asked, theirs = aliased(MemberIdentity), aliased(MemberIdentity)
    return (select(Member.id, Member.roles, Member.timezone, Member.last_active_at,
                   theirs.surface, theirs.external_id, theirs.tenant)
            .join(asked, asked.member_id == Member.id).join(theirs, theirs.member_id == Member.id)
            .where(asked.surface == bindparam("surface"), asked.tenant == bindparam("tenant"),
                   asked.external_id == bindparam("external_id")))


# Built once: building the statement cost more than running it.
_RECOGNISE = _recognise_statement()


@dataclass(frozen=True)
class Recognised:
    actor: Actor
    seen_today: bool


def recognise(db: Database, identity: Identity, grants: RoleGrants, *, now: datetime) -> Recognised | None:
    """The member `identity` names, as the Actor of their request, or None for someone new.

    Every request asks this first, so it is one read of plain columns (`Database.read_rows`): the
    member's roles, zone and last day seen, with each of their identities (a role configured by
    any of them holds).
    """
    rows = db.read_rows(_RECOGNISE, {"surface": identity.surface, "tenant": identity.tenant,
                                     "external_id": identity.external_id})
    if not rows:
        return None
    member = rows[0]
    roles = {Role.MEMBER, *(Role(r) for r in member.roles or [] if r in Role._value2member_map_)}
    roles |= grants.for_identities(Identity(row.surface, row.external_id, row.tenant) for row in rows)
    return Recognised(Actor(member.id, identity, frozenset(roles), member.timezone),
                      seen_today=not _unseen_today(member.last_active_at, now))


def touch(member: Member, now: datetime) -> None:
    """Record that the member did something today (one write a day at most)."""
    if needs_touch(member, now):
        member.last_active_at = now


def actor_for(session: Session, member: Member, grants: RoleGrants, identity: Identity | None = None) -> Actor:
    """The member as an Actor; `identity` is the one the request came with (default: their address)."""
    roles = {Role.MEMBER, *(Role(r) for r in member.roles if r in Role._value2member_map_)}
    roles |= grants.for_identities(i.identity for i in member.identities)
    return Actor(member.id, identity or member.address, frozenset(roles), member.timezone)


def grant_role(session: Session, by: Actor | None, identity: Identity, role: Role) -> Member:
    """Grant a role stored in the database. `by=None` is the command line (an IT admin)."""
    if by is not None:
        by.require(Role.ADMIN, "grant roles")
    member = get_member(session, identity)
    if role == Role.MEMBER:
        raise DomainError("Everyone is a member; grant organiser, panel or admin.")
    if role.value not in member.roles:
        member.roles = sorted({*member.roles, role.value})
    return member


def revoke_role(session: Session, by: Actor | None, identity: Identity, role: Role) -> Member:
    if by is not None:
        by.require(Role.ADMIN, "revoke roles")
    member = get_member(session, identity)
    member.roles = [r for r in member.roles if r != role.value]
    return member
