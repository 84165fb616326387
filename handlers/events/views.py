"""What `/tech events` shows: the paginated list, one event in full, the Home section and the
usage. The event card itself, which digests/ send too, is core/views/events.py; the organisers'
forms and the attendees are in organiser_views.py."""

from __future__ import annotations

from datetime import datetime, tzinfo

from core import ids, ui
from core.views.events import encode, event_blocks, lookup, note, place, status_text, when
from storage.events import EventInfo, EventPage

PAGE_SIZE = 10
SCOPE_TITLES = {"upcoming": "Upcoming events", "all": "All upcoming events", "mine": "Your events"}

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


def card_blocks(info: EventInfo, *, now: datetime, tz: tzinfo, manage: bool, lead: str | None = None
                ) -> list[ui.Block]:
    """One event in full, for the member who asked (`/tech event 42`)."""
    head: list[ui.Block] = [ui.header(info.title)]
    if lead:
        head.append(note(lead))
    return [*head, *event_blocks(info, now=now, tz=tz, scope="card", manage=manage, full=True)]


# The list ------------------------------------------------------------------------------------

def list_blocks(page: EventPage, *, scope: str, now: datetime, tz: tzinfo, tz_name: str, manage_ids: set[int],
                organiser: bool, lead: str | None = None) -> list[ui.Block]:
    """One page of events within a message's 50 blocks: 4 a card, 10 a page, 5 around them."""
    result: list[ui.Block] = [ui.header(SCOPE_TITLES[scope])]
    if lead:
        result.append(note(lead))
    if not page.items:
        empty = {"upcoming": "Nothing in the next 8 weeks.", "all": "Nothing coming up yet.",
                 "mine": "You haven't said you're going to anything coming up."}[scope]
        result.append(ui.section(empty + " " + _pointers(scope, organiser)))
        return result
    first, last = page.offset + 1, page.offset + len(page.items)
    result.append(ui.context(f"Times in {tz_name}. Showing {first}–{last} of {page.total}."))
    for info in page.items:
        result += event_blocks(info, now=now, tz=tz, scope=scope, offset=page.offset, manage=info.id in manage_ids)
        result.append(ui.divider())
    nav = []
    if page.offset > 0:
        nav.append(ui.button("‹ Previous", ids.EVENTS_PAGE, f"{scope}|{max(page.offset - page.limit, 0)}"))
    if page.has_more:
        nav.append(ui.button(f"Next {min(page.limit, page.total - last)} ›", ids.EVENTS_PAGE,
                             f"{scope}|{page.offset + page.limit}"))
    if nav:
        result.append(ui.actions(*nav, block_id="events_nav"))
    result.append(ui.context(_pointers(scope, organiser)))
    return result


def _pointers(scope: str, organiser: bool) -> str:
    hints = {"upcoming": "`/tech events all` lists everything after 8 weeks too",
             "all": "`/tech events mine` shows what you're going to",
             "mine": "`/tech events` shows what's on"}
    return hints[scope] + ("; `/tech event new` adds one." if organiser else ".")


# The Home tab --------------------------------------------------------------------------------

def home_blocks(coming: list[EventInfo], joinable: list[EventInfo], *, now: datetime, tz: tzinfo
                ) -> list[ui.Block]:
    """Your next events, and a few you could join with one click."""
    result: list[ui.Block] = [ui.section("*Your next events*")]
    if coming:
        for info in coming:
            result += [ui.Rich((ui.Bold(info.title), f"  ·  {when(info, tz, now)}"
                                + (f"  ·  {place(info)}" if place(info) else ""))),
                       ui.context(status_text(info, now, tz))]
    else:
        result.append(ui.context("Nothing yet: `/tech events` shows what's on."))
    if joinable:
        result.append(ui.section("*You could join*"))
        for info in joinable:
            result.append(ui.Rich((ui.Bold(info.title), f"  ·  {info.kind_label}  ·  {when(info, tz, now)}  ·  "
                                                         f"{lookup(info)}")))
            result.append(ui.actions(
                ui.button("Going" if not info.full else "Join the waitlist", ids.EVENTS_GOING,
                          encode(info.id, "home"), style="primary"),
                ui.button("Maybe", ids.EVENTS_MAYBE, encode(info.id, "home")),
                block_id=f"home_event_{info.id}"))
    return result

