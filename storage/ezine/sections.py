"""An issue's content: each section collects plain data from one storage service; compiled once
and frozen, so what organisers approve is what is posted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import awards, events, members, news, opportunities, privacy, profiles
from storage.ezine.issues import POSTED, POSTING, Period, get_issue
from storage.models import Member
from storage.models.news import EzineIssue


# Sections ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    period: Period
    now: datetime
    # Figures about fewer people than this are left out (storage.privacy).
    min_group: int = privacy.MIN_GROUP


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
    """One member who opted in (storage/profiles/), rotating: nobody appears twice before all have once."""
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
    """Development opportunities whose deadline falls in the coming month (storage/opportunities/)."""
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
    """Counts for the period; a figure of nought is no news and is left out, and so is one about
    1 to N-1 people (the report's rule, storage.privacy): in a post to the whole network, "2 new
    members" or "(3 different people)" points at people one can name."""
    joined = session.scalar(select(func.count()).select_from(Member).where(
        Member.created_at >= ctx.period.start, Member.created_at < ctx.period.due,
        Member.is_bot.is_(False), Member.deactivated.is_(False))) or 0
    figures = []
    if joined and privacy.people(joined, ctx.min_group).exact:
        figures.append({"key": "new_members", "label": "new members joined the network", "value": joined})
    met = events.attendance(session, ctx.period.start, ctx.period.due)
    if met.attendances and privacy.people(met.members, ctx.min_group).exact:
        meetings = f"{met.events} network and team meeting{'s' if met.events != 1 else ''}"
        figures.append({"key": "meeting_attendance", "value": met.attendances,
                        "label": f"places taken at {meetings} ({met.members} different people)"})
    return figures


SECTIONS: list[Section] = [
    Section("news", "News from the network", _news),
    Section("spotlight", "Technician spotlight", _spotlight),
    Section("events", "Coming up", _events),
    Section("opportunities", "Opportunities closing soon", _opportunities),
    Section("awards", "Awards", _awards),
    Section("figures", "The network in numbers", _figures),
]


def compile_issue(session: Session, period: Period, *, now: datetime,
                  min_group: int = privacy.MIN_GROUP) -> dict[str, Any]:
    """The issue as plain data: {period, due_at, date_label, month_label, sections: [...]}."""
    ctx = Context(period, now, min_group)
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
    issue = get_issue(session, period)
    if issue.content is not None:
        return dict(issue.content)
    return compile_issue(session, Period(issue.period, issue.period_start, issue.due_at, tz), now=now)


def freeze(session: Session, period: str, tz: ZoneInfo, *, now: datetime) -> dict[str, Any]:
    """Compile the issue once and keep it: what organisers approve is what is posted."""
    issue = get_issue(session, period)
    if issue.content is None:
        issue.content = compile_issue(session, Period(issue.period, issue.period_start, issue.due_at, tz), now=now)
        issue.compiled_at = now
        session.flush()
    return dict(issue.content)


def refreeze(session: Session, period: str, tz: ZoneInfo, *, now: datetime) -> dict[str, Any]:
    """Compile afresh (an organiser publishes now): only before posting has begun."""
    issue = get_issue(session, period)
    if issue.messages:
        return dict(issue.content or {})
    issue.content = None
    return freeze(session, period, tz, now=now)
