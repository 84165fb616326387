"""The e-zine: one issue per period, compiled from what the store holds, as plain data.

An issue is a list of sections; each section collects plain data (dicts of str, int,
bool and lists, so the compiled issue can be frozen as JSON) from one storage service.
Empty sections are left out; an issue with no section is not posted.

Exactly once (DESIGN decision 3): the issue row is unique per period; when posting
starts, the messages are planned once and each is claimed, posted and recorded on its
own, so a restart or a second process continues with the next message, never repeats one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import awards, events, ledger, members, news, opportunities, profiles
from storage.errors import DomainError, NotFound
from storage.members import Actor, Role
from storage.models import Member
from storage.models.news import EzineIssue, EzineMessage

ISSUE = "ezine.issue"
APPROVAL = "ezine.approval"
SUBJECT = "ezine"
PUBLISH_SUFFIX = "/publish"
# Issue states.
PLANNED, AWAITING, POSTING, POSTED, SKIPPED, EMPTY = "planned", "awaiting", "posting", "posted", "skipped", "empty"
# Organisers' decisions.
APPROVED, HELD = "approved", "held"
INTRO_LIMIT = 1000
F_INTRO = "ezine_intro"
# A message claimed by a process that died is free again after this long.
MESSAGE_LEASE = ledger.LEASE


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
        return found.astimezone(timezone.utc)

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
                return last.astimezone(timezone.utc)
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
    channel_id: str | None
    # (organiser, channel, ts) of each approval request's buttons message.
    approval_messages: tuple[tuple[str, str, str], ...]
    messages_posted: int
    messages_planned: int

    @property
    def finished(self) -> bool:
        return self.status in (POSTED, SKIPPED, EMPTY)


def _info(session: Session, issue: EzineIssue) -> IssueInfo:
    posted = sum(1 for m in issue.messages if m.state == "posted")
    return IssueInfo(
        id=issue.id, period=issue.period, period_start=issue.period_start, due_at=issue.due_at, status=issue.status,
        decision=issue.decision, decided_by=issue.decided_by, intro=issue.intro, frozen=issue.content is not None,
        posted_at=issue.posted_at, permalink=issue.permalink, channel_id=issue.channel_id,
        approval_messages=tuple((str(u), str(c), str(t)) for u, c, t in issue.approval_messages or []),
        messages_posted=posted, messages_planned=len(issue.messages))


def _find(session: Session, period: str) -> EzineIssue | None:
    return session.scalar(select(EzineIssue).where(EzineIssue.period == period))


def _get(session: Session, period: str) -> EzineIssue:
    issue = _find(session, period)
    if issue is None:
        raise NotFound(f"There is no e-zine issue for {period}.")
    return issue


def get(session: Session, period: str) -> IssueInfo:
    return _info(session, _get(session, period))


def period_of(issue: IssueInfo, tz: ZoneInfo) -> Period:
    return Period(issue.period, issue.period_start, issue.due_at, tz)


def plan(session: Session, schedule: Schedule, *, now: datetime, approval_lead: timedelta) -> IssueInfo:
    """Make sure the next issue exists, with its due rows (idempotent: every tick may call it).

    The approval request is due `approval_lead` before the issue (at once if that has
    passed); no request when the lead is zero.
    """
    due = schedule.next_due(now)
    key = due.astimezone(schedule.tz).date().isoformat()
    issue = _find(session, key)
    if issue is not None:
        return _info(session, issue)
    start = schedule.previous_due(due) or due - timedelta(days=31)
    issue = EzineIssue(period=key, period_start=start, due_at=due, status=PLANNED, approval_messages=[],
                       created_at=now)
    try:
        with session.begin_nested():
            session.add(issue)
    except IntegrityError:
        # Another process planned the same period a moment ago.
        return _info(session, _get(session, key))
    ledger.schedule(session, kind=ISSUE, subject=SUBJECT, occurrence=key, due_at=due)
    if approval_lead > timedelta(0):
        ledger.schedule(session, kind=APPROVAL, subject=SUBJECT, occurrence=key,
                        due_at=max(now, due - approval_lead))
    session.flush()
    return _info(session, issue)


def next_issue(session: Session, schedule: Schedule, *, now: datetime, approval_lead: timedelta) -> IssueInfo:
    """The issue that is due next and not yet posted (planning it if need be)."""
    unfinished = session.scalar(select(EzineIssue).where(
        EzineIssue.status.in_((PLANNED, AWAITING, POSTING)), EzineIssue.due_at <= now)
        .order_by(EzineIssue.due_at.desc()).limit(1))
    if unfinished is not None:
        return _info(session, unfinished)
    return plan(session, schedule, now=now, approval_lead=approval_lead)


# Sections ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    period: Period
    now: datetime


Collect = Callable[[Session, Context], list[dict[str, Any]]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    collect: Collect


def _news(session: Session, ctx: Context) -> list[dict[str, Any]]:
    return [{"id": n.id, "title": n.title, "body": n.body, "link": n.link, "category": n.category,
             "category_label": n.category_label, "author_name": n.author_name, "author_user": n.author_user}
            for n in news.waiting_for_issue(session)]


def _local(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def _day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b}"


def _spotlight(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """One member who opted in (storage/profiles.py), rotating: nobody appears twice before all have once."""
    candidates = profiles.spotlight_candidates(session)
    if not candidates:
        return []
    shown = session.execute(select(EzineIssue.spotlight_member_id, EzineIssue.due_at).where(
        EzineIssue.status.in_((POSTING, POSTED)), EzineIssue.spotlight_member_id.is_not(None))).all()
    times = Counter(member_id for member_id, _ in shown)
    last = {member_id: due for member_id, due in sorted(shown, key=lambda row: row[1])}
    never = datetime.min.replace(tzinfo=timezone.utc)
    chosen = min(candidates, key=lambda m: (times[m.id], last.get(m.id, never), m.name.casefold(), m.id))
    # What the member shows in the directory, and nothing more: the e-zine goes university-wide.
    public = members.Actor(member_id=-1, slack_user_id="", roles=frozenset())
    card = profiles.card_for(session, public, chosen.slack_user_id)
    return [{"member_id": card.member_id, "name": card.name, "job_title": card.job_title,
             "department": card.department, "bio": card.bio, "skills": list(card.skills[:6])}]


def _events(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """What is on before the next issue (storage/events/), with what the RSVP button needs."""
    until = ctx.period.due + (ctx.period.due - ctx.period.start)
    result = []
    for info in events.upcoming_events(session, ctx.period.due, until)[:8]:
        if info.closed_reason(ctx.period.due) is not None:
            continue
        places = info.places_left
        note = None if places is None else ("full: waitlist open" if places == 0 else f"{places} places left")
        result.append({"id": info.id, "title": info.title, "kind_label": info.kind_label,
                       "when": _local(info.starts_at, ctx.period.tz), "location": info.location,
                       "online": bool(info.online_link), "capacity_note": note, "going": info.counts.going})
    return result


def _opportunities(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """Development opportunities whose deadline falls in the coming month (storage/opportunities.py)."""
    today = ctx.period.due_local.date()
    return [{"id": o.id, "title": o.title, "kind_label": o.kind_label, "provider": o.provider, "link": o.link,
             "deadline_label": _day(o.deadline) if o.deadline else ""}
            for o in opportunities.closing_soon(session, today=today, within_days=31, limit=6)]


def _awards(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """Awards open for nominations, and winners announced in the period (storage/awards/)."""
    result: list[dict[str, Any]] = [
        {"kind": "open", "title": c.title, "closes_label": _local(c.closes_at, ctx.period.tz)}
        for c in awards.open_cycles(session, ctx.period.due)]
    result += [{"kind": "winner", "title": f"{w.award_name} {w.label}".strip(), "winner": w.winner.name,
                "shortlist": [r.name for r in w.shortlist if r.key != w.winner.key]}
               for w in awards.announced_winners(session, ctx.period.start, ctx.period.due)]
    return result


def _figures(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """Counts for the period; a figure of nought is no news and is left out."""
    joined = session.scalar(select(func.count()).select_from(Member).where(
        Member.created_at >= ctx.period.start, Member.created_at < ctx.period.due,
        Member.is_bot.is_(False), Member.deactivated.is_(False))) or 0
    figures = []
    if joined:
        figures.append({"key": "new_members", "label": "new members joined the network", "value": joined})
    met = events.attendance(session, ctx.period.start, ctx.period.due)
    if met.attendances:
        figures.append({"key": "meeting_attendance", "value": met.attendances,
                        "label": f"places taken at {met.events} network and team meeting{'s' if met.events != 1 else ''}"
                                 f" ({met.members} different people)"})
    return figures


SECTIONS: list[Section] = [
    Section("news", "News from the network", _news),
    Section("spotlight", "Technician spotlight", _spotlight),
    Section("events", "Coming up", _events),
    Section("opportunities", "Opportunities closing soon", _opportunities),
    Section("awards", "Awards", _awards),
    Section("figures", "The network in numbers", _figures),
]


def compile_issue(session: Session, period: Period, *, now: datetime) -> dict[str, Any]:
    """The issue as plain data: {period, due_at, date_label, month_label, sections: [...]}."""
    ctx = Context(period, now)
    sections = []
    for section in SECTIONS:
        items = section.collect(session, ctx)
        if items:
            sections.append({"key": section.key, "title": section.title, "items": items})
    local = period.due_local
    return {
        "period": period.key,
        "due_at": period.due.isoformat(),
        "date_label": f"{local:%A} {local.day} {local:%B %Y}",
        "month_label": f"{local:%B %Y}",
        "sections": sections,
    }


def is_empty(content: dict[str, Any]) -> bool:
    return not content.get("sections")


def item_count(content: dict[str, Any]) -> int:
    return sum(len(s["items"]) for s in content.get("sections", []))


def content_for(session: Session, period: str, tz: ZoneInfo, *, now: datetime) -> dict[str, Any]:
    """The issue's frozen content, or what it would hold if compiled now."""
    issue = _get(session, period)
    if issue.content is not None:
        return dict(issue.content)
    return compile_issue(session, Period(issue.period, issue.period_start, issue.due_at, tz), now=now)


def freeze(session: Session, period: str, tz: ZoneInfo, *, now: datetime) -> dict[str, Any]:
    """Compile the issue once and keep it: what organisers approve is what is posted."""
    issue = _get(session, period)
    if issue.content is None:
        issue.content = compile_issue(session, Period(issue.period, issue.period_start, issue.due_at, tz), now=now)
        issue.compiled_at = now
        session.flush()
    return dict(issue.content)


def refreeze(session: Session, period: str, tz: ZoneInfo, *, now: datetime) -> dict[str, Any]:
    """Compile afresh (an organiser publishes now): only before posting has begun."""
    issue = _get(session, period)
    if issue.messages:
        return dict(issue.content or {})
    issue.content = None
    return freeze(session, period, tz, now=now)


# Editorial decisions -----------------------------------------------------------------

def _editable(issue: EzineIssue) -> None:
    if issue.status in (POSTING, POSTED):
        raise DomainError(f"The e-zine of {issue.period} has been posted already.")
    if issue.status in (SKIPPED, EMPTY):
        raise DomainError(f"The e-zine of {issue.period} was not posted ({issue.status}); its time has passed.")


def approval_sent(session: Session, period: str, organiser: str, channel: str, ts: str) -> None:
    """Record one organiser's approval request, so a retried run does not ask them twice."""
    issue = _get(session, period)
    if issue.status == PLANNED:
        issue.status = AWAITING
    issue.approval_messages = [*(issue.approval_messages or []), [organiser, channel, ts]]
    session.flush()


def organisers(session: Session, configured: frozenset[str]) -> list[str]:
    """Who is asked to approve and told about problems: configured organisers and stored ones."""
    stored = {m.slack_user_id for m in session.scalars(select(Member).where(Member.deactivated.is_(False))).all()
              if Role.ORGANISER.value in (m.roles or [])}
    return sorted(configured | stored)


def decide(session: Session, actor: Actor, period: str, decision: str, *, now: datetime) -> tuple[IssueInfo, bool]:
    """Approve or hold the issue. Returns it and whether the decision changed."""
    actor.require(Role.ORGANISER, "approve the e-zine")
    if decision not in (APPROVED, HELD):
        raise DomainError("Approve or hold.")
    issue = _get(session, period)
    _editable(issue)
    changed = issue.decision != decision
    issue.decision, issue.decided_by, issue.decided_at = decision, actor.slack_user_id, now
    session.flush()
    return _info(session, issue), changed


def set_intro(session: Session, actor: Actor, period: str, text: str, *, now: datetime) -> IssueInfo:
    actor.require(Role.ORGANISER, "edit the e-zine")
    issue = _get(session, period)
    _editable(issue)
    text = (text or "").strip()
    if len(text) > INTRO_LIMIT:
        raise DomainError(f"Keep the introduction to {INTRO_LIMIT:,} characters.", field=F_INTRO)
    issue.intro = text or None
    session.flush()
    return _info(session, issue)


def publish_now(session: Session, actor: Actor | None, period: str, *, now: datetime) -> IssueInfo:
    """Post the issue now instead of at its time; it counts as that period's issue.

    `actor=None` is the command line. The scheduled due rows are cancelled and one due
    now takes their place; posting itself is exactly once whichever row runs it.
    """
    if actor is not None:
        actor.require(Role.ORGANISER, "publish the e-zine")
    issue = _get(session, period)
    if issue.status == POSTED:
        raise DomainError(f"The e-zine of {period} has been posted already.")
    if issue.status in (SKIPPED, EMPTY) and issue.messages:
        raise DomainError(f"The e-zine of {period} was not posted ({issue.status}).")
    if actor is not None:
        issue.decision, issue.decided_by, issue.decided_at = APPROVED, actor.slack_user_id, now
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
    return _info(session, issue)


def period_of_occurrence(occurrence: str) -> str:
    return occurrence.split("/", 1)[0]


def is_publish(occurrence: str) -> bool:
    return PUBLISH_SUFFIX + "/" in occurrence


def mark(session: Session, period: str, status: str) -> None:
    issue = _get(session, period)
    if issue.status not in (POSTING, POSTED):
        issue.status = status


def warn(session: Session, period: str, warning: str) -> bool:
    """Record a template problem once per issue; True the first time (tell the organisers then)."""
    issue = _get(session, period)
    if issue.template_warning == warning:
        return False
    issue.template_warning = warning
    return True


# Posting, one message at a time -------------------------------------------------------

@dataclass(frozen=True)
class PlannedMessage:
    position: int
    text: str
    blocks: list[dict[str, Any]]


def begin_posting(session: Session, period: str, messages: list[tuple[str, list[dict[str, Any]]]], *,
                  channel_id: str, html: str, now: datetime) -> bool:
    """Plan the issue's messages, once. True if this call planned them.

    The news items and the spotlight are recorded as published here, in the same unit of
    work, so the next issue does not repeat them even if posting takes several attempts.
    """
    issue = _get(session, period)
    if issue.messages:
        return False
    content = issue.content or {}
    try:
        with session.begin_nested():
            for position, (text, blocks) in enumerate(messages):
                session.add(EzineMessage(issue_id=issue.id, position=position, text=text, blocks=blocks,
                                         state="planned"))
            issue.status, issue.channel_id, issue.html = POSTING, channel_id, html
            for section in content.get("sections", []):
                if section["key"] == "news":
                    news.mark_published(session, [int(item["id"]) for item in section["items"]], issue.id)
                if section["key"] == "spotlight" and section["items"]:
                    issue.spotlight_member_id = int(section["items"][0]["member_id"])
    except IntegrityError:
        # Another process planned the messages first (the same ones): its plan stands.
        return False
    return True


def claim_next_message(session: Session, period: str, *, now: datetime) -> PlannedMessage | None | bool:
    """Claim the first message not yet posted. None: all are posted. False: another process holds one."""
    issue = _get(session, period)
    for message in issue.messages:
        if message.state == "posted":
            continue
        won = session.execute(
            update(EzineMessage)
            .where(EzineMessage.issue_id == issue.id, EzineMessage.position == message.position,
                   or_(EzineMessage.state == "planned",
                       and_(EzineMessage.state == "posting", EzineMessage.claimed_until <= now)))
            .values(state="posting", claimed_until=now + MESSAGE_LEASE),
            execution_options={"synchronize_session": False}).rowcount
        if won != 1:
            return False
        return PlannedMessage(message.position, message.text, list(message.blocks))
    return None


def message_posted(session: Session, period: str, position: int, ts: str, *, now: datetime) -> None:
    issue = _get(session, period)
    session.execute(update(EzineMessage).where(EzineMessage.issue_id == issue.id, EzineMessage.position == position)
                    .values(state="posted", ts=ts, posted_at=now, claimed_until=None),
                    execution_options={"synchronize_session": False})


def release_message(session: Session, period: str, position: int) -> None:
    """Slack refused the message: it was not posted, and the next attempt tries it again."""
    issue = _get(session, period)
    session.execute(update(EzineMessage).where(EzineMessage.issue_id == issue.id, EzineMessage.position == position,
                                               EzineMessage.state == "posting")
                    .values(state="planned", claimed_until=None), execution_options={"synchronize_session": False})


def finish(session: Session, period: str, *, now: datetime, permalink: str | None) -> IssueInfo:
    issue = _get(session, period)
    states = session.scalars(select(EzineMessage.state).where(EzineMessage.issue_id == issue.id)).all()
    if states and all(state == "posted" for state in states) and issue.status != POSTED:
        issue.status, issue.posted_at, issue.permalink = POSTED, now, permalink
    session.flush()
    return _info(session, issue)


def first_message_ts(session: Session, period: str) -> str | None:
    issue = _get(session, period)
    return issue.messages[0].ts if issue.messages else None


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
    issue = _find(session, period)
    if issue is None or issue.status != POSTED or not issue.html:
        raise NotFound(f"No posted e-zine for {period}; `technet digest archive` lists them.")
    return issue.html


def archived_content(session: Session, period: str) -> tuple[dict[str, Any], str | None]:
    issue = _find(session, period)
    if issue is None or issue.status != POSTED:
        raise NotFound(f"No posted e-zine for {period}.")
    return dict(issue.content or {}), issue.intro
