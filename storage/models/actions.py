"""The action plan (the Technician Commitment's actions, owners and RAG status) and the history
of updates owners post."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.clock import now
from storage.models.core import Base


class PlanAction(Base):
    """One action of the plan: what, under which pillar, by when, how success is measured."""

    __tablename__ = "plan_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The title casefolded, spaces collapsed: an import matches its rows to actions on it.
    natural_key: Mapped[str] = mapped_column(String(300), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    # One of storage.actions.PILLARS.
    pillar: Mapped[str] = mapped_column(String(32), index=True)
    due_on: Mapped[date]
    measure: Mapped[str] = mapped_column(Text, default="")
    # One of storage.actions.STATUSES, as an owner last set it ("late" also follows from the date).
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)


class PlanActionOwner(Base):
    """A member who owns an action (posts its updates, is reminded of its due date)."""

    __tablename__ = "plan_action_owners"

    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class PlanActionUpdate(Base):
    """An update an owner posted (or an import made): the status it set and a note."""

    __tablename__ = "plan_action_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("plan_actions.id", ondelete="CASCADE"), index=True)
    # Who posted it; None when an import set the status (or the author's record was erased).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
