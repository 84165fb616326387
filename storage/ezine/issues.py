"""Issues: when they are due (the schedule), planning the next one, an issue as shown, and the
organisers' editorial decisions (approve, hold, an introduction, publish now)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, UTC
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.identities import MessageRef
from storage import ledger
from storage.errors import DomainError, NotFound
from storage.members import Actor, Role
from storage.models import Member
from storage.models.news import EzineIssue

ISSUE = "ezine.issue"
APPROVAL = "ezine.approval"
SUBJECT = "ezine"
PUBLISH_SUFFIX = "/publish"
# Issue rows beside the scheduled one: the answer-by time of an issue asked about again, and
# the post that follows an approval given after the issue's time.
ANSWER_SUFFIX = "/answer-by"
APPROVED_SUFFIX = "/approved"
# Issue states.
PLANNED, AWAITING, POSTING, POSTED, SKIPPED, EMPTY = "planned", "awaiting", "posting", "posted", "skipped", "empty"
# Organisers' decisions; CHANGED: it was approved, then changed in a way they must see first.
APPROVED, HELD, CHANGED = "approved", "held", "changed"
INTRO_LIMIT = 1000
F_INTRO = "ezine_intro"


# The schedule -------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    """When issues are due: crontab fields read in the network's zone (day AND weekday must match)."""

    cron: str
    tz: ZoneInfo

    def _trigger(self) -> CronTrigger:
        return CronTrigger.from_crontab(self.cron, timezone=self.tz)

    def next_due(self, now: datetime) -> datetime:
        """The first due time at or after `now`, in UTC."""
        found = self._trigger().get_next_fire_time(None, now)
        if found is None:
            raise DomainError(f"The e-zine schedule {self.cron!r} never fires.")
        return found.astimezone(UTC)

    def previous_due(self, due: datetime) -> datetime | None:
        """The due time before `due`: where the period of the issue due at `due` starts."""
        trigger = self._trigger()
        for window in (timedelta(days=2), timedelta(days=9), timedelta(days=40), timedelta(days=400)):
            moment, last = due - window, None
            for _ in range(2000):
                found = trigger.get_next_fire_time(None, moment)
                if found is None or found >= due:
                    break
                last, moment = found, found + timedelta(seconds=1)
            if last is not None:
                return last.astimezone(UTC)
        return None


@dataclass(frozen=True)
class Period:
    key: str  # the local date the issue is due
    start: datetime
    due: datetime
    tz: ZoneInfo

    @property
    def due_local(self) -> datetime:
        return self.due.astimezone(self.tz)


@dataclass(frozen=True)
class IssueInfo:
    id: int
    period: str
    period_start: datetime
    due_at: datetime
    status: str
    decision: str | None
    decided_by: str | None
    intro: str | None
    frozen: bool
    posted_at: datetime | None
    permalink: str | None
    # The conversation it is posted in.
    conversation: str | None
    # (organiser, channel, ts) of each approval request's buttons message.
    # (the organiser's user id, the request they were sent), for each organiser asked.
    approval_messages: tuple[tuple[str, MessageRef], ...]
    messages_posted: int
    messages_planned: int

    @property
    def finished(self) -> bool:
        return self.status in (POSTED, SKIPPED, EMPTY)


def _approval_requests(issue: EzineIssue) -> tuple[tuple[str, MessageRef], ...]:
    return tuple((str(organiser), MessageRef.from_json(request))
                 for organiser, *request in issue.approval_messages or [])


def _user_of(session: Session, member_id: int | None) -> str | None:
    member = session.get(Member, member_id) if member_id is not None else None
    return member.user_id if member else None


def issue_info(session: Session, issue: EzineIssue) -> IssueInfo:
    posted = sum(1 for m in issue.messages if m.state == "posted")
    return IssueInfo(
        id=issue.id, period=issue.period, period_start=issue.period_start, due_at=issue.due_at, status=issue.status,
        decision=issue.decision, decided_by=_user_of(session, issue.decided_by_id), intro=issue.intro,
        frozen=issue.content is not None,
        posted_at=issue.posted_at, permalink=issue.permalink, conversation=issue.conversation,
        approval_messages=_approval_requests(issue),
        messages_posted=posted, messages_planned=len(issue.messages))


def find_issue(session: Session, period: str) -> EzineIssue | None:
    return session.scalar(select(EzineIssue).where(EzineIssue.period == period))


def get_issue(session: Session, period: str) -> EzineIssue:
    issue = find_issue(session, period)
    if issue is None:
        raise NotFound(f"There is no e-zine issue for {period}.")
    return issue


def get(session: Session, period: str) -> IssueInfo:
    return issue_info(session, get_issue(session, period))


def period_of(issue: IssueInfo, tz: ZoneInfo) -> Period:
    return Period(issue.period, issue.period_start, issue.due_at, tz)


def plan(session: Session, schedule: Schedule, *, now: datetime, approval_lead: timedelta) -> IssueInfo:
    """Make sure the next issue exists, with its due rows (idempotent: every tick may call it).

    The approval request is due `approval_lead` before the issue (at once if that has
    passed); no request when the lead is zero.
    """
    due = schedule.next_due(now)
    key = due.astimezone(schedule.tz).date().isoformat()
    issue = find_issue(session, key)
    if issue is not None:
        return issue_info(session, issue)
    start = schedule.previous_due(due) or due - timedelta(days=31)
    issue = EzineIssue(period=key, period_start=start, due_at=due, status=PLANNED, approval_messages=[],
                       created_at=now)
    try:
        with session.begin_nested():
            session.add(issue)
    except IntegrityError:
        # Another process planned the same period a moment ago.
        return issue_info(session, get_issue(session, key))
    ledger.schedule(session, kind=ISSUE, subject=SUBJECT, occurrence=key, due_at=due)
    if approval_lead > timedelta(0):
        ledger.schedule(session, kind=APPROVAL, subject=SUBJECT, occurrence=key,
                        due_at=max(now, due - approval_lead))
    session.flush()
    return issue_info(session, issue)


def next_issue(session: Session, schedule: Schedule, *, now: datetime, approval_lead: timedelta) -> IssueInfo:
    """The issue that is due next and not yet posted (planning it if need be)."""
    unfinished = session.scalar(select(EzineIssue).where(
        EzineIssue.status.in_((PLANNED, AWAITING, POSTING)), EzineIssue.due_at <= now)
        .order_by(EzineIssue.due_at.desc()).limit(1))
    if unfinished is not None:
        return issue_info(session, unfinished)
    return plan(session, schedule, now=now, approval_lead=approval_lead)


# Editorial decisions -----------------------------------------------------------------

def _editable(issue: EzineIssue) -> None:
    if issue.status in (POSTING, POSTED):
        raise DomainError(f"The e-zine of {issue.period} has been posted already.")
    if issue.status in (SKIPPED, EMPTY):
        raise DomainError(f"The e-zine of {issue.period} was not posted ({issue.status}); its time has passed.")


def approval_sent(session: Session, period: str, organiser: str, request: MessageRef) -> None:
    """Record one organiser's approval request, so a retried run does not ask them twice."""
    issue = get_issue(session, period)
    if issue.status == PLANNED:
        issue.status = AWAITING
    issue.approval_messages = [*(issue.approval_messages or []), [organiser, *request.to_json()]]
    session.flush()


def decide(session: Session, actor: Actor, period: str, decision: str, *, now: datetime) -> tuple[IssueInfo, bool]:
    """Approve or hold the issue. Returns it and whether the decision changed."""
    actor.require(Role.ORGANISER, "approve the e-zine")
    if decision not in (APPROVED, HELD):
        raise DomainError("Approve or hold.")
    issue = get_issue(session, period)
    _editable(issue)
    changed = issue.decision != decision
    issue.decision, issue.decided_by_id, issue.decided_at = decision, actor.member_id, now
    if changed and decision == APPROVED and issue.due_at <= now:
        # Its time has passed while it waited for this answer (it was asked about again): it goes out now.
        ledger.schedule(session, kind=ISSUE, subject=SUBJECT,
                        occurrence=f"{period}{APPROVED_SUFFIX}/{now:%Y%m%dT%H%M%S%f}", due_at=now)
    session.flush()
    return issue_info(session, issue), changed


def ask_again(session: Session, period: str, content: dict[str, Any], *, now: datetime,
              answer_by: datetime) -> tuple[IssueInfo, list[tuple[str, MessageRef]]]:
    """The approved issue changed in a way its organisers have not seen: it waits for a new decision.

    `content` (the issue as it would go out now) becomes what they are asked about. Returns
    the issue and the earlier requests (organiser, request), whose buttons no longer
    stand for what would be posted. With no decision by `answer_by`, the rule for an
    unanswered issue (TECHNET_DIGEST_POST_UNAPPROVED) applies then.
    """
    issue = get_issue(session, period)
    _editable(issue)
    earlier = list(_approval_requests(issue))
    issue.content, issue.compiled_at = content, now
    issue.decision, issue.decided_by_id, issue.decided_at = CHANGED, None, now
    issue.status, issue.approval_messages = AWAITING, []
    ledger.schedule(session, kind=ISSUE, subject=SUBJECT, occurrence=f"{period}{ANSWER_SUFFIX}/{now:%Y%m%dT%H%M%S%f}",
                    due_at=answer_by)
    session.flush()
    return issue_info(session, issue), earlier


def set_intro(session: Session, actor: Actor, period: str, text: str, *, now: datetime) -> IssueInfo:
    actor.require(Role.ORGANISER, "edit the e-zine")
    issue = get_issue(session, period)
    _editable(issue)
    text = (text or "").strip()
    if len(text) > INTRO_LIMIT:
        raise DomainError(f"Keep the introduction to {INTRO_LIMIT:,} characters.", field=F_INTRO)
    issue.intro = text or None
    session.flush()
    return issue_info(session, issue)


def publish_now(session: Session, actor: Actor | None, period: str, *, now: datetime) -> IssueInfo:
    """Post the issue now instead of at its time; it counts as that period's issue.

    `actor=None` is the command line. The scheduled due rows are cancelled and one due
    now takes their place; posting itself is exactly once whichever row runs it.
    """
    if actor is not None:
        actor.require(Role.ORGANISER, "publish the e-zine")
    issue = get_issue(session, period)
    if issue.status == POSTED:
        raise DomainError(f"The e-zine of {period} has been posted already.")
    if issue.status in (SKIPPED, EMPTY) and issue.messages:
        raise DomainError(f"The e-zine of {period} was not posted ({issue.status}).")
    if actor is not None:
        issue.decision, issue.decided_by_id, issue.decided_at = APPROVED, actor.member_id, now
    else:
        issue.decision, issue.decided_at = APPROVED, now
    if issue.status in (SKIPPED, EMPTY):
        issue.status = PLANNED
    ledger.cancel_pending(session, kind=ISSUE, subject=SUBJECT, occurrence=period)
    ledger.cancel_pending(session, kind=APPROVAL, subject=SUBJECT, occurrence=period)
    # A key of its own each time: publishing again after a failure schedules a fresh attempt.
    ledger.schedule(session, kind=ISSUE, subject=SUBJECT,
                    occurrence=f"{period}{PUBLISH_SUFFIX}/{now:%Y%m%dT%H%M%S%f}", due_at=now)
    session.flush()
    return issue_info(session, issue)


def period_of_occurrence(occurrence: str) -> str:
    return occurrence.split("/", 1)[0]


def is_publish(occurrence: str) -> bool:
    return PUBLISH_SUFFIX + "/" in occurrence


def is_answer_by(occurrence: str) -> bool:
    return ANSWER_SUFFIX + "/" in occurrence


def mark(session: Session, period: str, status: str) -> None:
    issue = get_issue(session, period)
    if issue.status not in (POSTING, POSTED):
        issue.status = status


def warn(session: Session, period: str, warning: str) -> bool:
    """Record a template problem once per issue; True the first time (tell the organisers then)."""
    issue = get_issue(session, period)
    if issue.template_warning == warning:
        return False
    issue.template_warning = warning
    return True
