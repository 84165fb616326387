"""The event card, shared by `/tech events` and the posts and DMs digests/ send: what, when and
where, the counts, and the Going / Maybe / Can't go buttons; and the words for times and places.

Organiser text (titles, descriptions, places, reasons) is shown in rich text and plain words,
which no surface reads as markup: `<!channel>` stays text and `*bold*` keeps its asterisks.
Markup carries only our own words, mentions we build from ids, and escaped text.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from jinja2 import Environment

from core import ids, ui
from core.markup import truncate
from storage import events
from storage.events import EventInfo
from storage.words import plural

EXCERPT = 280
SCOPES = ("upcoming", "all", "mine")
# Where an RSVP button sits, so the click refreshes that: a list, a card, the Home tab, the
# channel post, a DM, or another feature's message ("note").
BUTTON_SCOPES = (*SCOPES, "card", "home", "post", "dm", "note")


def encode(event_id: int, scope: str, offset: int = 0) -> str:
    """An RSVP button's value: the event, where the button sits, and the page it is on."""
    return f"{event_id}|{scope}|{offset}"


def note(text: str) -> ui.Rich:
    """A sentence of ours that may quote organiser text (a title), shown literally."""
    return ui.Rich((text.strip(),))


# Times and places, in the viewer's zone ---------------------------------------------------------

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

def summary(info: EventInfo, tz: tzinfo, now: datetime, *, excerpt: int | None = EXCERPT) -> ui.Rich:
    """Title, kind, when and where, and the description (an excerpt in lists), all literal."""
    parts: list[str | ui.Bold | ui.Link] = [ui.Bold(info.title), f"  ·  {info.kind_label}"]
    if info.cancelled:
        parts.append("  ·  CANCELLED")
    parts.append(f"\n🗓 {when(info, tz, now)}")
    if info.location:
        parts.append(f"\n📍 {info.location}")
    if info.online_link:
        parts += ["\n🔗 ", ui.Link(info.online_link, "Join online")]
    if info.cancelled and info.cancel_reason:
        parts.append(f"\nWhy: {info.cancel_reason}")
    if info.description and excerpt != 0:
        text = info.description if excerpt is None else truncate(info.description, excerpt)
        parts.append("\n" + text)
    return ui.Rich(tuple(parts))


def status_text(info: EventInfo, now: datetime, tz: tzinfo, *, personal: bool = True) -> ui.Markup:
    """Our own words only: counts, places, the deadline, the viewer's answer, the organiser and
    the event's number."""
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
                  personal: bool = True) -> ui.Actions | None:
    """Going / Maybe / Can't go while RSVPs are open, Add to calendar, and the organiser's menu."""
    value = encode(info.id, scope, offset)
    elements: list[ui.Control] = []
    if info.closed_reason(now) is None:
        mine = info.viewer_status if personal else None
        for action_id, choice, label in ((ids.EVENTS_GOING, events.GOING, "Going"),
                                         (ids.EVENTS_MAYBE, events.MAYBE, "Maybe"),
                                         (ids.EVENTS_NOT_GOING, events.NOT_GOING, "Can't go")):
            chosen = mine == choice or (choice == events.GOING and mine == events.WAITLIST)
            style = "primary" if choice == events.GOING and not chosen and mine is None else None
            elements.append(ui.button(("✓ " if chosen else "") + label, action_id, value, style=style))
    if not info.cancelled and now < info.ends_at:
        elements.append(ui.button("Add to calendar", ids.EVENTS_ICS, str(info.id)))
    if manage:
        options = []
        if not info.cancelled and now < info.starts_at:
            options.append(ui.option("Edit", f"edit:{info.id}"))
        if not info.cancelled and now < info.ends_at:
            options.append(ui.option("Cancel the event", f"cancel:{info.id}"))
        options.append(ui.option("Attendees", f"attendees:{info.id}"))
        if not info.cancelled and now < info.starts_at and info.counts.going:
            options.append(ui.option("Send reminder now", f"remind:{info.id}"))
        elements.append(ui.Menu(action_id=ids.EVENTS_MANAGE, options=tuple(options)))
    return ui.actions(*elements, block_id=f"event_{info.id}") if elements else None


def event_blocks(info: EventInfo, *, now: datetime, tz: tzinfo, scope: str, offset: int = 0, manage: bool = False,
                 personal: bool = True, full: bool = False) -> list[ui.Block]:
    """An event card: what, when, where (literal), the counts, and its buttons."""
    result: list[ui.Block] = [summary(info, tz, now, excerpt=None if full else EXCERPT),
                              ui.context(status_text(info, now, tz, personal=personal))]
    if full and info.series_frequency:
        result.append(ui.context(series_note(info, tz)))
    buttons = event_actions(info, now, scope=scope, offset=offset, manage=manage, personal=personal)
    if buttons is not None:
        result.append(buttons)
    return result


def post_blocks(info: EventInfo, *, now: datetime, tz: tzinfo, lead: str) -> list[ui.Block]:
    """The channel post: the same for everyone, so no personal status; counts update in place."""
    return [note(lead), *event_blocks(info, now=now, tz=tz, scope="post", personal=False, full=True)]


def post_lead(templates: Environment, info: EventInfo, *, tz: tzinfo, count: int = 1) -> str:
    """The channel post's first line: a new event (or series) and who organises it."""
    series = series_note(info, tz) if count > 1 else ""
    return templates.get_template("events_announce.txt.j2").render(
        kind=info.kind_label, organiser=info.organiser_name or "an organiser", series=series, count=count)


def dm_blocks(text: str, info: EventInfo, *, now: datetime, tz: tzinfo) -> list[ui.Block]:
    """A DM about an event: what happened, then the event with the member's own buttons."""
    return [note(text), *event_blocks(info, now=now, tz=tz, scope="dm", full=False)]
