"""The delivery record and report (issue #16): every attempt to send a due item, and per post
(an announcement, an e-zine issue, an award post, an event's reminders) what was sent, what is
pending and what failed, and why.

digests/runner.py records each attempt as it finishes it; organisers read the report
(`/tech deliveries`, `technet deliveries --since 1d`), whose CSV is formula-safe.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import ledger
from storage.forms import csv_safe
from storage.models import DueItem, MemberIdentity
from storage.models.awards import Award, AwardCycle
from storage.models.careers import Opportunity
from storage.models.delivery import DeliveryAttempt
from storage.models.events import Event
from storage.models.news import Announcement

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
    "connection_refused": "could not connect",
    "ratelimited": "Slack asked technet to slow down",
    "internal_error": "Slack had an error",
}


def reason_for_a_person(reason: str | None) -> str:
    if not reason:
        return ""
    if reason.startswith("no_answer"):
        return "no answer in time"
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
    # What a person calls it: the event's or opportunity's title, the announcement's first words, the
    # award and its round, the e-zine issue's date; None when the thing is gone (then the subject shows).
    title: str | None = None
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


# The e-zine's rows share one subject, and name their issue by its period first in the occurrence.
EZINE_SUBJECT = "ezine"
TITLE_LENGTH = 60


def post_subject(subject: str, occurrence: str) -> str:
    """The subject a post is reported under: the e-zine's, one per issue ("ezine:2026-12-07")."""
    if subject == EZINE_SUBJECT:
        return f"{EZINE_SUBJECT}:{occurrence[:10]}"
    return subject


def titles(session: Session, subjects: Iterable[str]) -> dict[str, str]:
    """What a person calls each subject it can name (see PostReport.title): one query for each kind
    of thing named, however many subjects."""
    ids: defaultdict[str, set[int]] = defaultdict(set)
    found: dict[str, str] = {}
    for subject in set(subjects):
        prefix, _, rest = subject.partition(":")
        if prefix == EZINE_SUBJECT and rest:
            found[subject] = f"issue of {rest}"
        elif rest.isdigit():
            ids[prefix].add(int(rest))
    if ids["announcement"]:
        for row_id, text in session.execute(select(Announcement.id, Announcement.text)
                                            .where(Announcement.id.in_(ids["announcement"]))):
            found[f"announcement:{row_id}"] = _first_words(text)
    if ids["event"]:
        for row_id, title in session.execute(select(Event.id, Event.title).where(Event.id.in_(ids["event"]))):
            found[f"event:{row_id}"] = title
    if ids["cycle"]:
        for row_id, name, label in session.execute(
                select(AwardCycle.id, Award.name, AwardCycle.label).join(Award, Award.id == AwardCycle.award_id)
                .where(AwardCycle.id.in_(ids["cycle"]))):
            found[f"cycle:{row_id}"] = f"{name} {label}"
    if ids["opportunity"]:
        for row_id, title in session.execute(select(Opportunity.id, Opportunity.title)
                                             .where(Opportunity.id.in_(ids["opportunity"]))):
            found[f"opportunity:{row_id}"] = title
    return found


def _first_words(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_LENGTH else line[:TITLE_LENGTH - 1].rstrip() + "…"


def report(session: Session, *, since: datetime) -> list[PostReport]:
    """Per kind and subject with a due row due since `since` (each e-zine issue on its own): counts of
    sent, pending, failed and skipped items, the reasons for failures, the lateness of what was sent,
    and the title of each."""
    rows = session.execute(
        select(DueItem.id, DueItem.kind, DueItem.subject, DueItem.occurrence, DueItem.status, DueItem.result)
        .where(DueItem.due_at >= since).order_by(DueItem.kind, DueItem.subject, DueItem.occurrence)).all()
    lateness: dict[int, float] = dict(session.execute(
        select(DeliveryAttempt.due_item_id, DeliveryAttempt.lateness_seconds)
        .where(DeliveryAttempt.outcome.in_((SENT, FOUND)), DeliveryAttempt.due_at >= since)).all())
    posts: dict[tuple[str, str], PostReport] = {}
    for item_id, kind, subject, occurrence, status, result in rows:
        subject = post_subject(subject, occurrence)
        post = posts.setdefault((kind, subject), PostReport(kind, subject))
        if status == ledger.DONE:
            post.sent += 1
            if item_id in lateness:
                post.lateness.append(lateness[item_id])
        elif status == ledger.PENDING:
            post.pending += 1
        elif status == ledger.FAILED:
            post.failed += 1
            # A failed row's result is the error it was given up for (ledger.mark_failed).
            post.reasons[reason_for_a_person(result)] += 1
        elif status == ledger.SKIPPED:
            post.skipped += 1
    named = titles(session, (subject for _, subject in posts))
    for post in posts.values():
        post.title = named.get(post.subject)
    return list(posts.values())


CSV_COLUMNS = ("kind", "subject", "title", "occurrence", "attempt", "surface", "recipient", "attempted_at", "due_at",
               "late_seconds", "outcome", "reason")


def attempts_csv(session: Session, *, since: datetime) -> str:
    """Every attempt since `since`, one a line, each cell formula-safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    attempts = session.scalars(select(DeliveryAttempt).where(DeliveryAttempt.attempted_at >= since)
                               .order_by(DeliveryAttempt.attempted_at, DeliveryAttempt.id)).all()
    named = titles(session, (post_subject(a.subject, a.occurrence) for a in attempts))
    for a in attempts:
        writer.writerow([csv_safe(v) for v in (
            a.kind, a.subject, named.get(post_subject(a.subject, a.occurrence), ""), a.occurrence, a.attempt,
            a.surface or "", a.recipient or "",
            a.attempted_at.isoformat(timespec="seconds"), a.due_at.isoformat(timespec="seconds"),
            f"{a.lateness_seconds:.1f}", a.outcome, reason_for_a_person(a.reason))])
    return out.getvalue()
