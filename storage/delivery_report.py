"""The delivery record and report (issue #16): every attempt to send a due item, and per post
(an announcement, an e-zine issue, an award post, an event's reminders) what was sent, what is
pending and what failed, and why.

digests/runner.py records each attempt as it finishes it; organisers read the report
(`/tech deliveries`, `technet deliveries --since 1d`), whose CSV is formula-safe.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import ledger
from storage.forms import csv_safe
from storage.models import DueItem, MemberIdentity
from storage.models.delivery import DeliveryAttempt

SENT, FOUND, REFUSED, AMBIGUOUS, SKIPPED, GIVEN_UP, LOST = (
    "sent", "found", "refused", "ambiguous", "skipped", "given_up", "lost")

# What a person reads for a surface's reason (Slack's error codes, Teams' and our own).
REASONS = {
    "not_in_channel": "technet is not in the channel",
    "channel_not_found": "the channel is gone, or technet cannot see it",
    "is_archived": "the channel is archived",
    "user_disabled": "account deactivated",
    "account_inactive": "account deactivated",
    "user_not_found": "no such person in the workspace",
    "cannot_dm_bot": "it is a bot",
    "messages_tab_disabled": "DMs with technet are closed",
    "conversation_unusable_blocked": "DMs with technet are closed",
    "ratelimited": "Slack asked technet to slow down",
    "internal_error": "Slack had an error",
}


def reason_for_a_person(reason: str | None) -> str:
    if not reason:
        return ""
    if reason.startswith("no_answer"):
        return "no answer from Slack"
    if reason.startswith("late by"):
        return "too late to send"
    return REASONS.get(reason, reason)


def record_attempt(session: Session, claim: ledger.Claimed, *, now: datetime, outcome: str, surface: str | None,
                   recipient: str | None, reason: str | None = None, message_id: str | None = None) -> None:
    """Record one attempt at `claim`, naming the member it was for when it went to one."""
    member_id = None
    if recipient and surface:
        member_id = session.scalar(select(MemberIdentity.member_id).where(
            MemberIdentity.surface == surface, MemberIdentity.external_id == recipient).limit(1))
    session.add(DeliveryAttempt(
        due_item_id=claim.id, kind=claim.kind, subject=claim.subject, occurrence=claim.occurrence,
        attempt=claim.attempts, member_id=member_id, surface=surface, recipient=recipient,
        attempted_at=now, due_at=claim.due_at, lateness_seconds=max((now - claim.due_at).total_seconds(), 0.0),
        outcome=outcome, reason=(reason or None) and reason[:255], message_id=message_id and message_id[:64]))


@dataclass
class PostReport:
    """One post's deliveries: a kind and subject (an announcement, an event's reminders ...)."""

    kind: str
    subject: str
    sent: int = 0
    pending: int = 0
    failed: int = 0
    skipped: int = 0
    # reason as a person reads it -> how many failed for it
    reasons: Counter[str] = field(default_factory=Counter)
    lateness: list[float] = field(default_factory=list)

    @property
    def p99_lateness(self) -> float | None:
        return percentile(self.lateness, 99)


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def report(session: Session, *, since: datetime) -> list[PostReport]:
    """Per kind and subject with a due row due since `since`: counts of sent, pending, failed and
    skipped items, the reasons for failures, and the lateness of what was sent."""
    rows = session.execute(
        select(DueItem.id, DueItem.kind, DueItem.subject, DueItem.status, DueItem.result)
        .where(DueItem.due_at >= since).order_by(DueItem.kind, DueItem.subject)).all()
    last_reason: dict[int, str | None] = dict(session.execute(
        select(DeliveryAttempt.due_item_id, DeliveryAttempt.reason)
        .where(DeliveryAttempt.id.in_(select(func.max(DeliveryAttempt.id)).group_by(DeliveryAttempt.due_item_id)),
               DeliveryAttempt.due_at >= since)).all())
    lateness: dict[int, float] = dict(session.execute(
        select(DeliveryAttempt.due_item_id, DeliveryAttempt.lateness_seconds)
        .where(DeliveryAttempt.outcome.in_((SENT, FOUND)), DeliveryAttempt.due_at >= since)).all())
    posts: dict[tuple[str, str], PostReport] = {}
    for item_id, kind, subject, status, result in rows:
        post = posts.setdefault((kind, subject), PostReport(kind, subject))
        if status == ledger.DONE:
            post.sent += 1
            if item_id in lateness:
                post.lateness.append(lateness[item_id])
        elif status == ledger.PENDING:
            post.pending += 1
        elif status == ledger.FAILED:
            post.failed += 1
            post.reasons[reason_for_a_person(last_reason.get(item_id) or result)] += 1
        elif status == ledger.SKIPPED:
            post.skipped += 1
    return list(posts.values())


CSV_COLUMNS = ("kind", "subject", "occurrence", "attempt", "surface", "recipient", "attempted_at", "due_at",
               "late_seconds", "outcome", "reason")


def attempts_csv(session: Session, *, since: datetime) -> str:
    """Every attempt since `since`, one a line, each cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for a in session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.attempted_at >= since)
                             .order_by(DeliveryAttempt.attempted_at, DeliveryAttempt.id)):
        writer.writerow([csv_safe(v) for v in (
            a.kind, a.subject, a.occurrence, a.attempt, a.surface or "", a.recipient or "",
            a.attempted_at.isoformat(timespec="seconds"), a.due_at.isoformat(timespec="seconds"),
            f"{a.lateness_seconds:.1f}", a.outcome, reason_for_a_person(a.reason))])
    return out.getvalue()
