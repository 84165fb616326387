"""An issue's content: each section collects plain data from one storage service; compiled once
and frozen for the organisers' approval, then refreshed from the store when it is posted, so the
posted issue never contradicts the store (`refreshed`: which changes are applied as they are and
which need the organisers' approval again)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, UTC
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import awards, events, members, news, opportunities, outputs, privacy, profiles
from storage.errors import NotFound
from storage.ezine.issues import POSTED, POSTING, Period, get_issue
from storage.models import Member
from storage.models.news import EzineIssue
from storage.words import noun, plural


# Sections ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    period: Period
    now: datetime
    # Figures about fewer people than this are left out (storage.privacy).
    min_group: int = privacy.MIN_GROUP


Item = dict[str, Any]
Collect = Callable[[Session, Context], list[Item]]


@dataclass(frozen=True)
class Change:
    """One way the store now differs from an item of the issue as it was frozen for approval."""

    section: str
    title: str
    what: str
    # Words or people the organisers have not seen: they approve the issue again before it goes out.
    asks: bool = False

    @property
    def note(self) -> str:
        return f"“{self.title}” {self.what}" if self.title else self.what


# The frozen items of one section -> what goes out now, and how that differs.
Refresh = Callable[[Session, Context, list[Item]], tuple[list[Item], list[Change]]]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    collect: Collect
    refresh: Refresh


def _news_item(n: news.NewsInfo) -> Item:
    return {"id": n.id, "title": n.title, "body": n.body, "link": n.link, "category": n.category,
            "category_label": n.category_label, "author_name": n.author_name, "author_user": n.author_user}


def _news(session: Session, ctx: Context) -> list[Item]:
    return [_news_item(n) for n in news.waiting_for_issue(session)]


def _refresh_news(session: Session, ctx: Context, frozen: list[Item]) -> tuple[list[Item], list[Change]]:
    """Organisers' corrections are theirs to make (an edit is an approval); a rejected item is dropped.
    News approved after the freeze waits for the next issue, as it always has."""
    waiting = {n.id: n for n in news.waiting_for_issue(session)}
    items: list[Item] = []
    changes: list[Change] = []
    for item in frozen:
        current = waiting.get(int(item["id"]))
        if current is None:
            changes.append(Change("news", str(item["title"]), "is no longer approved: left out"))
            continue
        fresh = _news_item(current)
        if _differs(item, fresh, ("title", "body", "link", "category_label")):
            changes.append(Change("news", fresh["title"], "was corrected by an organiser"))
        items.append(fresh)
    return items, changes


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
    never = datetime.min.replace(tzinfo=UTC)
    chosen = min(candidates, key=lambda m: (times[m.id], last.get(m.id, never), m.name.casefold(), m.id))
    return [_spotlight_item(session, chosen)]


def _spotlight_item(session: Session, member: Member) -> Item:
    # What the member shows in the directory, and nothing more: the e-zine goes university-wide.
    public = members.Actor(member_id=-1, identity=member.address, roles=frozenset())
    card = profiles.card_for(session, public, member.user_id)
    return {"member_id": card.member_id, "name": card.name, "job_title": card.job_title,
            "department": card.department, "bio": card.bio, "skills": list(card.skills[:6])}


SPOTLIGHT_WORDS = ("name", "job_title", "department", "bio", "skills")


def _refresh_spotlight(session: Session, ctx: Context, frozen: list[Item]) -> tuple[list[Item], list[Change]]:
    """The member's consent counts, not the approval: one who left the spotlight is dropped. Their
    own words changed since the freeze (a bio, a job title) are asked about again."""
    candidates = {m.id: m for m in profiles.spotlight_candidates(session)}
    items: list[Item] = []
    changes: list[Change] = []
    for item in frozen:
        member = candidates.get(int(item["member_id"]))
        if member is None:
            changes.append(Change("spotlight", str(item["name"]), "left the spotlight: left out"))
            continue
        fresh = _spotlight_item(session, member)
        if _differs(item, fresh, SPOTLIGHT_WORDS):
            changes.append(Change("spotlight", fresh["name"], "changed their profile", asks=True))
        items.append(fresh)
    return items, changes


def _events(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """What is on before the next issue (storage/events/), with what the RSVP button needs."""
    until = ctx.period.due + (ctx.period.due - ctx.period.start)
    return [_event_item(info, ctx) for info in events.upcoming_events(session, ctx.period.due, until)[:8]
            if info.closed_reason(ctx.period.due) is None]


def _event_item(info: events.EventInfo, ctx: Context) -> Item:
    places = info.places_left
    note = None if places is None else ("full: waitlist open" if places == 0 else f"{places} places left")
    return {"id": info.id, "title": info.title, "kind_label": info.kind_label,
            "when": _local(info.starts_at, ctx.period.tz), "location": info.location,
            "online": bool(info.online_link), "capacity_note": note, "going": info.counts.going}


def _refresh_events(session: Session, ctx: Context, frozen: list[Item]) -> tuple[list[Item], list[Change]]:
    """Each approved event as it stands: moved, renamed or fuller; a cancelled one stays, marked
    cancelled (readers may have planned on it; `when` says so, for override templates too) and
    without its Going button; one whose RSVPs closed is dropped. New events wait."""
    items: list[Item] = []
    changes: list[Change] = []
    for item in frozen:
        try:
            info = events.get_event(session, int(item["id"]))
        except NotFound:
            changes.append(Change("events", str(item["title"]), "was deleted: left out"))
            continue
        if info.cancelled:
            if not item.get("cancelled"):
                changes.append(Change("events", info.title, "was cancelled: shown cancelled"))
            items.append({**_event_item(info, ctx), "when": "Cancelled", "location": None, "online": False,
                          "capacity_note": None, "cancelled": True})
            continue
        if info.closed_reason(ctx.period.due) is not None:
            changes.append(Change("events", info.title, "no longer takes replies: left out"))
            continue
        fresh = _event_item(info, ctx)
        if _differs(item, fresh, ("when", "location", "online")):
            changes.append(Change("events", info.title, f"moved: now {fresh['when']}"
                                  f"{', ' + fresh['location'] if fresh['location'] else ''}"))
        elif _differs(item, fresh, ("title", "kind_label")):
            changes.append(Change("events", info.title, "was renamed by its organiser"))
        items.append(fresh)
    return items, changes


def _opportunities(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """Development opportunities whose deadline falls in the coming month (storage/opportunities/)."""
    today = ctx.period.due_local.date()
    return [_opportunity_item(o)
            for o in opportunities.closing_soon(session, today=today, within_days=31, limit=6)]


def _opportunity_item(o: opportunities.OpportunityInfo) -> Item:
    return {"id": o.id, "title": o.title, "kind_label": o.kind_label, "provider": o.provider, "link": o.link,
            "deadline_label": _day(o.deadline) if o.deadline else ""}


def _refresh_opportunities(session: Session, ctx: Context,
                           frozen: list[Item]) -> tuple[list[Item], list[Change]]:
    """Each approved opportunity as the catalogue has it now; gone or closed by the issue's day, dropped."""
    today = ctx.period.due_local.date()
    items: list[Item] = []
    changes: list[Change] = []
    for item in frozen:
        current: opportunities.OpportunityInfo | None
        try:
            current = opportunities.get_opportunity(session, int(item["id"]))
        except NotFound:
            current = None
        if current is None or current.deadline is None or current.deadline < today:
            changes.append(Change("opportunities", str(item["title"]), "is no longer open: left out"))
            continue
        fresh = _opportunity_item(current)
        if _differs(item, fresh, ("deadline_label",)):
            changes.append(Change("opportunities", fresh["title"], f"now closes {fresh['deadline_label']}"))
        items.append(fresh)
    return items, changes


def _awards(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """Awards open for nominations, and winners announced in the period (storage/awards/)."""
    return [*(_open_item(c, ctx) for c in awards.open_cycles(session, ctx.period.due)),
            *(_winner_item(w) for w in awards.announced_winners(session, ctx.period.start, ctx.period.due))]


def _open_item(cycle: awards.CycleInfo, ctx: Context) -> Item:
    return {"kind": "open", "title": cycle.title, "closes_label": _local(cycle.closes_at, ctx.period.tz)}


def _winner_item(w: awards.AnnouncedWinner) -> Item:
    return {"kind": "winner", "title": f"{w.award_name} {w.label}".strip(), "winner": w.winner.name,
            "shortlist": [r.name for r in w.shortlist if r.key != w.winner.key]}


def _refresh_awards(session: Session, ctx: Context, frozen: list[Item]) -> tuple[list[Item], list[Change]]:
    """An approved open award as it stands: its closing time, or shown closed once it closed (left
    out when its winner is in the issue). A winner announced since the freeze belongs to this
    period and to no other issue, so it goes in, and the organisers approve it first: it names people.

    Items are matched by title (award and label), which is all an issue frozen before now holds.
    """
    still_open = {c.title: c for c in awards.open_cycles(session, ctx.period.due)}
    winners = {item["title"]: item for item in (_winner_item(w) for w in awards.announced_winners(
        session, ctx.period.start, ctx.period.due))}
    items: list[Item] = []
    changes: list[Change] = []
    for item in frozen:
        title = str(item["title"])
        if item["kind"] == "winner":
            fresh = winners.pop(title, None)
            if fresh is None:
                changes.append(Change("awards", title, "winner is no longer announced: left out"))
            else:
                items.append(fresh)
        elif title in still_open:
            fresh = _open_item(still_open[title], ctx)
            if item["kind"] != "open" or _differs(item, fresh, ("closes_label",)):
                changes.append(Change("awards", title, f"now closes {fresh['closes_label']}"))
            items.append(fresh)
        elif title not in winners:
            if item["kind"] != "closed":
                changes.append(Change("awards", title, "closed for nominations: shown closed"))
            items.append({"kind": "closed", "title": title})
    for title, fresh in winners.items():
        changes.append(Change("awards", title, f"winner announced since: {fresh['winner']}", asks=True))
        items.append(fresh)
    return items, changes


def _research(session: Session, ctx: Context) -> list[Item]:
    """Research outputs with credit confirmed since the last issue (storage/outputs.py): only the
    technicians who confirmed are named, each by their own yes."""
    return [_research_item(r) for r in outputs.recognised_between(session, ctx.period.start, ctx.period.due)]


def _research_item(r: outputs.Recognised) -> Item:
    return {"id": r.id, "title": r.title, "link": r.url, "year": r.year, "kind_label": r.kind_label,
            "authors": [name for _, name in r.authors], "author_ids": [i for i, _ in r.authors],
            "acknowledged": [name for _, name in r.acknowledged], "acknowledged_ids": [i for i, _ in r.acknowledged]}


def _refresh_research(session: Session, ctx: Context, frozen: list[Item]) -> tuple[list[Item], list[Change]]:
    """Each frozen output as it stands: whoever withdrew their credit since is left out, and an output
    nobody stands by any more is dropped; people who confirmed since are named only after the
    organisers approve again. Outputs confirmed after the freeze wait for the next issue."""
    current = {r.id: _research_item(r) for r in outputs.recognised_between(
        session, datetime.min.replace(tzinfo=UTC), ctx.period.due)}
    items: list[Item] = []
    changes: list[Change] = []
    for item in frozen:
        fresh = current.get(int(item["id"]))
        if fresh is None:
            changes.append(Change("research", str(item["title"]), "is no longer confirmed by anyone: left out"))
            continue
        before = set(item["author_ids"]) | set(item["acknowledged_ids"])
        after = set(fresh["author_ids"]) | set(fresh["acknowledged_ids"])
        if after - before:
            changes.append(Change("research", fresh["title"], "was confirmed by more people since", asks=True))
        elif before - after:
            changes.append(Change("research", fresh["title"], "lost a credit that was withdrawn"))
        items.append(fresh)
    return items, changes


def _figures(session: Session, ctx: Context) -> list[dict[str, Any]]:
    """Counts for the period; a figure of nought is no news and is left out, and so is one about
    1 to N-1 people (the report's rule, storage.privacy): in a post to the whole network, "2 new
    members" or "(3 different people)" points at people one can name."""
    joined = session.scalar(select(func.count()).select_from(Member).where(
        Member.created_at >= ctx.period.start, Member.created_at < ctx.period.due,
        Member.is_bot.is_(False), Member.deactivated.is_(False))) or 0
    figures = []
    if joined and privacy.people(joined, ctx.min_group).exact:
        figures.append({"key": "new_members", "label": f"{noun(joined, 'new member')} joined the network",
                        "value": joined})
    met = events.attendance(session, ctx.period.start, ctx.period.due)
    if met.attendances and privacy.people(met.members, ctx.min_group).exact:
        meetings = plural(met.events, "network and team meeting")
        figures.append({"key": "meeting_attendance", "value": met.attendances,
                        "label": f"{noun(met.attendances, 'place')} taken at {meetings} "
                                 f"({plural(met.members, 'different person', 'different people')})"})
    return figures


def _refresh_figures(session: Session, ctx: Context, frozen: list[Item]) -> tuple[list[Item], list[Change]]:
    """Counts of the period: counted again, as they stand when the issue goes out."""
    return _figures(session, ctx), []


def _differs(before: Item, after: Item, keys: tuple[str, ...]) -> bool:
    return any(before.get(key) != after.get(key) for key in keys)


SECTIONS: list[Section] = [
    Section("news", "News from the network", _news, _refresh_news),
    Section("spotlight", "Technician spotlight", _spotlight, _refresh_spotlight),
    Section("events", "Coming up", _events, _refresh_events),
    Section("opportunities", "Opportunities closing soon", _opportunities, _refresh_opportunities),
    Section("awards", "Awards", _awards, _refresh_awards),
    Section("research", "Recognised in research", _research, _refresh_research),
    Section("figures", "The network in numbers", _figures, _refresh_figures),
]


def compile_issue(session: Session, period: Period, *, now: datetime,
                  min_group: int = privacy.MIN_GROUP) -> dict[str, Any]:
    """The issue as plain data: {period, due_at, date_label, month_label, sections: [...]}."""
    ctx = Context(period, now, min_group)
    return _issue(period, [(section, section.collect(session, ctx)) for section in SECTIONS])


def _issue(period: Period, found: list[tuple[Section, list[Item]]]) -> dict[str, Any]:
    sections = [{"key": section.key, "title": section.title, "items": items} for section, items in found if items]
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


def content_for(session: Session, period: str, tz: ZoneInfo, *, now: datetime,
                min_group: int = privacy.MIN_GROUP) -> dict[str, Any]:
    """The issue's frozen content, or what it would hold if compiled now."""
    issue = get_issue(session, period)
    if issue.content is not None:
        return dict(issue.content)
    return compile_issue(session, Period(issue.period, issue.period_start, issue.due_at, tz), now=now,
                         min_group=min_group)


def freeze(session: Session, period: str, tz: ZoneInfo, *, now: datetime,
           min_group: int = privacy.MIN_GROUP, compiled: dict[str, Any] | None = None) -> dict[str, Any]:
    """Compile the issue once and keep it: what organisers approve is what is posted.

    `compiled`: the issue as content_for just compiled it at `now`, kept instead of compiling again.
    """
    issue = get_issue(session, period)
    if issue.content is None:
        issue.content = compiled if compiled is not None else compile_issue(
            session, Period(issue.period, issue.period_start, issue.due_at, tz), now=now, min_group=min_group)
        issue.compiled_at = now
        session.flush()
    return dict(issue.content)


@dataclass(frozen=True)
class Refreshed:
    """What would be posted now, and how it differs from what was frozen for approval."""

    content: dict[str, Any]
    changes: tuple[Change, ...] = ()

    @property
    def asks(self) -> bool:
        """Whether an approved issue must be approved again before it goes out."""
        return any(change.asks for change in self.changes)


def refreshed(session: Session, period: str, tz: ZoneInfo, *, now: datetime,
              min_group: int = privacy.MIN_GROUP) -> Refreshed:
    """The issue as it would be posted now: never contradicting the store.

    An issue not frozen yet is compiled afresh. A frozen one (shown to the organisers for
    approval) keeps its items, each brought up to date by its section's `refresh`: facts
    (a time, a place, a closing date, a cancellation, an item withdrawn) are applied as they
    are; what the organisers have not read (a winner announced since, a member's changed
    profile) is included and marked `asks`. Other items added since wait for the next issue.
    Reads only: the caller keeps the result (`keep`) when it posts.
    """
    issue = get_issue(session, period)
    at = Period(issue.period, issue.period_start, issue.due_at, tz)
    if issue.content is None:
        return Refreshed(compile_issue(session, at, now=now, min_group=min_group))
    if issue.messages:
        # Posting has begun: what goes out is planned, message by message (and its news is published).
        return Refreshed(dict(issue.content))
    ctx = Context(at, now, min_group)
    frozen = {s["key"]: s["items"] for s in issue.content.get("sections", [])}
    found: list[tuple[Section, list[Item]]] = []
    changes: list[Change] = []
    for section in SECTIONS:
        items, changed = section.refresh(session, ctx, [dict(item) for item in frozen.get(section.key, [])])
        found.append((section, items))
        changes += changed
    return Refreshed({**issue.content, "sections": _issue(at, found)["sections"]}, tuple(changes))


def keep(session: Session, period: str, content: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """Keep `content` as the issue's (refreshed for posting, or changed and asked about again):
    the archive, the web page and the next approval then show exactly it."""
    issue = get_issue(session, period)
    issue.content, issue.compiled_at = content, now
    session.flush()
    return dict(content)


def refreeze(session: Session, period: str, tz: ZoneInfo, *, now: datetime,
             min_group: int = privacy.MIN_GROUP) -> dict[str, Any]:
    """Compile afresh (an organiser publishes now): only before posting has begun."""
    issue = get_issue(session, period)
    if issue.messages:
        return dict(issue.content or {})
    issue.content = None
    return freeze(session, period, tz, now=now, min_group=min_group)
