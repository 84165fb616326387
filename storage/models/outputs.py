"""Credit on research outputs: a paper, dataset, software or patent a member logged, and the
technicians it credits, each of whom confirms or declines the credit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import now
from storage.models.core import Base


class ResearchOutput(Base):
    __tablename__ = "research_outputs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Who logged it (not necessarily credited); kept when they leave.
    creator_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    # A DOI (10.xxxx/...) or an https link, as checked in storage.outputs (never looked up).
    link: Mapped[str] = mapped_column(String(500))
    year: Mapped[int] = mapped_column(Integer)
    # One of storage.outputs.KINDS.
    kind: Mapped[str] = mapped_column(String(16))
    # The form's submission id: one output however often the form is delivered.
    submission_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class OutputCredit(Base):
    """One technician credited on an output, and their answer."""

    __tablename__ = "output_credits"

    output_id: Mapped[int] = mapped_column(ForeignKey("research_outputs.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    # One of storage.outputs.CREDITS (author, acknowledged).
    credit: Mapped[str] = mapped_column(String(16))
    # One of storage.outputs.PENDING, CONFIRMED, DECLINED.
    status: Mapped[str] = mapped_column(String(16), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(index=True)

