"""Scheduled announcements, news for the e-zine, and the e-zine's issues with their messages.

An e-zine issue is one row per period (its local date); the messages it is posted as are
planned once and each records its own progress, so a restart mid-issue continues with
the next message and never repeats one (DESIGN decision 3).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.clock import now
from storage.models.core import Base, Member


class Announcement(Base):
    """A message an organiser scheduled for a channel, once or repeating.

    Times repeat in the network's local time (`first_local` in `timezone`), so a weekly
    09:00 post stays at 09:00 across the clock change. A draft is what the organiser
    previews before saving; an edit is a draft with `edits_id` until it is confirmed.
    """

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # The conversation it is posted to (a channel), on its surface.
    surface: Mapped[str] = mapped_column(String(16))
    channel_id: Mapped[str] = mapped_column(String(255))
    # The first post, local wall-clock time ("2026-03-30T09:00") in `timezone`, and as UTC.
    first_local: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    first_at: Mapped[datetime]
    repeat: Mapped[str] = mapped_column(String(16), default="none")
    repeat_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    edits_id: Mapped[int | None] = mapped_column(ForeignKey("announcements.id", ondelete="CASCADE"))
    posts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    author: Mapped[Member] = relationship(lazy="joined")


class EzineIssue(Base):
    """One period's e-zine: compiled, approved or held, then posted once."""

    __tablename__ = "ezine_issues"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The local date the issue is due ("2026-12-07"): one issue per period.
    period: Mapped[str] = mapped_column(String(10), unique=True)
    period_start: Mapped[datetime]
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    intro: Mapped[str | None] = mapped_column(Text)
    # The compiled issue as plain data, frozen when it is sent for approval or posted.
    content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    compiled_at: Mapped[datetime | None]
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    # Where each approval request went: [[organiser's user id, *MessageRef.to_json()], ...],
    # updated when someone decides.
    approval_messages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    spotlight_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # Where the issue is posted: its surface and conversation.
    surface: Mapped[str | None] = mapped_column(String(16))
    conversation: Mapped[str | None] = mapped_column(String(255))
    html: Mapped[str | None] = mapped_column(Text)
    permalink: Mapped[str | None] = mapped_column(String(500))
    template_warning: Mapped[str | None] = mapped_column(Text)
    posted_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)

    messages: Mapped[list[EzineMessage]] = relationship(
        back_populates="issue", order_by="EzineMessage.position", cascade="all, delete-orphan")


class EzineMessage(Base):
    """One message of an issue; `state` planned -> posting -> posted, with the id its surface gave."""

    __tablename__ = "ezine_messages"

    issue_id: Mapped[int] = mapped_column(ForeignKey("ezine_issues.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    blocks: Mapped[list[Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default="planned")
    claimed_until: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(255))
    posted_at: Mapped[datetime | None]

    issue: Mapped[EzineIssue] = relationship(back_populates="messages")


class NewsItem(Base):
    """A member's news for the e-zine: pending until an organiser approves or rejects it."""

    __tablename__ = "news_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The surface's id of the submitted form: a redelivered submission finds the row it made.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    # The issue that published it; approved items with none wait for the next issue.
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("ezine_issues.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    author: Mapped[Member] = relationship(foreign_keys=[author_id], lazy="joined")
