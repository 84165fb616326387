"""Technician profiles, the tag vocabulary of the skills directory, and welcome DMs.

Job title, department and FTE live on `Member` (storage/models/core.py): CPD targets
and award figures read them there, so a profile never keeps a second copy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.clock import now
from storage.models.core import Base, Member

# What a member may show on their public card; the order is the card's order.
PUBLIC_FIELDS = ("job_title", "department", "skills", "equipment", "bio", "registration")


class Profile(Base):
    """What a member tells the network about themselves, beyond what their surface knows."""

    __tablename__ = "profiles"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    bio: Mapped[str | None] = mapped_column(Text)
    # The bio casefolded, so a LIKE finds words in it the same way on SQLite and PostgreSQL.
    bio_key: Mapped[str | None] = mapped_column(Text)
    # Opt-ins: nobody is in the directory or the e-zine spotlight unless they say so.
    listed: Mapped[bool] = mapped_column(default=False, index=True)
    spotlight_opt_in: Mapped[bool] = mapped_column(default=False)
    # On the network's public web pages (/network/people/): a choice of its own, apart from the
    # in-chat directory, because it shows the member to anyone on the internet.
    public_web: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The fields of PUBLIC_FIELDS that colleagues see on the card and can search.
    public_fields: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(PUBLIC_FIELDS))
    # Set on the first save: until then FTE and department are only the defaults.
    saved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    member: Mapped[Member] = relationship(lazy="joined", innerjoin=True)
    tag_links: Mapped[list[ProfileTagLink]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="ProfileTagLink.position",
    )

    def tags(self, kind: str) -> list[ProfileTag]:
        return [link.tag for link in self.tag_links if link.kind == kind]

    def shows(self, field: str) -> bool:
        return field in (self.public_fields or ())


class ProfileTag(Base):
    """One skill, technique or piece of equipment; "HPLC" and "hplc" are the same tag."""

    __tablename__ = "profile_tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The label casefolded and with its spaces collapsed: what makes two tags one.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    # How it is shown: as first written.
    label: Mapped[str] = mapped_column(String(120))


class ProfileTagLink(Base):
    """A tag on a member's profile, as a skill or as equipment expertise, in their order."""

    __tablename__ = "profile_tag_links"

    member_id: Mapped[int] = mapped_column(ForeignKey("profiles.member_id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("profile_tags.id", ondelete="CASCADE"), primary_key=True,
                                        index=True)
    position: Mapped[int] = mapped_column(default=0)

    profile: Mapped[Profile] = relationship(back_populates="tag_links")
    tag: Mapped[ProfileTag] = relationship(lazy="joined", innerjoin=True)


class ProfileWelcome(Base):
    """The welcome DM a member got on joining the network channel: one per member, ever."""

    __tablename__ = "profile_welcomes"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    # The network channel they joined.
    surface: Mapped[str] = mapped_column(String(16))
    conversation: Mapped[str] = mapped_column(String(255))
    welcomed_at: Mapped[datetime] = mapped_column(default=now)
