"""Network events: meetings, workshops, the conference ...; their series, RSVPs and change notices.

An event in a series is an ordinary row of its own (one per occurrence), so one occurrence
can be moved or cancelled, and has its own RSVPs, without touching the others.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import now
from storage.identities import MessageRef
from storage.models.core import Base, message_ref


class EventSeries(Base):
    """A repeating event: weekly, fortnightly, monthly or quarterly until a date."""

    __tablename__ = "event_series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One of storage.events.FREQUENCIES.
    frequency: Mapped[str] = mapped_column(String(16))
    until: Mapped[date]
    organiser_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Event(Base):
    """One event (or one occurrence of a series)."""

    __tablename__ = "events"
    __table_args__ = (
        # The modal submission (or demo key) that created it, per occurrence: a resubmission finds it.
        UniqueConstraint("source_key", "series_index"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The iCalendar UID: stable for this occurrence, so a calendar replaces rather than duplicates it.
    uid: Mapped[str] = mapped_column(String(80), unique=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("event_series.id", ondelete="SET NULL"), index=True)
    # Position in the series (0 for a one-off event).
    series_index: Mapped[int] = mapped_column(default=0)
    source_key: Mapped[str | None] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(150))
    description: Mapped[str] = mapped_column(Text, default="")
    # One of storage.events.KINDS.
    kind: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    # What is coming is what has not ended: every listing starts from this, so it is indexed.
    ends_at: Mapped[datetime] = mapped_column(index=True)
    # The zone the organiser meant (the network's): series repeat at the same local time across DST.
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(200))
    online_link: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None]
    rsvp_deadline: Mapped[datetime | None]
    organiser_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    # scheduled or cancelled; a cancelled event keeps its RSVPs as history.
    status: Mapped[str] = mapped_column(String(16), default="scheduled", index=True)
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # iCalendar SEQUENCE: bumped on every change, so calendars take the newest version.
    sequence: Mapped[int] = mapped_column(default=0)
    # The post in the network channel, updated in place as counts change.
    announce: Mapped[MessageRef | None] = message_ref("announce")
    # When an organiser recorded who actually came; until then, "going" stands in for attendance.
    attendance_recorded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class Rsvp(Base):
    """A member's answer for one event: one row per member and event, whatever they click."""

    __tablename__ = "event_rsvps"
    # Each listing counts a page of events' answers by status.
    __table_args__ = (UniqueConstraint("event_id", "member_id"),
                      Index("ix_event_rsvps_event_status", "event_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # going, maybe, not_going or waitlist (storage.events).
    status: Mapped[str] = mapped_column(String(16))
    # Order on the waitlist (smaller is earlier); kept after promotion.
    waitlist_seq: Mapped[int | None]
    # Bumped each time the member becomes "going": part of their reminders' keys.
    generation: Mapped[int] = mapped_column(default=0)
    # Set when an organiser records attendance.
    attended: Mapped[bool | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class EventNotice(Base):
    """The record of a change members were told about (moved, cancelled, promoted, announced):
    what changed and who was told. Written in the same unit of work as the change; the DMs
    and the channel post themselves are due rows in the ledger (storage/events/notices.py).
    """

    __tablename__ = "event_notices"
    __table_args__ = (UniqueConstraint("source_key", "event_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    # announce, changed, cancelled or promoted.
    kind: Mapped[str] = mapped_column(String(16))
    # The ids of the members told (none for a channel announcement).
    recipients: Mapped[list[int]] = mapped_column(JSON, default=list, info={"member_ids": True})
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_key: Mapped[str | None] = mapped_column(String(80))
    # The organiser whose change it records; None for a change nobody made (a promotion).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=now)
