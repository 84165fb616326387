"""The network's public pages: members' private calendar feeds and the pages' view counts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import now
from storage.models.core import Base


class CalendarFeed(Base):
    """A member's private calendar address: the token is the only thing that names them, so it
    is long and random; revoking deletes the row and the old address answers 404."""

    __tablename__ = "calendar_feeds"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class PageView(Base):
    """Views of one public page on one day: a count and nothing else (no cookie, address or agent)."""

    __tablename__ = "page_views"

    page: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    views: Mapped[int] = mapped_column(default=0)
