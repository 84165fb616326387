"""Teams conversation references: where the bot can still speak without being spoken to.

A proactive message (a reminder, a notice, a post in the network channel) needs the conversation's
id and the serviceUrl of the region that hosts it, which Teams gives only on activities it sends us.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import now
from storage.models.core import Base


class TeamsConversation(Base):
    __tablename__ = "teams_conversations"
    __table_args__ = (UniqueConstraint("tenant", "conversation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), default="")
    conversation_id: Mapped[str] = mapped_column(String(255))
    # personal (the bot and one member), channel, groupChat
    kind: Mapped[str] = mapped_column(String(16))
    service_url: Mapped[str] = mapped_column(String(500))
    # The member of a personal chat; None for a channel or a group chat.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # False once the app is uninstalled there or the person blocked the bot: deliveries skip it.
    usable: Mapped[bool] = mapped_column(default=True)
    unusable_reason: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
