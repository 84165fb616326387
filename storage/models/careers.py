"""Career development: the catalogue of development opportunities, who follows which tags,
deadline reminders, and each member's CPD record.

Mentoring, registration and questions keep their own tables (storage/models/mentoring.py ...).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import now
from storage.models.core import Base


class Opportunity(Base):
    """A course, workshop, secondment, funding call ... that technicians may take up."""

    __tablename__ = "dev_opportunities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Title, provider and start date casefolded: what makes two rows (or an import and a row) one.
    natural_key: Mapped[str] = mapped_column(String(420), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # One of storage.opportunities.KINDS.
    kind: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    provider: Mapped[str | None] = mapped_column(String(200))
    link: Mapped[str | None] = mapped_column(String(500))
    # As the provider states it ("Free", "£250, the development fund can pay").
    cost: Mapped[str | None] = mapped_column(String(100))
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    # The last day to apply; the reminder goes two days before.
    deadline: Mapped[date | None] = mapped_column(index=True)
    # Tag keys (casefolded, spaces collapsed), in the order given.
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The organiser who added it; None when imported from the command line.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class OpportunityFollow(Base):
    """A member wants a DM when an opportunity with this tag is added."""

    __tablename__ = "dev_follows"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class OpportunityReminder(Base):
    """A member asked to be reminded before this opportunity's deadline (the due ledger posts it once)."""

    __tablename__ = "dev_reminders"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("dev_opportunities.id", ondelete="CASCADE"),
                                                primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class CpdEntry(Base):
    """One piece of continuing professional development in a member's record."""

    __tablename__ = "cpd_entries"
    __table_args__ = (
        # A prompted entry (an event attended, a mentoring pairing) is logged once.
        UniqueConstraint("source_ref", "member_id", "source"),
        # A modal submitted twice (a double click, a retry) saves one entry.
        UniqueConstraint("submission_id", "member_id"),
        CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    done_on: Mapped[date] = mapped_column(index=True)
    activity: Mapped[str] = mapped_column(String(200))
    # One of storage.cpd.CATEGORIES.
    category: Mapped[str] = mapped_column(String(32))
    # Time in whole minutes, whatever unit it was given in.
    minutes: Mapped[int] = mapped_column(Integer)
    # "hours" or "days": how the member gave it, so it is shown back the same way.
    unit: Mapped[str] = mapped_column(String(8), default="hours")
    note: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    # What it was about: a key of content/cpd_topics.yaml (wellbeing, leadership ...), or None.
    topic: Mapped[str | None] = mapped_column(String(48))
    # "manual", or what prompted it: "event", "mentoring", "opportunity".
    source: Mapped[str] = mapped_column(String(32), default="manual")
    source_ref: Mapped[str | None] = mapped_column(String(128))
    submission_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=now)
