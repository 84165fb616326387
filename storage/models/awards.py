"""Awards: awards run in cycles; staff nominate; the cycle's panel scores, shortlists, announces.

Nominations are confidential: only the cycle's panel and the nominator who wrote one
may read it (storage/awards/ enforces that; every panel read lands in AwardAudit).
"""

from __future__ import annotations

from datetime import datetime
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.clock import now
from storage.models.core import Base, Member


class Award(Base):
    """An award the network runs, e.g. Technician of the Year, with its scoring rubric."""

    __tablename__ = "awards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # The rubric: criterion names, each scored 1 to 5 by every panel member.
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=now)


class AwardCycle(Base):
    """One round of an award: open for nominations from opens_at until closes_at."""

    __tablename__ = "award_cycles"
    __table_args__ = (UniqueConstraint("award_id", "label"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id"))
    label: Mapped[str] = mapped_column(String(60))
    opens_at: Mapped[datetime] = mapped_column(index=True)
    closes_at: Mapped[datetime] = mapped_column(index=True)
    allow_self: Mapped[bool] = mapped_column(default=False)
    allow_team: Mapped[bool] = mapped_column(default=False)
    # "never" or "at_close": whether and when nominees are told they were nominated.
    notify_nominees: Mapped[str] = mapped_column(String(16), default="never")
    # Member ids; only these people see this cycle's nominations.
    panel: Mapped[list[int]] = mapped_column(JSON, default=list, info={"member_ids": True})
    # The panel member who reads the audit log.
    chair_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(default=now)
    announced_at: Mapped[datetime | None]
    announced_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    announcement_text: Mapped[str | None] = mapped_column(Text)
    # Where the announcement was posted; its message id is "posting" while the post is under way.
    announcement_surface: Mapped[str | None] = mapped_column(String(16))
    announcement_conversation: Mapped[str | None] = mapped_column(String(255))
    announcement_message_id: Mapped[str | None] = mapped_column(String(255))

    award: Mapped[Award] = relationship(lazy="joined")
    chair: Mapped[Member] = relationship(foreign_keys=[chair_id], lazy="joined")


class Nomination(Base):
    """One nominator's nomination of one nominee (a person or a named team) in one cycle."""

    __tablename__ = "award_nominations"
    __table_args__ = (UniqueConstraint("cycle_id", "nominator_id", "nominee_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"))
    nominator_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # The user id of a person (their address; nominee_id names the member), or "team:<name in lower case>".
    nominee_key: Mapped[str] = mapped_column(String(140))
    nominee_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    team_name: Mapped[str | None] = mapped_column(String(100))
    # The team's member ids (a team nomination).
    team_members: Mapped[list[int]] = mapped_column(JSON, default=list, info={"member_ids": True})
    citation: Mapped[str] = mapped_column(Text)
    examples: Mapped[list[str]] = mapped_column(JSON, default=list)
    link: Mapped[str | None] = mapped_column(String(500))
    # "active" or "withdrawn"
    status: Mapped[str] = mapped_column(String(16), default="active")
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now)

    cycle: Mapped[AwardCycle] = relationship(lazy="joined")
    nominator: Mapped[Member] = relationship(foreign_keys=[nominator_id], lazy="joined")
    nominee: Mapped[Member | None] = relationship(foreign_keys=[nominee_id], lazy="joined")


class NominationSubmission(Base):
    """Each nomination form submission acted on, keyed by a digest of the form.

    Slack can deliver the same submission twice; the second finds this row and changes
    nothing, and the confirmation DM is claimed here so it is sent once.
    """

    __tablename__ = "award_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    nominator_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("award_nominations.id"))
    # "created", "updated" or "closed" (refused: the cycle had closed)
    outcome: Mapped[str] = mapped_column(String(16))
    dm_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)


class AwardScore(Base):
    """One panel member's score (1 to 5) of one nominee against one criterion."""

    __tablename__ = "award_scores"
    __table_args__ = (
        UniqueConstraint("cycle_id", "nominee_key", "scorer_id", "criterion"),
        CheckConstraint("score >= 1 AND score <= 5", name="score_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"))
    nominee_key: Mapped[str] = mapped_column(String(140))
    scorer_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    criterion: Mapped[str] = mapped_column(String(100))
    score: Mapped[int] = mapped_column(Integer)
    scored_at: Mapped[datetime] = mapped_column(default=now)


class ShortlistEntry(Base):
    """A nominee the panel shortlisted; at most one per cycle is the winner."""

    __tablename__ = "award_shortlist"
    __table_args__ = (UniqueConstraint("cycle_id", "nominee_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("award_cycles.id"))
    nominee_key: Mapped[str] = mapped_column(String(140))
    is_winner: Mapped[bool] = mapped_column(default=False)
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    marked_at: Mapped[datetime] = mapped_column(default=now)


class AwardAudit(Base):
    """Who read or exported nominations, and who was refused: the panel chair reads it."""

    __tablename__ = "award_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("award_cycles.id"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    action: Mapped[str] = mapped_column(String(40))
    allowed: Mapped[bool] = mapped_column(default=True)
    detail: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(default=now)

    actor: Mapped[Member] = relationship(lazy="joined")

