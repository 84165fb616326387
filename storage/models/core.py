"""The foundation's tables, and the Base every model shares. Times are aware UTC (DESIGN decision 2)."""

from __future__ import annotations

from datetime import datetime, UTC
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Composite, DeclarativeBase, Mapped, composite, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from storage.clock import as_utc, now
from storage.identities import Identity, MessageRef

# Stable constraint names, so one set of Alembic migrations fits SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Refuses naive datetimes going in; SQLite's naive values come back as aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use storage.clock.now()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


def message_ref(prefix: str) -> Composite[MessageRef]:
    """A MessageRef kept in three columns, <prefix>_surface, _conversation and _message_id:
    None while all three are. Long enough for Teams' conversation and activity ids."""
    return composite(MessageRef,
                     mapped_column(f"{prefix}_surface", String(16), nullable=True),
                     mapped_column(f"{prefix}_conversation", String(255), nullable=True),
                     mapped_column(f"{prefix}_message_id", String(255), nullable=True),
                     return_none_on=lambda *parts: all(part is None for part in parts))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


class Member(Base):
    """A person the bot has met, on one surface or several (their identities)."""

    __tablename__ = "members"
    # The few who have left, found without reading everyone: every count of a page of events
    # leaves their answers out (storage/events/listing). Written as each database renders `.is_(True)`.
    __table_args__ = (Index("ix_members_left", "id", postgresql_where=text("deactivated IS true"),
                            sqlite_where=text("deactivated IS 1")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    real_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    department: Mapped[str | None] = mapped_column(String(200))
    job_title: Mapped[str | None] = mapped_column(String(200))
    # Full-time equivalent in (0, 1]; pro-rata targets use it.
    fte: Mapped[float] = mapped_column(default=1.0)
    timezone: Mapped[str | None] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_bot: Mapped[bool] = mapped_column(default=False)
    deactivated: Mapped[bool] = mapped_column(default=False)
    # When a surface reported the account deactivated: erasure follows TECHNET_ERASE_AFTER_DAYS later.
    deactivated_at: Mapped[datetime | None]
    # When storage/personal_data erased this member: the row stays, as "a former member", for the counts.
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    last_active_at: Mapped[datetime | None]

    # Loaded with the member: nearly every use of a member names them to a surface.
    identities: Mapped[list[MemberIdentity]] = relationship(
        back_populates="member", lazy="selectin", order_by="MemberIdentity.id", cascade="all, delete-orphan")

    @property
    def address(self) -> Identity:
        """Where to reach this member: the identity they were first met by.

        One surface per install today; a member met on several is reached on the first
        until the delivery interface chooses per message."""
        return self.identities[0].identity if self.identities else Identity("", "")

    @property
    def user_id(self) -> str:
        """This member's id on the surface of their address (what a mention names)."""
        return self.address.external_id

    @property
    def name(self) -> str:
        if self.erased_at is not None:
            return "a former member"
        return self.display_name or self.real_name or self.user_id


class MemberIdentity(Base):
    """A member as one surface names them. A person is one member however many surfaces know them."""

    __tablename__ = "member_identities"
    __table_args__ = (UniqueConstraint("surface", "tenant", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    surface: Mapped[str] = mapped_column(String(16))
    tenant: Mapped[str] = mapped_column(String(64), default="")
    external_id: Mapped[str] = mapped_column(String(255))

    member: Mapped[Member] = relationship(back_populates="identities")

    @property
    def identity(self) -> Identity:
        return Identity(self.surface, self.external_id, self.tenant)


class SlackDelivery(Base):
    """Events API deliveries already acted on; Slack redelivers on a slow ack."""

    __tablename__ = "slack_deliveries"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=now)


class DueItem(Base):
    """One thing the scheduler must post once: a reminder, an announcement, an e-zine issue.

    (kind, subject, occurrence) is the natural key that makes a post exactly-once
    across restarts, Slack retries and several replicas (DESIGN decision 3).
    """

    __tablename__ = "due_items"
    __table_args__ = (UniqueConstraint("kind", "subject", "occurrence"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128))
    occurrence: Mapped[str] = mapped_column(String(128))
    due_at: Mapped[datetime] = mapped_column(index=True)
    # When the next attempt may run; equals due_at until a failure pushes it back.
    not_before: Mapped[datetime] = mapped_column(index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    # The attempts that failed (refused or ambiguous): what the backoff and giving up count. A claim
    # whose worker died or stalled is an attempt but no failure, so it costs the item no extra wait.
    failures: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claim_expires_at: Mapped[datetime | None]
    # When the current (or last unfinished) claim was taken.
    claimed_at: Mapped[datetime | None]
    # Since when an earlier attempt may have posted (it failed ambiguously, or its worker died or
    # stalled mid-send): the next attempt looks for its post from then before sending.
    ambiguous_since: Mapped[datetime | None]
    done_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)
