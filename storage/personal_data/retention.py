"""Retention: what is deleted once it has been kept for its period (TECHNET_RETAIN_*).

digests/personal_data.py runs `apply_retention` once a day through the due ledger (one replica
does it, once), and logs the counts this returns: never what was deleted.

- nominations: a cycle's nominations, their scores, the shortlist and the form submissions, once
  the cycle closed longer ago than the period (the cycle itself, its label and dates, stays);
- audit: the awards audit log's rows older than the period;
- deliveries: due rows finished (done, skipped, failed, cancelled) longer ago than the period;
- ezine: an issue posted longer ago than the period loses its archived copy (text, HTML and
  messages); the row stays, so the news it published is never taken for unpublished.
- downloads: files handed out by link (storage.downloads), once their link has expired; not a
  setting, as the link's lifetime is the period.
(Survey free text has no table yet; its feature adds its kind here.)
A period of None keeps that kind for ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage import downloads
from storage.db import rowcount
from storage.models import DueItem
from storage.models.awards import AwardAudit, AwardCycle, AwardScore, Nomination, NominationSubmission, ShortlistEntry
from storage.models.news import EzineIssue, EzineMessage

FINISHED = ("done", "skipped", "failed", "cancelled")


@dataclass(frozen=True)
class Periods:
    nominations: timedelta | None = timedelta(days=730)
    audit: timedelta | None = timedelta(days=730)
    deliveries: timedelta | None = timedelta(days=365)
    ezine: timedelta | None = timedelta(days=1825)


def apply_retention(session: Session, periods: Periods, *, now: datetime) -> dict[str, int]:
    """Delete what has passed its period; returns how many rows of each kind went."""
    removed: dict[str, int] = {}
    if periods.nominations is not None:
        cycles = select(AwardCycle.id).where(AwardCycle.closes_at < now - periods.nominations).scalar_subquery()
        removed["award_scores"] = rowcount(session.execute(delete(AwardScore).where(AwardScore.cycle_id.in_(cycles))))
        removed["award_shortlist"] = rowcount(session.execute(
            delete(ShortlistEntry).where(ShortlistEntry.cycle_id.in_(cycles))))
        nominations = select(Nomination.id).where(Nomination.cycle_id.in_(cycles)).scalar_subquery()
        removed["award_submissions"] = rowcount(session.execute(
            delete(NominationSubmission).where(NominationSubmission.nomination_id.in_(nominations))))
        removed["award_nominations"] = rowcount(session.execute(
            delete(Nomination).where(Nomination.cycle_id.in_(cycles))))
    if periods.audit is not None:
        removed["award_audit"] = rowcount(session.execute(
            delete(AwardAudit).where(AwardAudit.at < now - periods.audit)))
    if periods.deliveries is not None:
        removed["due_items"] = rowcount(session.execute(delete(DueItem).where(
            DueItem.status.in_(FINISHED), DueItem.done_at.is_not(None), DueItem.done_at < now - periods.deliveries)))
    if periods.ezine is not None:
        issues = select(EzineIssue.id).where(EzineIssue.posted_at.is_not(None),
                                             EzineIssue.posted_at < now - periods.ezine)
        removed["ezine_messages"] = rowcount(session.execute(
            delete(EzineMessage).where(EzineMessage.issue_id.in_(issues.scalar_subquery()))))
        removed["ezine_issues"] = rowcount(session.execute(
            update(EzineIssue).where(EzineIssue.id.in_(issues.scalar_subquery()), EzineIssue.html.is_not(None))
            .values(content=None, html=None, intro=None, permalink=None)))
    removed["downloads"] = downloads.purge(session, now=now)
    return removed
