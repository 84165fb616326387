"""The delivery record: every attempt to send a due item, for the delivery report (issue #16)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base


class DeliveryAttempt(Base):
    """One attempt to send a due item (a reminder to one member, an announcement to a channel):
    who or where it was for, when, how it went and why, and how late against its due time."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    due_item_id: Mapped[int] = mapped_column(ForeignKey("due_items.id", ondelete="CASCADE"), index=True)
    # The due row's key, copied: what the report groups by (an announcement, an event's reminders).
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), index=True)
    occurrence: Mapped[str] = mapped_column(String(128))
    attempt: Mapped[int] = mapped_column(Integer)
    # The member it was for, when it was for one (a DM); None for a channel.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    surface: Mapped[str | None] = mapped_column(String(16))
    # Where it went, as the surface names it: a channel, or the member's id there.
    recipient: Mapped[str | None] = mapped_column(String(255))
    attempted_at: Mapped[datetime] = mapped_column(index=True)
    due_at: Mapped[datetime]
    lateness_seconds: Mapped[float] = mapped_column(Float)
    # sent, found (an ambiguous earlier attempt had posted it), refused, ambiguous, skipped,
    # given_up, lost (the worker lost its claim)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(255))
    message_id: Mapped[str | None] = mapped_column(String(64))
