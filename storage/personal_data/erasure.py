"""Erasure: a member's personal data removed, the network's counts and other people's records kept.

What happens, table by table, is each Holding's `on_erase` and `writing` (holdings.py):
- rows only about the member (their identities, profile, follows, mentor profile ...) are deleted;
- rows that count for the report or belong to someone else too (RSVPs and attendance, CPD time,
  mentoring pairs, nominations in a cycle still kept) stay, with what the member wrote blanked;
- the member's own row stays as "a former member": no name, email, title, zone or roles, and
  its `updated_at` (when they left, for the report) unchanged; department and FTE stay, since
  the report groups and weighs by them;
- then every text and JSON column of every table is searched for their names (whole words),
  their ids on each surface and their email, and each is replaced: a name by "a former member",
  an id by "former-member-<n>" (so a nominee still counts once, and a nomination key stays
  unique); the e-zine archive also loses what they wrote. A pending due row that named them is
  cancelled: there is nobody to send it to;
- in rows about the member (a foreign key names them: a nomination of them, an issue with them in
  the spotlight), each part of their name goes too ("Rosa redesigned ..."). A first name alone in
  a row that does not name them is left: it would be someone else's as often as theirs.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement, String, Table, Text, and_, delete, or_, select, update
from sqlalchemy.orm import Session

from storage.db import rowcount
from storage.errors import DomainError, NotFound
from storage.models import Base, DueItem, Member
from storage.personal_data.export import is_id_list, table_of
from storage.personal_data.holdings import DELETE, HOLDINGS

log = logging.getLogger("technet.personal_data")

FORMER_MEMBER = "a former member"
ERASED_TEXT = "[erased]"
# Where what a member wrote is copied, and so also searched for it (their news in an issue).
ARCHIVES = ("ezine_issues", "ezine_messages")
# A name shorter than this is not searched for across other people's text: it would match words.
MIN_NAME = 3
MIN_WRITING = 4


@dataclass
class Erasure:
    member_id: int
    deleted: dict[str, int] = field(default_factory=dict)
    blanked: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """Counts per table, never content: what the log line says."""
        def part(counts: dict[str, int]) -> str:
            return ", ".join(f"{t} {n}" for t, n in sorted(counts.items()) if n) or "none"
        return f"deleted: {part(self.deleted)}; blanked: {part(self.blanked)}; names replaced: {part(self.redacted)}"


class _Needles:
    """What identifies the member in text, and what to put in its place."""

    def __init__(self, member_id: int, names: Iterable[str], ids: Iterable[str], emails: Iterable[str],
                 writing: Iterable[str]):
        self.everywhere: list[tuple[re.Pattern[str], str]] = []
        for name in {n.strip() for n in names if len(n.strip()) >= MIN_NAME}:
            for form in {name, html.escape(name)}:
                self.everywhere.append((re.compile(rf"(?<!\w){re.escape(form)}(?!\w)", re.IGNORECASE),
                                        FORMER_MEMBER))
        for external_id in {i for i in ids if i}:
            self.everywhere.append((re.compile(re.escape(external_id)), f"former-member-{member_id}"))
        for email in {e for e in emails if e}:
            self.everywhere.append((re.compile(re.escape(email), re.IGNORECASE), FORMER_MEMBER))
        self.archive = list(self.everywhere)
        # Longest first, so a body is replaced whole before a title inside it.
        for text in sorted({w.strip() for w in writing if len(w.strip()) >= MIN_WRITING}, key=len, reverse=True):
            for form in {text, html.escape(text)}:
                self.archive.insert(0, (re.compile(re.escape(form)), ERASED_TEXT))

    def apply(self, value: Any, patterns: list[tuple[re.Pattern[str], str]]) -> Any:
        if isinstance(value, str):
            for pattern, replacement in patterns:
                value = pattern.sub(replacement, value)
            return value
        if isinstance(value, list):
            return [self.apply(v, patterns) for v in value]
        if isinstance(value, dict):
            return {self.apply(k, patterns): self.apply(v, patterns) for k, v in value.items()}
        return value


def _blank(table: Table, column: str) -> Any:
    col = table.c[column]
    if isinstance(col.type, JSON):
        return []
    return None if col.nullable else ""


def _keep_stamps(table: Table) -> dict[str, Any]:
    """SET updated_at = updated_at: erasure is no change the report may count (a member's
    `updated_at` is when they left; a registration's, when it changed)."""
    return {c.name: c for c in table.columns if c.onupdate is not None}


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def erase_member(session: Session, member_id: int, *, now: datetime, by: str) -> Erasure:
    """Erase the member's personal data (see the module's docstring); `by` names who, for the log line."""
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"There is no member #{member_id}.")
    if member.erased_at is not None:
        raise DomainError(f"Member #{member_id} was erased already.")
    result = Erasure(member_id)
    writing: list[str] = []
    for h in HOLDINGS:
        table = table_of(h)
        if h.writing and h.on_erase is not DELETE:
            for row in session.execute(select(*(table.c[c] for c in h.writing)).where(table.c[h.writer] == member_id)):
                writing += [t for v in row for t in _texts(v)]
    for profile_text in session.execute(select(Base.metadata.tables["profiles"].c.bio)
                                        .where(Base.metadata.tables["profiles"].c.member_id == member_id)).scalars():
        writing += _texts(profile_text)
    needles = _Needles(member_id, names=(member.display_name, member.real_name),
                       ids=[i.external_id for i in member.identities], emails=[member.email or ""], writing=writing)
    left_at = member.updated_at
    parts = {part for name in (member.display_name, member.real_name) for part in name.split()}

    for h in reversed(HOLDINGS):
        if h.table == "members":
            continue
        table = table_of(h)
        keys = [c for c in h.by if not is_id_list(table, c)]
        if h.on_erase is DELETE:
            for c in keys:
                result.deleted[h.table] = result.deleted.get(h.table, 0) + rowcount(
                    session.execute(delete(table).where(table.c[c] == member_id)))
        elif h.writing:
            result.blanked[h.table] = rowcount(session.execute(
                update(table).where(table.c[h.writer] == member_id)
                .values({**_keep_stamps(table), **{c: _blank(table, c) for c in h.writing}})))

    members = Base.metadata.tables["members"]
    session.execute(update(members).where(members.c.id == member_id).values(
        display_name="", real_name="", email=None, job_title=None, timezone=None, roles=[], deactivated=True,
        deactivated_at=member.deactivated_at or now, erased_at=now, updated_at=left_at))
    session.expire_all()

    for table in Base.metadata.sorted_tables:
        changed = _redact_table(session, table, needles)
        if changed:
            result.redacted[table.name] = changed
    # Rows about the member (a nomination of them, an issue with them in the spotlight) call them by
    # their first name too: there, each part of their name goes as well.
    about = _Needles(member_id, names=parts, ids=(), emails=(), writing=())
    for h in HOLDINGS:
        if h.on_erase is DELETE or h.table == "members":
            continue
        table = table_of(h)
        keys = [c for c in h.by if not is_id_list(table, c)]
        changed = _redact_table(session, table, about, where=or_(*(table.c[c] == member_id for c in keys)))
        if changed:
            result.redacted[h.table] = result.redacted.get(h.table, 0) + changed
    log.info("member #%s erased by %s: %s", member_id, by, result.summary())
    return result


def _redact_table(session: Session, table: Table, needles: _Needles, where: ColumnElement[bool] | None = None) -> int:
    texts = [c for c in table.columns if isinstance(c.type, String | Text | JSON) and not c.primary_key]
    if not texts:
        return 0
    patterns = needles.archive if table.name in ARCHIVES else needles.everywhere
    keys = list(table.primary_key.columns)
    changed = 0
    query = select(*keys, *texts)
    if where is not None:
        query = query.where(where)
    for row in session.execute(query).all():
        mapping = row._mapping
        new = {c.name: needles.apply(mapping[c], patterns) for c in texts}
        new = {name: value for name, value in new.items() if value != mapping[table.c[name]]}
        if not new:
            continue
        if table.name == DueItem.__tablename__ and mapping[table.c.status] == "pending":
            new["status"] = "cancelled"
        session.execute(update(table).where(and_(*(k == mapping[k] for k in keys)))
                        .values({**_keep_stamps(table), **new}))
        changed += 1
    return changed


def due_for_erasure(session: Session, *, now: datetime, after: timedelta) -> list[int]:
    """Members whose surface reported them deactivated at least `after` ago, not erased yet."""
    return list(session.scalars(select(Member.id).where(
        Member.deactivated.is_(True), Member.erased_at.is_(None), Member.deactivated_at.is_not(None),
        Member.deactivated_at <= now - after).order_by(Member.id)))
