"""Files handed to a person by link, where a surface cannot take an upload from the bot (Teams)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base


class Download(Base):
    """One file, fetched by a random link. Only the link's digest is kept, so the table alone cannot
    fetch anything; the row goes when it expires."""

    __tablename__ = "downloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # Whom it was made for: their copy lists it, their erasure deletes it.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
