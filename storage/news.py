"""News for the e-zine: any member submits an item; organisers approve, edit or reject it.

Approved items wait for the next issue (storage/ezine/), which records itself on
each item it publishes, so no item appears twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import DomainError, NotFound
from storage.members import Actor, Role
from storage.models import Member
from storage.models.news import EzineIssue, NewsItem

CATEGORIES = {
    "achievement": "Achievement",
    "new_starter": "New starter",
    "registration": "Professional registration",
    "event_report": "Event report",
    "opportunity": "Opportunity",
    "other": "Other",
}
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
# A title is shown as a Block Kit header (150 characters at most).
TITLE_LIMIT = 150
BODY_LIMIT = 2000
LINK_LIMIT = 500
REASON_LIMIT = 500
# The form's fields: errors name them, and the modals use them as block ids.
F_TITLE, F_BODY, F_LINK, F_CATEGORY, F_REASON = "news_title", "news_body", "news_link", "news_category", "news_reason"

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# Control characters other than newline and tab: they render as junk in Slack and HTML.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class NewsForm:
    title: str
    body: str
    link: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class NewsInfo:
    id: int
    title: str
    body: str
    link: str | None
    category: str
    status: str
    author_user: str
    author_name: str
    reason: str | None
    reviewed_by: str | None
    created_at: datetime
    reviewed_at: datetime | None
    issue_period: str | None

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    @property
    def published(self) -> bool:
        return self.issue_period is not None


def _info(session: Session, item: NewsItem) -> NewsInfo:
    reviewer = session.get(Member, item.reviewed_by_id) if item.reviewed_by_id else None
    period = session.scalar(select(EzineIssue.period).where(EzineIssue.id == item.issue_id)) if item.issue_id else None
    return NewsInfo(
        id=item.id, title=item.title, body=item.body, link=item.link, category=item.category, status=item.status,
        author_user=item.author.user_id, author_name=item.author.name, reason=item.reason,
        reviewed_by=reviewer.user_id if reviewer else None, created_at=item.created_at,
        reviewed_at=item.reviewed_at, issue_period=period)


def _clean(text: str | None) -> str:
    return _CONTROL.sub("", (text or "").replace("\r\n", "\n")).strip()


@dataclass(frozen=True)
class CheckedNews:
    """A NewsForm that check_form passed: tidied, with a category from CATEGORIES."""

    title: str
    body: str
    link: str | None
    category: str


def check_form(form: NewsForm) -> CheckedNews:
    """The form tidied, or a DomainError naming the field."""
    title = " ".join(_clean(form.title).split())
    body = _clean(form.body)
    link = _clean(form.link) or None
    if not title:
        raise DomainError("Give the news a title.", field=F_TITLE)
    if len(title) > TITLE_LIMIT:
        raise DomainError(f"The title is {len(title)} characters; keep it to {TITLE_LIMIT}.", field=F_TITLE)
    if not body:
        raise DomainError("Write the news itself.", field=F_BODY)
    if len(body) > BODY_LIMIT:
        raise DomainError(f"The text is {len(body):,} characters; keep it to {BODY_LIMIT:,} (add a link for "
                          "the rest).", field=F_BODY)
    if link is not None and (len(link) > LINK_LIMIT or not _URL.match(link)):
        raise DomainError("The link must be a web address starting with https:// (or http://).", field=F_LINK)
    category = form.category or ""
    if category not in CATEGORIES:
        raise DomainError("Choose what kind of news it is.", field=F_CATEGORY)
    return CheckedNews(title=title, body=body, link=link, category=category)


def submit(session: Session, actor: Actor, form: NewsForm, *, submission_key: str,
           now: datetime) -> tuple[NewsInfo, bool]:
    """Keep a member's news for organisers to review. A repeated submission finds the first.

    Returns the item and whether this call created it.
    """
    clean = check_form(form)
    existing = session.scalar(select(NewsItem).where(NewsItem.submission_key == submission_key))
    if existing is not None:
        return _info(session, existing), False
    item = NewsItem(submission_key=submission_key, author_id=actor.member_id, title=clean.title, body=clean.body,
                    link=clean.link, category=clean.category, status=PENDING, created_at=now, updated_at=now)
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        # The same submission arrived twice at once; the other delivery stored it.
        found = session.scalar(select(NewsItem).where(NewsItem.submission_key == submission_key))
        assert found is not None
        return _info(session, found), False
    return _info(session, item), True


def get(session: Session, news_id: int) -> NewsInfo:
    return _info(session, _get(session, news_id))


def _get(session: Session, news_id: int) -> NewsItem:
    item = session.get(NewsItem, news_id)
    if item is None:
        raise NotFound("That news item no longer exists.")
    return item


def mine(session: Session, actor: Actor, *, limit: int = 10) -> list[NewsInfo]:
    items = session.scalars(select(NewsItem).where(NewsItem.author_id == actor.member_id)
                            .order_by(NewsItem.created_at.desc(), NewsItem.id.desc()).limit(limit)).all()
    return [_info(session, item) for item in items]


def queue(session: Session, actor: Actor, *, limit: int = 20) -> list[NewsInfo]:
    """What waits for an organiser's decision, oldest first."""
    actor.require(Role.ORGANISER, "review news")
    items = session.scalars(select(NewsItem).where(NewsItem.status == PENDING)
                            .order_by(NewsItem.created_at, NewsItem.id).limit(limit)).all()
    return [_info(session, item) for item in items]


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(NewsItem).where(NewsItem.status == PENDING)) or 0


def _reviewable(item: NewsItem) -> None:
    if item.issue_id is not None:
        raise DomainError("That item has been published in the e-zine already; it cannot change now.")


def approve(session: Session, actor: Actor, news_id: int, *, now: datetime) -> tuple[NewsInfo, bool]:
    """Approve for the next issue. Returns the item and whether it changed (a second click does not)."""
    actor.require(Role.ORGANISER, "approve news")
    return _decide(session, actor, _get(session, news_id), APPROVED, None, now=now)


def reject(session: Session, actor: Actor, news_id: int, reason: str, *, now: datetime) -> tuple[NewsInfo, bool]:
    """Reject with a reason the submitter is told. Returns the item and whether it changed."""
    actor.require(Role.ORGANISER, "reject news")
    item = _get(session, news_id)
    return _decide(session, actor, item, REJECTED, check_reason(reason), now=now)


def check_reason(reason: str) -> str:
    """A rejection's reason tidied, or a DomainError saying what it needs."""
    reason = _clean(reason)
    if not reason:
        raise DomainError("Say why, so the submitter knows what to change.", field=F_REASON)
    if len(reason) > REASON_LIMIT:
        raise DomainError(f"Keep the reason to {REASON_LIMIT} characters.", field=F_REASON)
    return reason


def _decide(session: Session, actor: Actor, item: NewsItem, status: str, reason: str | None, *,
            now: datetime) -> tuple[NewsInfo, bool]:
    """Record an organiser's decision; the same decision again (a second click) changes nothing."""
    if item.status == status:
        return _info(session, item), False
    _reviewable(item)
    item.status, item.reason, item.reviewed_by_id, item.reviewed_at = status, reason, actor.member_id, now
    session.flush()
    return _info(session, item), True


def edit_and_approve(session: Session, actor: Actor, news_id: int, form: NewsForm, *,
                     now: datetime) -> tuple[NewsInfo, bool]:
    """An organiser's corrections, approved with them. Returns the item and whether it was newly approved."""
    actor.require(Role.ORGANISER, "edit news")
    item = _get(session, news_id)
    _reviewable(item)
    clean = check_form(form)
    newly = item.status != APPROVED
    item.title, item.body, item.link, item.category = clean.title, clean.body, clean.link, clean.category
    item.status, item.reason, item.reviewed_by_id, item.reviewed_at = APPROVED, None, actor.member_id, now
    item.updated_at = now
    session.flush()
    return _info(session, item), newly


def waiting_for_issue(session: Session) -> list[NewsInfo]:
    """Approved items no issue has published yet, in the order they were approved."""
    items = session.scalars(select(NewsItem).where(NewsItem.status == APPROVED, NewsItem.issue_id.is_(None))
                            .order_by(NewsItem.reviewed_at, NewsItem.id)).all()
    return [_info(session, item) for item in items]


def mark_published(session: Session, news_ids: list[int], issue_id: int) -> None:
    for item in session.scalars(select(NewsItem).where(NewsItem.id.in_(news_ids))).all():
        if item.issue_id is None:
            item.issue_id = issue_id
