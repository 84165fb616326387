"""Polls in a channel and surveys by DM (issue 17).

An anonymous survey keeps who has answered (`survey_invitations.answered`, for reminders) apart
from what was answered (`survey_responses` with no member, no time and a random id): no column,
key or timestamp pairs the two, so nobody reading the database can join them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import now
from storage.identities import MessageRef
from storage.models.core import Base, message_ref


class Poll(Base):
    """A poll posted in a conversation: its options, whether several may be picked, whether voters are
    shown, when it closes; `refreshed_at` is when its message last showed the counts (updates are
    coalesced to one a second, Slack's rate for updating one message)."""

    __tablename__ = "polls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    multiple: Mapped[bool] = mapped_column(default=False)
    anonymous: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    conversation: Mapped[str] = mapped_column(String(255))
    post: Mapped[MessageRef | None] = message_ref("post")
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    refreshed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)


class PollVote(Base):
    """One option a member picked (a multiple-choice poll has a row per option picked)."""

    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("poll_id", "member_id", "option"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    option: Mapped[int]
    voted_at: Mapped[datetime] = mapped_column(default=now)


class Survey(Base):
    """A survey: its questions (JSON: kind, text, options), anonymous or named, its audience, when it
    opens and closes, and a recurrence (a quarterly pulse makes the next one when it closes)."""

    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    anonymous: Mapped[bool] = mapped_column(default=True)
    # "all", "department", "event", "mentoring"; `audience_value` names the department or event.
    audience: Mapped[str] = mapped_column(String(16))
    audience_value: Mapped[str] = mapped_column(String(200), default="")
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    recurrence: Mapped[str] = mapped_column(String(16), default="")
    # The survey this one repeats (a quarterly pulse's previous quarter).
    follows_id: Mapped[int | None] = mapped_column(ForeignKey("surveys.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)


class SurveyInvitation(Base):
    """Who was asked, and whether they have answered: no time of answering, nothing of what."""

    __tablename__ = "survey_invitations"
    __table_args__ = (UniqueConstraint("survey_id", "member_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    answered: Mapped[bool] = mapped_column(default=False)
    reminders: Mapped[int] = mapped_column(default=0)


class SurveyResponse(Base):
    """What one person answered. Named: `member_id` says who, `updated_at` when. Anonymous: neither;
    the id is random (no insertion order), the department is kept for suppressed breakdowns, and
    `edit_key` is the hash of a secret only the respondent's confirmation holds (to change it)."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_survey", "survey_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    department: Mapped[str] = mapped_column(String(200), default="")
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    edit_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    updated_at: Mapped[datetime | None]


class Idea(Base):
    """An idea, suggestion or concern for the network's agenda (`/tech idea`). An anonymous one still
    names its author here, so the organisers' reply can reach them: technet never shows who."""

    __tablename__ = "ideas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(String(2000))
    anonymous: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    # new, agenda (taken into an agenda), answered, declined
    status: Mapped[str] = mapped_column(String(16), default="new")
    reply: Mapped[str] = mapped_column(String(2000), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
