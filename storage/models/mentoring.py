"""Mentoring (mentor profiles, requests, pairings), professional registration status, and the
questions members ask: those forwarded to the organisers and the answers added to the FAQ.

The rules live in storage/mentoring/, storage/registration.py and storage/faq.py.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import now
from storage.identities import MessageRef
from storage.models.core import Base, message_ref


class MentorProfile(Base):
    """A member who offers to mentor: in which areas, how many mentees at once, and any pause."""

    __tablename__ = "mentor_profiles"
    __table_args__ = (CheckConstraint("capacity >= 0 AND capacity <= 10", name="capacity_range"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    # Keys of storage.mentoring.AREAS, in the order given.
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Free text a search also reads ("HPLC, CNC machining, EngTech application").
    specialisms: Mapped[str | None] = mapped_column(String(300))
    intro: Mapped[str | None] = mapped_column(Text)
    # Mentees at once; 0 means "not taking anyone on".
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # Not offered to anyone until the day after this one.
    paused_until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class MentoringRequest(Base):
    """A member asked a mentor to mentor them; the mentor accepts or declines."""

    __tablename__ = "mentoring_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(String(40))
    message: Mapped[str | None] = mapped_column(Text)
    # pending, accepted, declined, withdrawn, cancelled (one side left the workspace)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    # "<mentee id>:<mentor id>" while pending, NULL after: one open request per pair, so a
    # double click or a retried submission never asks twice.
    open_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    # Claimed by the one listener that sends the mentor's DM (NULL again if sending failed).
    notified_at: Mapped[datetime | None]
    # Where the mentor's DM is, so it can be updated when the request is withdrawn.
    mentor_dm: Mapped[MessageRef | None] = message_ref("mentor_dm")
    created_at: Mapped[datetime] = mapped_column(default=now)
    decided_at: Mapped[datetime | None]


class MentoringPairing(Base):
    """A mentor and a mentee working together, from the accepted request until either ends it."""

    __tablename__ = "mentoring_pairings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One pairing per request: accepting twice (a double click, two devices) makes one.
    request_id: Mapped[int] = mapped_column(ForeignKey("mentoring_requests.id", ondelete="CASCADE"), unique=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(String(40))
    # The agreed check-in cadence, in days (30: monthly).
    cadence_days: Mapped[int] = mapped_column(Integer, default=30)
    # Bumped when the cadence changes: the check-ins' occurrence keys include it.
    schedule_version: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(default=now)
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # The group DM with both (and the bot), opened on accepting.
    group_surface: Mapped[str | None] = mapped_column(String(16))
    group_conversation: Mapped[str | None] = mapped_column(String(255))
    # Claimed by the one listener that posts the introduction (NULL again if posting failed).
    intro_claimed_at: Mapped[datetime | None]
    # The introduction's id in the group conversation.
    intro_message_id: Mapped[str | None] = mapped_column(String(255))
    last_checkin_at: Mapped[datetime | None]
    last_met_at: Mapped[datetime | None]


class RegistrationStatus(Base):
    """Where a member is with professional registration, and what the guided questions suggested."""

    __tablename__ = "registration_statuses"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    # not_started, preparing, submitted, registered
    status: Mapped[str] = mapped_column(String(16), default="not_started", index=True)
    # A register key of content/registration.yaml (rscitech, engtech ...).
    register: Mapped[str | None] = mapped_column(String(32))
    # The guided questions' answers and their suggestion.
    role: Mapped[str | None] = mapped_column(String(32))
    qualification: Mapped[str | None] = mapped_column(String(32))
    years: Mapped[int | None] = mapped_column(Integer)
    suggested: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class AskedQuestion(Base):
    """A question `/tech ask` found no good answer to; forwarded to the organisers if the member asks."""

    __tablename__ = "asked_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    # unmatched (asked, not forwarded), forwarded, answered
    status: Mapped[str] = mapped_column(String(16), default="unmatched", index=True)
    forwarded_at: Mapped[datetime | None]
    # The DMs to organisers, updated once it is answered: [MessageRef.to_json(), ...].
    organiser_messages: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None]
    # Claimed by the one listener that DMs the answer to the asker.
    reply_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)


class FaqAddition(Base):
    """A question and answer an organiser added to the FAQ from the bot; `/tech ask` searches these too."""

    __tablename__ = "faq_additions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The forwarded question it came from: adding it twice adds it once.
    question_id: Mapped[int | None] = mapped_column(ForeignKey("asked_questions.id", ondelete="SET NULL"),
                                                    unique=True)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)
