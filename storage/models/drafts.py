"""Private drafts of nominations for external awards (development opportunities of kind "award")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import now
from storage.models.core import Base


class AwardDraft(Base):
    """A member's private draft nomination of a colleague for an external award (an opportunity
    of kind "award"): their own words, kept for them to reuse and edit, seen by nobody else."""

    __tablename__ = "award_drafts"
    __table_args__ = (UniqueConstraint("member_id", "opportunity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    # The award it was started for; the draft stays, to reuse, when the opportunity goes.
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("dev_opportunities.id", ondelete="SET NULL"))
    colleague_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    citation: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
