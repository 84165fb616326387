"""Sessions led by technicians: a member proposes a talk, demo or workshop; organisers approve
it into an event with the proposer as host, ask for changes, or decline it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import now
from storage.models.core import Base


class SessionProposal(Base):
    __tablename__ = "session_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(150))
    abstract: Mapped[str] = mapped_column(Text, default="")
    # One of storage.proposals.FORMATS.
    format: Mapped[str] = mapped_column(String(16))
    minutes: Mapped[int] = mapped_column(Integer)
    preferred_dates: Mapped[str] = mapped_column(String(300), default="")
    # One of storage.proposals.STATUSES.
    status: Mapped[str] = mapped_column(String(16), index=True)
    # Why changes were asked for, or why it was declined (told to the proposer).
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"), index=True)
    # The form's submission id: one proposal however often the form is delivered.
    submission_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
