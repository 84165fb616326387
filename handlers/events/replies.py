"""Replies within the ack (database reads only): `/tech events`, `/tech event`, a card, the
attendees, what a click or a saved form says, and the Home section."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from core import ui
from core.commands import split
from core.markup import escape
from core.request import Request
from core.views.events import note, series_note, when
from digests.reminders import reminder_rules
from handlers._common import member_tz, typed_id
from handlers.events import organiser_views, views
from storage import events
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role
from storage.words import plural

if TYPE_CHECKING:
    from core.services import Services

ALL_WORDS = ("all", "more")
MINE_WORDS = ("mine", "my", "me")


def events_reply(runtime: Services, request: Request) -> ui.Message:
    """`/tech events [all|mine]`."""
    rest, actor = request.words, request.actor
    word = rest.lower()
    if word == "":
        return list_reply(runtime, request, "upcoming")
    if word in ALL_WORDS:
        return list_reply(runtime, request, "all")
    if word in MINE_WORDS:
        return list_reply(runtime, request, "mine")
    if word == "help":
        return _usage(actor)
    return _usage(actor, f"I don't know `/tech events {escape(rest[:60])}`.")


def opens_new_event_form(request: Request) -> bool:
    """Whether `/tech event ...` is an organiser's `new`: its reply says the form is opening."""
    verb, argument = split(request.words)
    return verb == "new" and not argument and request.actor.has(Role.ORGANISER)


def event_reply(runtime: Services, request: Request) -> ui.Message:
    """`/tech event new|attendees [n]|<n>`."""
    rest, actor = request.words, request.actor
    verb, argument = split(rest)
    if verb in ("", "help"):
        return _usage(actor)
    if verb == "new" and not argument:
        if not actor.has(Role.ORGANISER):
            return _say("⛔ Only network organisers can create events. Ask one of them, or see `/tech events`.")
        return _say("🗓 Opening the form for a new event…")
    if verb == "attendees":
        if not actor.has(Role.ORGANISER):
            return _say("⛔ Only network organisers can see who is coming to events.")
        if not argument:
            with runtime.db.reading() as session:
                found = events.recent_and_upcoming(session, actor, now=now())
            return ui.message(organiser_views.choose_event_blocks(found, tz=request.tz, now=now()))
        try:
            event_id = typed_id(argument, f"`/tech event attendees` takes an event's number, like "
                                          f"`/tech event attendees 12`, not `{argument[:40]}`.")
        except DomainError as e:
            return _usage(actor, escape(e.message))
        return attendees_reply(runtime, request, event_id)
    if verb.lstrip("#")[:1].isdigit() and not argument:
        try:
            event_id = typed_id(verb, f"`{verb[:40]}` is not an event's number. `/tech events` lists what's on.")
        except DomainError as e:
            return _usage(actor, escape(e.message))
        return card_reply(runtime, request, event_id)
    return _usage(actor, f"I don't know `/tech event {escape(rest[:60])}`.")


def list_reply(runtime: Services, request: Request, scope: str, *, offset: int = 0,
               lead: str | None = None) -> ui.Message:
    moment = now()
    until = moment + events.DEFAULT_HORIZON if scope == "upcoming" else None
    actor, tz = request.actor, request.tz
    page = events.events_page(runtime.db, now=moment, until=until, viewer=actor.member_id, offset=offset,
                              limit=views.PAGE_SIZE, mine=scope == "mine")
    manage = {i.id for i in page.items if events.can_manage(actor, i.organiser_member_id)}
    body = views.list_blocks(page, scope=scope, now=moment, tz=tz, tz_name=str(tz), manage_ids=manage,
                             organiser=actor.has(Role.ORGANISER), lead=lead)
    return ui.message(body)


def card_reply(runtime: Services, request: Request, event_id: int, *, lead: str | None = None) -> ui.Message:
    actor = request.actor
    try:
        with runtime.db.reading() as session:
            info = events.get_event(session, event_id, viewer=actor.member_id)
    except DomainError as e:
        return _say(f"⛔ {e.message} `/tech events` lists what's on.")
    body = views.card_blocks(info, now=now(), tz=request.tz,
                             manage=events.can_manage(actor, info.organiser_member_id), lead=lead)
    return ui.message(body)


def attendees_reply(runtime: Services, request: Request, event_id: int) -> ui.Message:
    actor = request.actor
    try:
        with runtime.db.reading() as session:
            found = events.attendees(session, actor, event_id)
    except DomainError as e:
        return _say(f"⛔ {e.message}")
    body = organiser_views.attendees_blocks(found, tz=request.tz, now=now(),
                                            manage=events.can_manage(actor, found.event.organiser_member_id))
    return ui.message(body)


def new_event_modal(runtime: Services, request: Request) -> ui.Form:
    return organiser_views.event_modal(tz=request.tz, announce_to=runtime.settings.network_channel)


def confirmation(runtime: Services, outcome: events.RsvpOutcome, *, now: datetime) -> str:
    """What an RSVP says; `now` is the moment the answer was recorded, so the reminders it
    promises are the ones that were scheduled."""
    title = outcome.event.title
    if outcome.status == events.GOING:
        said = "You're going" if outcome.changed else "You're already going"
        promise = reminder_rules(runtime.settings).promise(outcome.event.starts_at, outcome.event.tz, now)
        return f"✅ {said} to “{title}”." + (f" {promise}" if promise else "")
    if outcome.status == events.WAITLIST:
        return (f"⏳ “{title}” is full: you're #{outcome.event.viewer_position} on the waitlist. If a place comes "
                "up, it's yours and I'll tell you by DM.")
    if outcome.status == events.MAYBE:
        return f"🤔 Noted: maybe for “{title}”. Press Going when you know; maybe doesn't hold a place."
    return f"👍 Noted: you can't go to “{title}”." + (" Your place went to the next on the waitlist."
                                                     if outcome.promoted else "")


def created_text(runtime: Services, created: list[events.EventInfo], form: events.EventForm) -> str:
    first = created[0]
    tz = runtime.settings.tz
    text = f"“{first.title}” is on: {when(first, tz)}."
    if len(created) > 1:
        text += f" {series_note(first, tz)}: {len(created)} events, each with its own RSVPs."
    if form.announce and runtime.settings.network_channel:
        text += " It's being announced in the network channel."
    return text + " Members can RSVP from /tech events."


def edited_text(outcome: events.EditOutcome) -> str:
    if not outcome.changed:
        return f"Nothing changed in “{outcome.event.title}”."
    text = f"Saved “{outcome.event.title}”."
    if outcome.told:
        text += f" {plural(outcome.told, 'person', 'people')} going or on the waitlist get a DM saying what changed."
    if outcome.promoted:
        text += f" {plural(len(outcome.promoted), 'person', 'people')} moved up from the waitlist, told by DM."
    return text


def home_section(runtime: Services, actor: Actor) -> list[ui.Block]:
    moment = now()
    with runtime.db.reading() as session:
        coming = events.next_for_member(session, actor.member_id, now=moment)
        joinable = events.could_join(session, actor.member_id, now=moment)
    return views.home_blocks(coming, joinable, now=moment, tz=member_tz(runtime, actor))


def _usage(actor: Actor, problem: str | None = None) -> ui.Message:
    text = views.EVENTS_USAGE + ("\n\n" + views.ORGANISER_USAGE if actor.has(Role.ORGANISER) else "")
    return ui.message([*([ui.section(problem)] if problem else []), ui.section(text)])


def _say(text: str) -> ui.Message:
    """Our sentence, which may quote organiser text: shown literally (rich text)."""
    return ui.message([note(text)])
