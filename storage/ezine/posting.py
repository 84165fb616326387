"""Posting an issue one message at a time, exactly once (DESIGN decision 3), and the archive of posted issues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import ledger, news
from storage.db import rowcount
from storage.errors import NotFound
from storage.ezine.issues import POSTED, POSTING, IssueInfo, find_issue, get_issue, issue_info
from storage.ezine.sections import item_count
from storage.models.news import EzineIssue, EzineMessage

# A message claimed by a process that died is free again after this long.
MESSAGE_LEASE = ledger.LEASE


# Posting, one message at a time -------------------------------------------------------

@dataclass(frozen=True)
class PlannedMessage:
    position: int
    text: str
    blocks: list[dict[str, Any]]


def begin_posting(session: Session, period: str, messages: list[tuple[str, list[dict[str, Any]]]], *,
                  surface: str, conversation: str, html: str, now: datetime) -> bool:
    """Plan the issue's messages, once. True if this call planned them.

    The news items and the spotlight are recorded as published here, in the same unit of
    work, so the next issue does not repeat them even if posting takes several attempts.
    """
    issue = get_issue(session, period)
    if issue.messages:
        return False
    content = issue.content or {}
    try:
        with session.begin_nested():
            for position, (text, blocks) in enumerate(messages):
                session.add(EzineMessage(issue_id=issue.id, position=position, text=text, blocks=blocks,
                                         state="planned"))
            issue.status, issue.surface, issue.conversation, issue.html = POSTING, surface, conversation, html
            for section in content.get("sections", []):
                if section["key"] == "news":
                    news.mark_published(session, [int(item["id"]) for item in section["items"]], issue.id)
                if section["key"] == "spotlight" and section["items"]:
                    issue.spotlight_member_id = int(section["items"][0]["member_id"])
    except IntegrityError:
        # Another process planned the messages first (the same ones): its plan stands.
        return False
    return True


def claim_next_message(session: Session, period: str, *, now: datetime) -> PlannedMessage | Literal[False] | None:
    """Claim the first message not yet posted. None: all are posted. False: another process holds one."""
    issue = get_issue(session, period)
    for message in issue.messages:
        if message.state == "posted":
            continue
        won = rowcount(session.execute(
            update(EzineMessage)
            .where(EzineMessage.issue_id == issue.id, EzineMessage.position == message.position,
                   or_(EzineMessage.state == "planned",
                       and_(EzineMessage.state == "posting", EzineMessage.claimed_until <= now)))
            .values(state="posting", claimed_until=now + MESSAGE_LEASE),
            execution_options={"synchronize_session": False}))
        if won != 1:
            return False
        return PlannedMessage(message.position, message.text, list(message.blocks))
    return None


def message_posted(session: Session, period: str, position: int, message_id: str, *, now: datetime) -> None:
    issue = get_issue(session, period)
    session.execute(update(EzineMessage).where(EzineMessage.issue_id == issue.id, EzineMessage.position == position)
                    .values(state="posted", message_id=message_id, posted_at=now, claimed_until=None),
                    execution_options={"synchronize_session": False})


def release_message(session: Session, period: str, position: int) -> None:
    """The surface refused the message: it was not posted, and the next attempt tries it again."""
    issue = get_issue(session, period)
    session.execute(update(EzineMessage).where(EzineMessage.issue_id == issue.id, EzineMessage.position == position,
                                               EzineMessage.state == "posting")
                    .values(state="planned", claimed_until=None), execution_options={"synchronize_session": False})


def finish(session: Session, period: str, *, now: datetime, permalink: str | None) -> IssueInfo:
    issue = get_issue(session, period)
    states = session.scalars(select(EzineMessage.state).where(EzineMessage.issue_id == issue.id)).all()
    if states and all(state == "posted" for state in states) and issue.status != POSTED:
        issue.status, issue.posted_at, issue.permalink = POSTED, now, permalink
    session.flush()
    return issue_info(session, issue)


def first_message_id(session: Session, period: str) -> str | None:
    issue = get_issue(session, period)
    return issue.messages[0].message_id if issue.messages else None


# The archive -------------------------------------------------------------------------

@dataclass(frozen=True)
class Archived:
    period: str
    posted_at: datetime
    permalink: str | None
    items: int
    sections: tuple[str, ...]


def archive(session: Session, *, limit: int = 12) -> list[Archived]:
    """Posted issues, newest first."""
    issues = session.scalars(select(EzineIssue).where(EzineIssue.status == POSTED)
                             .order_by(EzineIssue.due_at.desc()).limit(limit)).all()
    return [Archived(i.period, i.posted_at or i.due_at, i.permalink, item_count(i.content or {}),
                     tuple(s["title"] for s in (i.content or {}).get("sections", []))) for i in issues]


def archived_html(session: Session, period: str) -> str:
    issue = find_issue(session, period)
    if issue is None or issue.status != POSTED or not issue.html:
        raise NotFound(f"No posted e-zine for {period}; `technet digest archive` lists them.")
    return issue.html


def archived_content(session: Session, period: str) -> tuple[dict[str, Any], str | None]:
    issue = find_issue(session, period)
    if issue is None or issue.status != POSTED:
        raise NotFound(f"No posted e-zine for {period}.")
    return dict(issue.content or {}), issue.intro
