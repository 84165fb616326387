"""Block Kit for events: event cards, the paginated list, the Home section (the organisers'
forms and the attendees are in organiser_views.py).

Organiser text (titles, descriptions, places, reasons) is shown in rich_text and plain_text
elements, which Slack never parses: `<!channel>` stays text and `*bold*` keeps its
asterisks. mrkdwn carries only our own words, mentions we build from ids, and escaped text.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    Option,
    OverflowMenuElement,
    PlainTextObject,
    RichTextBlock,
    RichTextElementParts,
    RichTextSectionElement,
)

from bot import blocks
from core import ids
from core.markup import truncate
from handlers._common import malformed, payload_count, payload_id
from storage import events
from storage.events import EventInfo, EventPage
from storage.words import plural

PAGE_SIZE = 10
EXCERPT = 280
SCOPES = ("upcoming", "all", "mine")
# Where an RSVP button sits, so the click refreshes that: a list, a card, the Home tab, the
# channel post, a DM, or another feature's message ("note").
BUTTON_SCOPES = (*SCOPES, "card", "home", "post", "dm", "note")
SCOPE_TITLES = {"upcoming": "Upcoming events", "all": "All upcoming events", "mine": "Your events"}
CHOICE_ACTIONS = {ids.EVENTS_GOING: events.GOING, ids.EVENTS_MAYBE: events.MAYBE,
                  ids.EVENTS_NOT_GOING: events.NOT_GOING}

EVENTS_USAGE = (
    "*Events*\n"
    "`/tech events`  what is on in the next 8 weeks, with Going / Maybe / Can't go\n"
    "`/tech events all`  everything coming up, page by page\n"
    "`/tech events mine`  what you are going to (or waitlisted for)\n"
    "`/tech event <number>`  one event in full"
)
ORGANISER_USAGE = (
    "*For organisers*\n"
    "`/tech event new`  create an event or a series (weekly, fortnightly, monthly, quarterly)\n"
    "`/tech event attendees [number]`  who is going, maybe or waitlisted, with a CSV\n"
    "Edit, Cancel, Attendees and Send reminder now sit in the ⋯ menu on your events."
)


# Small pieces --------------------------------------------------------------------------------

def encode(event_id: int, scope: str, offset: int = 0) -> str:
    return f"{event_id}|{scope}|{offset}"


def decode(value: str) -> tuple[int, str, int]:
    """'42|upcoming|10' -> (42, 'upcoming', 10); a value no button of ours carries raises MalformedPayload.

    A bare event id ('42') is scope 'note': a Going button another feature puts in its own
    message (the e-zine) records the answer and confirms it ephemerally, leaving that message be.
    """
    event_id, _, rest = value.partition("|")
    scope, _, offset = rest.partition("|") if rest else ("note", "", "")
    if scope not in BUTTON_SCOPES:
        raise malformed(f"an RSVP button's scope is {scope[:20]!r}")
    return payload_id(event_id, "an RSVP button's event"), scope, payload_count(offset, "an RSVP button's page")


def _plain(text: str, limit: int = 150) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, limit), emoji=True)


def _option(text: str, value: str) -> Option:
    return Option(text=_plain(text, 75), value=value)


def rich(*parts: str | tuple[str, str]) -> RichTextBlock:
    """A rich_text block of literal text: a part is a string, ("bold", text) or (url, label)."""
    elements: list[Any] = []
    for part in parts:
        if isinstance(part, str):
            if part:
                elements.append(RichTextElementParts.Text(text=part))
        elif part[0] == "bold":
            elements.append(RichTextElementParts.Text(text=part[1], style={"bold": True}))
        else:
            elements.append(RichTextElementParts.Link(url=part[0], text=part[1]))
    return RichTextBlock(elements=[RichTextSectionElement(elements=elements or [RichTextElementParts.Text(text=" ")])])


def note(text: str) -> RichTextBlock:
    """A sentence of ours that may quote organiser text (a title), shown literally."""
    return rich(text.strip())


def day(moment: datetime, tz: tzinfo, now: datetime | None = None) -> str:
    local = moment.astimezone(tz)
    year = f" {local.year}" if now is not None and local.year != now.astimezone(tz).year else ""
    return f"{local:%a %-d %b}{year}"


def clock(moment: datetime, tz: tzinfo) -> str:
    return f"{moment.astimezone(tz):%H:%M}"


def when(info: EventInfo, tz: tzinfo, now: datetime | None = None) -> str:
    """'Wed 15 Jul, 10:00–12:00 BST' in the viewer's zone (the abbreviation shows which)."""
    start, end = info.starts_at.astimezone(tz), info.ends_at.astimezone(tz)
    if start.date() == end.date():
        return f"{day(start, tz, now)}, {start:%H:%M}–{end:%H:%M} {end:%Z}"
    return f"{day(start, tz, now)} {start:%H:%M} {start:%Z} – {day(end, tz, now)} {end:%H:%M} {end:%Z}"


def moment_text(moment: datetime, tz: tzinfo, now: datetime | None = None) -> str:
    local = moment.astimezone(tz)
    return f"{day(local, tz, now)} at {local:%H:%M} {local:%Z}"


def relative(start: datetime, now: datetime, tz: tzinfo) -> str:
    """'in an hour (10:00 BST)', 'tomorrow at 10:00 BST', 'on Wed 15 Jul at 10:00 BST'."""
    minutes = round((start - now).total_seconds() / 60)
    local = start.astimezone(tz)
    at = f"{local:%H:%M} {local:%Z}"
    if minutes <= 90:
        return f"in {'an hour' if minutes == 60 else f'{minutes} minutes'} ({at})"
    days = (local.date() - now.astimezone(tz).date()).days
    if days == 0:
        return f"today at {at}"
    if days == 1:
        return f"tomorrow at {at}"
    return f"on {day(local, tz, now)} at {at}"


def place(info: EventInfo) -> str:
    return ", ".join(p for p in (info.location, "online" if info.online_link else None) if p)


def series_note(info: EventInfo, tz: tzinfo) -> str:
    if not info.series_frequency or not info.series_until:
        return ""
    return f"Repeats {events.FREQUENCY_LABELS[info.series_frequency]} until {info.series_until:%-d %b %Y}"


# One event -----------------------------------------------------------------------------------

def summary(info: EventInfo, tz: tzinfo, now: datetime, *, excerpt: int | None = EXCERPT) -> RichTextBlock:
    """Title, kind, when and where, and the description (an excerpt in lists), all literal."""
    parts: list[str | tuple[str, str]] = [("bold", info.title), f"  ·  {info.kind_label}"]
    if info.cancelled:
        parts.append("  ·  CANCELLED")
    parts.append(f"\n🗓 {when(info, tz, now)}")
    if info.location:
        parts.append(f"\n📍 {info.location}")
    if info.online_link:
        parts += ["\n🔗 ", (info.online_link, "Join online")]
    if info.cancelled and info.cancel_reason:
        parts.append(f"\nWhy: {info.cancel_reason}")
    if info.description and excerpt != 0:
        text = info.description if excerpt is None else truncate(info.description, excerpt)
        parts.append("\n" + text)
    return rich(*parts)


def status_text(info: EventInfo, now: datetime, tz: tzinfo, *, personal: bool = True) -> str:
    """Our own words only (mrkdwn): counts, places, the deadline, the viewer's answer, the
    organiser and the event's number."""
    c = info.counts
    going = f"*{c.going}* going" + (f" of {info.capacity}" if info.capacity is not None else "")
    parts = [going]
    if c.maybe:
        parts.append(f"{c.maybe} maybe")
    if c.waitlist:
        parts.append(f"{c.waitlist} on the waitlist")
    reason = info.closed_reason(now)
    if reason is None:
        if info.places_left == 0:
            parts.append("full: Going joins the waitlist")
        elif info.places_left is not None:
            parts.append(f"{plural(info.places_left, 'place')} left")
        if info.rsvp_deadline:
            parts.append(f"RSVP by {moment_text(info.rsvp_deadline, tz, now)}")
    else:
        parts.append(closed_text(info, reason, tz, now))
    # A cancelled event keeps its RSVPs as history; none of them is a plan any more.
    if personal and info.viewer_status and not info.cancelled:
        parts.append({
            events.GOING: ":white_check_mark: You're going",
            events.WAITLIST: f":hourglass_flowing_sand: You're #{info.viewer_position or '?'} on the waitlist",
            events.MAYBE: ":thinking_face: You said maybe",
            events.NOT_GOING: "You said you can't go",
        }[info.viewer_status])
    line = "  ·  ".join(parts)
    organiser = f"Organised by <@{info.organiser_user}>" if info.organiser_user else ""
    extra = "  ·  ".join(p for p in (organiser, f"`{lookup(info)}`") if p)
    return f"{line}\n{extra}"


def lookup(info: EventInfo) -> str:
    """The command that shows the event again: members need its number as much as organisers."""
    return f"/tech event {info.id}"


def closed_text(info: EventInfo, reason: str, tz: tzinfo, now: datetime) -> str:
    return {
        events.CLOSED_CANCELLED: ":no_entry_sign: Cancelled",
        events.CLOSED_ENDED: "This event is over",
        events.CLOSED_STARTED: f"Started at {clock(info.starts_at, tz)}: RSVPs are closed",
        events.CLOSED_DEADLINE: "RSVPs closed at "
                                + (moment_text(info.rsvp_deadline, tz, now) if info.rsvp_deadline else ""),
    }[reason]


def event_actions(info: EventInfo, now: datetime, *, scope: str, offset: int = 0, manage: bool = False,
                  personal: bool = True) -> ActionsBlock | None:
    """Going / Maybe / Can't go while RSVPs are open, Add to calendar, and the organiser's menu."""
    value = encode(info.id, scope, offset)
    elements: list[Any] = []
    if info.closed_reason(now) is None:
        mine = info.viewer_status if personal else None
        for action_id, choice, label in ((ids.EVENTS_GOING, events.GOING, "Going"),
                                         (ids.EVENTS_MAYBE, events.MAYBE, "Maybe"),
                                         (ids.EVENTS_NOT_GOING, events.NOT_GOING, "Can't go")):
            chosen = mine == choice or (choice == events.GOING and mine == events.WAITLIST)
            style = "primary" if choice == events.GOING and not chosen and mine is None else None
            elements.append(blocks.button(("✓ " if chosen else "") + label, action_id, value, style=style))
    if not info.cancelled and now < info.ends_at:
        elements.append(blocks.button("Add to calendar", ids.EVENTS_ICS, str(info.id)))
    if manage:
        options = []
        if not info.cancelled and now < info.starts_at:
            options.append(_option("Edit", f"edit:{info.id}"))
        if not info.cancelled and now < info.ends_at:
            options.append(_option("Cancel the event", f"cancel:{info.id}"))
        options.append(_option("Attendees", f"attendees:{info.id}"))
        if not info.cancelled and now < info.starts_at and info.counts.going:
            options.append(_option("Send reminder now", f"remind:{info.id}"))
        elements.append(OverflowMenuElement(action_id=ids.EVENTS_MANAGE, options=options))
    return ActionsBlock(elements=elements, block_id=f"event_{info.id}") if elements else None


def event_blocks(info: EventInfo, *, now: datetime, tz: tzinfo, scope: str, offset: int = 0, manage: bool = False,
                 personal: bool = True, full: bool = False) -> list[Block]:
    """An event card: what, when, where (literal), the counts, and its buttons."""
    result: list[Block] = [summary(info, tz, now, excerpt=None if full else EXCERPT),
                           blocks.context(status_text(info, now, tz, personal=personal))]
    if full and info.series_frequency:
        result.append(blocks.context(series_note(info, tz)))
    buttons = event_actions(info, now, scope=scope, offset=offset, manage=manage, personal=personal)
    if buttons is not None:
        result.append(buttons)
    return result


def card_blocks(info: EventInfo, *, now: datetime, tz: tzinfo, manage: bool, lead: str | None = None) -> list[Block]:
    """One event in full, for the member who asked (`/tech event 42`)."""
    head: list[Block] = [blocks.header(info.title)]
    if lead:
        head.append(note(lead))
    return [*head, *event_blocks(info, now=now, tz=tz, scope="card", manage=manage, full=True)]


def post_blocks(info: EventInfo, *, now: datetime, tz: tzinfo, lead: str) -> list[Block]:
    """The channel post: the same for everyone, so no personal status; counts update in place."""
    return [note(lead), *event_blocks(info, now=now, tz=tz, scope="post", personal=False, full=True)]


def dm_blocks(text: str, info: EventInfo, *, now: datetime, tz: tzinfo) -> list[Block]:
    """A DM about an event: what happened, then the event with the member's own buttons."""
    return [note(text), *event_blocks(info, now=now, tz=tz, scope="dm", full=False)]


# The list ------------------------------------------------------------------------------------

def list_blocks(page: EventPage, *, scope: str, now: datetime, tz: tzinfo, tz_name: str, manage_ids: set[int],
                organiser: bool, lead: str | None = None) -> list[Block]:
    """One page of events within Slack's 50 blocks: 4 a card, 10 a page, 5 around them."""
    result: list[Block] = [blocks.header(SCOPE_TITLES[scope])]
    if lead:
        result.append(note(lead))
    if not page.items:
        empty = {"upcoming": "Nothing in the next 8 weeks.", "all": "Nothing coming up yet.",
                 "mine": "You haven't said you're going to anything coming up."}[scope]
        result.append(blocks.section(empty + " " + _pointers(scope, organiser)))
        return result
    first, last = page.offset + 1, page.offset + len(page.items)
    result.append(blocks.context(f"Times in {tz_name}. Showing {first}–{last} of {page.total}."))
    for info in page.items:
        result += event_blocks(info, now=now, tz=tz, scope=scope, offset=page.offset, manage=info.id in manage_ids)
        result.append(blocks.divider())
    nav = []
    if page.offset > 0:
        nav.append(blocks.button("‹ Previous", ids.EVENTS_PAGE, f"{scope}|{max(page.offset - page.limit, 0)}"))
    if page.has_more:
        nav.append(blocks.button(f"Next {min(page.limit, page.total - last)} ›", ids.EVENTS_PAGE,
                                 f"{scope}|{page.offset + page.limit}"))
    if nav:
        result.append(blocks.actions(*nav, block_id="events_nav"))
    result.append(blocks.context(_pointers(scope, organiser)))
    return result


def _pointers(scope: str, organiser: bool) -> str:
    hints = {"upcoming": "`/tech events all` lists everything after 8 weeks too",
             "all": "`/tech events mine` shows what you're going to",
             "mine": "`/tech events` shows what's on"}
    return hints[scope] + ("; `/tech event new` adds one." if organiser else ".")


# The Home tab --------------------------------------------------------------------------------

def home_blocks(coming: list[EventInfo], joinable: list[EventInfo], *, now: datetime, tz: tzinfo) -> list[Block]:
    """Your next events, and a few you could join with one click."""
    result: list[Block] = [blocks.section("*Your next events*")]
    if coming:
        for info in coming:
            result += [rich(("bold", info.title), f"  ·  {when(info, tz, now)}"
                            + (f"  ·  {place(info)}" if place(info) else "")),
                       blocks.context(status_text(info, now, tz))]
    else:
        result.append(blocks.context("Nothing yet: `/tech events` shows what's on."))
    if joinable:
        result.append(blocks.section("*You could join*"))
        for info in joinable:
            result.append(rich(("bold", info.title), f"  ·  {info.kind_label}  ·  {when(info, tz, now)}  ·  "
                               f"{lookup(info)}"))
            result.append(ActionsBlock(block_id=f"home_event_{info.id}", elements=[
                blocks.button("Going" if not info.full else "Join the waitlist", ids.EVENTS_GOING,
                              encode(info.id, "home"), style="primary"),
                blocks.button("Maybe", ids.EVENTS_MAYBE, encode(info.id, "home")),
            ]))
    return result
