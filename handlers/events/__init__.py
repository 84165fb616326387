"""`/tech events` and `/tech event`: network events, RSVPs, the organisers' forms and attendance.

`/tech events [all|mine]` lists what is coming with Going / Maybe / Can't go; `/tech event
new` opens the organisers' form (a series too); `/tech event attendees [n]` shows who is
coming, with a CSV. A click updates the message it sits in and confirms ephemerally; the
DMs a change owes (moved, cancelled, promoted from the waitlist) and the channel
announcement are notices in storage, each claimed once and sent after the ack.
Reminders are due rows posted by digests/reminders.py.
"""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import blocks, ids
from bot.commands import COMMAND, split
from bot.config import Settings
from bot.listeners import ack_only
from bot.mrkdwn import escape
from bot.runtime import HomeSection, Runtime
from handlers.events import views
from handlers.home import publish_home
from storage import events
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role, find_member

log = logging.getLogger(__name__)

HOME_ORDER = 20
ALL_WORDS = ("all", "more")
MINE_WORDS = ("mine", "my", "me")


def reminder_rules(settings: Settings) -> events.ReminderRules:
    return events.ReminderRules.from_labels(settings.event_reminders)


def register(app: App, runtime: Runtime) -> None:
    reported = _reported(runtime)

    def events_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack(**events_reply(runtime, context["actor"], split(body.get("text"))[1].strip()))

    def event_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack(**event_reply(runtime, context["actor"], split(body.get("text"))[1].strip()))

    def event_open_form(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        if split(split(body.get("text"))[1])[0] == "new" and actor.has(Role.ORGANISER):
            client.views_open(trigger_id=body["trigger_id"], view=new_event_modal(runtime, actor))

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("events", owner=__name__)])(events_command)
    app.command(COMMAND, matchers=[runtime.subcommands.matcher("event", owner=__name__)])(
        ack=event_command, lazy=[reported(event_open_form)])

    def answered(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                 respond: Respond) -> None:
        """Going / Maybe / Can't go: record it, tell whoever was promoted, refresh where it was clicked."""
        actor: Actor = context["actor"]
        event_id, scope, offset = views.decode(action.get("value"))
        lead, failed = None, False
        try:
            with runtime.db.transaction() as session:
                outcome = events.rsvp(session, actor, event_id, views.CHOICE_ACTIONS[action["action_id"]],
                                      now=now(), rules=reminder_rules(runtime.settings))
            lead = confirmation(runtime, outcome)
        except DomainError as e:
            lead, failed = f"⛔ {e.message}", True
        send_notices(runtime, client, event_ids=[event_id])
        refresh(runtime, client, body, respond, actor, event_id, scope, offset, lead=lead, failed=failed)

    for action_id in views.CHOICE_ACTIONS:
        app.action(action_id)(ack=ack_only, lazy=[reported(answered)])

    def page(action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        scope, _, offset = str(action.get("value") or "").partition("|")
        respond(replace_original=True, **list_reply(runtime, context["actor"], scope if scope in views.SCOPES
                                                    else "upcoming", offset=int(offset or 0)))

    def calendar_file(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        with runtime.db.reading() as session:
            info = events.get_event(session, int(action["value"]))
        filename, data = events.calendar_file(info, now=now())
        client.files_upload_v2(channel=_dm_channel(client, actor.slack_user_id), content=data, filename=filename,
                               title=filename, initial_comment=(
                                   "Your calendar file: open it to add the event to your calendar. If the event "
                                   "changes, a new file from here updates the same entry."))

    def manage(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
               respond: Respond) -> None:
        """The organiser's ⋯ menu (and the Attendees buttons): edit, cancel, attendees, remind."""
        actor: Actor = context["actor"]
        value = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
        verb, _, number = value.partition(":")
        event_id = int(number)
        tz = member_tz(runtime, actor)
        if verb == "attendees":
            respond(replace_original=False, **attendees_reply(runtime, actor, event_id))
            return
        if verb == "remind":
            with runtime.db.transaction() as session:
                queued = events.remind_now(session, actor, event_id, now=now())
            text = (f"⏰ Reminders are on their way to the {queued} member{'s' if queued != 1 else ''} going "
                    "(within a minute)." if queued else "⏰ Those reminders are queued already.")
            respond(replace_original=False, **_say(text))
            return
        with runtime.db.reading() as session:
            info = events.require_manage(session, actor, event_id, "change it" if verb == "edit" else "cancel it")
        if verb == "edit":
            client.views_open(trigger_id=body["trigger_id"], view=views.event_modal(info, tz=tz))
        elif verb == "cancel":
            if info.cancelled:
                respond(replace_original=False, **_say(f"“{info.title}” is cancelled already."))
                return
            client.views_open(trigger_id=body["trigger_id"], view=views.cancel_modal(info, tz=tz, now=now()))

    def csv_file(action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        with runtime.db.reading() as session:
            filename, data, rows = events.attendees_csv(session, actor, int(action["value"]))
        client.files_upload_v2(channel=_dm_channel(client, actor.slack_user_id), content=data, filename=filename,
                               title=filename, initial_comment=f"The attendees as CSV ({rows} "
                                                               f"row{'s' if rows != 1 else ''}).")

    def record_form(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        with runtime.db.reading() as session:
            events.require_manage(session, actor, int(action["value"]), "record its attendance")
            found = events.attendees(session, actor, int(action["value"]))
        client.views_open(trigger_id=body["trigger_id"], view=views.attendance_modal(
            found, tz=member_tz(runtime, actor), now=now()))

    app.action(ids.EVENTS_PAGE)(ack=ack_only, lazy=[reported(page)])
    app.action(ids.EVENTS_ICS)(ack=ack_only, lazy=[reported(calendar_file)])
    app.action(ids.EVENTS_MANAGE)(ack=ack_only, lazy=[reported(manage)])
    app.action(ids.EVENTS_CSV)(ack=ack_only, lazy=[reported(csv_file)])
    app.action(ids.EVENTS_RECORD)(ack=ack_only, lazy=[reported(record_form)])

    def saved(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        """Validate and save in the ack, so each problem shows by its field."""
        actor: Actor = context["actor"]
        editing = _metadata(view)
        form = form_values(view["state"]["values"])
        rules = reminder_rules(runtime.settings)
        try:
            with runtime.db.transaction() as session:
                if editing is None:
                    created = events.create_event(session, actor, form, now=now(), tz=runtime.settings.timezone,
                                                  rules=rules, source_key=_source_key(view))
                else:
                    outcome = events.edit_event(session, actor, editing[0], form, now=now(), rules=rules,
                                                source_key=_source_key(view))
        except events.InvalidEvent as e:
            return ack(response_action="errors", errors=_errors(view, e.errors))
        except DomainError as e:
            return ack(response_action="errors", errors=_errors(view, {e.field or ids.EVENTS_TITLE: e.message}))
        if editing is None:
            ack(response_action="update", view=views.done_view("Event created", created_text(runtime, created, form)))
        else:
            ack(response_action="update", view=views.done_view("Event saved", edited_text(outcome)))

    def after_saved(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        editing = _metadata(view)
        if editing is None:
            key = _source_key(view)
            created = _when_visible(runtime, lambda s: events.created_by(s, key))
            send_notices(runtime, client, event_ids=created or [])
            return
        event_id, sequence = editing
        if _when_visible(runtime, lambda s: events.get_event(s, event_id).sequence != sequence):
            send_notices(runtime, client, event_ids=[event_id])
            refresh_post(runtime, client, event_id)

    def cancel_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        event_id = (_metadata(view) or (0, 0))[0]
        reason = _value(view["state"]["values"], ids.EVENTS_REASON)
        try:
            with runtime.db.transaction() as session:
                outcome = events.cancel_event(session, actor, event_id, reason=reason, now=now(),
                                              source_key=_source_key(view))
        except DomainError as e:
            return ack(response_action="errors", errors={ids.EVENTS_REASON: e.message})
        told = f"{outcome.told} {'person' if outcome.told == 1 else 'people'}"
        text = (f"“{outcome.event.title}” was cancelled already." if outcome.already else
                f"“{outcome.event.title}” is cancelled. {told} who said going or maybe, or were on the waitlist, "
                "get a DM.")
        ack(response_action="update", view=views.done_view("Event cancelled", text))

    def after_cancel(view: dict[str, Any], client: WebClient) -> None:
        event_id = (_metadata(view) or (0, 0))[0]
        if _when_visible(runtime, lambda s: events.get_event(s, event_id).cancelled):
            send_notices(runtime, client, event_ids=[event_id])
            refresh_post(runtime, client, event_id)

    def attendance_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        state = next(iter(view["state"]["values"].get(ids.EVENTS_ATTENDED, {}).values()), {}) or {}
        try:
            with runtime.db.transaction() as session:
                came = events.record_attendance(session, actor, int(view["private_metadata"]),
                                                state.get("selected_users") or [], now=now())
        except DomainError as e:
            return ack(response_action="errors", errors={ids.EVENTS_ATTENDED: e.message})
        ack(response_action="update", view=views.done_view(
            "Attendance saved", f"Recorded: {came} {'person' if came == 1 else 'people'} came. Reports now count "
                                "them rather than who said going."))

    app.view(ids.EVENTS_MODAL)(ack=saved, lazy=[reported(after_saved)])
    app.view(ids.EVENTS_CANCEL_MODAL)(ack=cancel_submitted, lazy=[reported(after_cancel)])
    app.view(ids.EVENTS_ATTENDANCE_MODAL)(attendance_submitted)
    runtime.home_sections.append(HomeSection(HOME_ORDER, "events", home_section))


# Replies within the ack (database reads only) -----------------------------------------------

def events_reply(runtime: Runtime, actor: Actor, rest: str) -> dict[str, Any]:
    word = rest.lower()
    if word == "":
        return list_reply(runtime, actor, "upcoming")
    if word in ALL_WORDS:
        return list_reply(runtime, actor, "all")
    if word in MINE_WORDS:
        return list_reply(runtime, actor, "mine")
    if word == "help":
        return _usage(actor)
    return _usage(actor, f"I don't know `/tech events {escape(rest[:60])}`.")


def event_reply(runtime: Runtime, actor: Actor, rest: str) -> dict[str, Any]:
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
            return blocks.ephemeral(views.choose_event_blocks(found, tz=member_tz(runtime, actor), now=now()),
                                    "Your events")
        if argument.lstrip("#").isdigit():
            return attendees_reply(runtime, actor, int(argument.lstrip("#")))
        return _usage(actor, f"`/tech event attendees` takes an event's number, not "
                             f"`{escape(argument[:40])}`.")
    if verb.lstrip("#").isdigit() and not argument:
        return card_reply(runtime, actor, int(verb.lstrip("#")))
    return _usage(actor, f"I don't know `/tech event {escape(rest[:60])}`.")


def list_reply(runtime: Runtime, actor: Actor, scope: str, *, offset: int = 0, lead: str | None = None) -> dict[str, Any]:
    moment = now()
    until = moment + events.DEFAULT_HORIZON if scope == "upcoming" else None
    tz = member_tz(runtime, actor)
    with runtime.db.reading() as session:
        page = events.events_page(session, now=moment, until=until, viewer=actor.member_id, offset=offset,
                                  limit=views.PAGE_SIZE, mine=scope == "mine")
    manage = {i.id for i in page.items if events.can_manage(actor, i.organiser_member_id)}
    body = views.list_blocks(page, scope=scope, now=moment, tz=tz, tz_name=str(tz), manage_ids=manage,
                             organiser=actor.has(Role.ORGANISER), lead=lead)
    return blocks.ephemeral(body, views.SCOPE_TITLES[scope])


def card_reply(runtime: Runtime, actor: Actor, event_id: int, *, lead: str | None = None) -> dict[str, Any]:
    try:
        with runtime.db.reading() as session:
            info = events.get_event(session, event_id, viewer=actor.member_id)
    except DomainError as e:
        return _say(f"⛔ {e.message} `/tech events` lists what's on.")
    body = views.card_blocks(info, now=now(), tz=member_tz(runtime, actor),
                             manage=events.can_manage(actor, info.organiser_member_id), lead=lead)
    return blocks.ephemeral(body, escape(info.title))


def attendees_reply(runtime: Runtime, actor: Actor, event_id: int) -> dict[str, Any]:
    try:
        with runtime.db.reading() as session:
            found = events.attendees(session, actor, event_id)
    except DomainError as e:
        return _say(f"⛔ {e.message}")
    body = views.attendees_blocks(found, tz=member_tz(runtime, actor), now=now(),
                                  manage=events.can_manage(actor, found.event.organiser_member_id))
    return blocks.ephemeral(body, f"Attendees: {escape(found.event.title)}")


def new_event_modal(runtime: Runtime, actor: Actor):  # type: ignore[no-untyped-def]
    return views.event_modal(tz=member_tz(runtime, actor), announce_to=runtime.settings.network_channel)


def confirmation(runtime: Runtime, outcome: events.RsvpOutcome) -> str:
    title = outcome.event.title
    if outcome.status == events.GOING:
        said = "You're going" if outcome.changed else "You're already going"
        return f"✅ {said} to “{title}”. I'll remind you {reminder_rules(runtime.settings).describe()}."
    if outcome.status == events.WAITLIST:
        return (f"⏳ “{title}” is full: you're #{outcome.event.viewer_position} on the waitlist. If a place comes "
                "up, it's yours and I'll tell you by DM.")
    if outcome.status == events.MAYBE:
        return f"🤔 Noted: maybe for “{title}”. Press Going when you know; maybe doesn't hold a place."
    return f"👍 Noted: you can't go to “{title}”." + (" Your place went to the next on the waitlist."
                                                     if outcome.promoted else "")


def created_text(runtime: Runtime, created: list[events.EventInfo], form: events.EventForm) -> str:
    first = created[0]
    tz = runtime.settings.tz
    text = f"“{first.title}” is on: {views.when(first, tz)}."
    if len(created) > 1:
        text += f" {views.series_note(first, tz)}: {len(created)} events, each with its own RSVPs."
    if form.announce and runtime.settings.network_channel:
        text += " It's being announced in the network channel."
    return text + " Members can RSVP from /tech events."


def edited_text(outcome: events.EditOutcome) -> str:
    if not outcome.changed:
        return f"Nothing changed in “{outcome.event.title}”."
    text = f"Saved “{outcome.event.title}”."
    if outcome.told:
        text += f" {outcome.told} {'person' if outcome.told == 1 else 'people'} going or on the waitlist get a DM " \
                "saying what changed."
    if outcome.promoted:
        text += f" {len(outcome.promoted)} moved up from the waitlist and are told by DM."
    return text


# After the ack: refreshing what was clicked, sending notices ---------------------------------

def refresh(runtime: Runtime, client: WebClient, body: dict[str, Any], respond: Respond, actor: Actor,
            event_id: int, scope: str, offset: int, *, lead: str | None, failed: bool = False) -> None:
    """Update the message the click came from, and confirm to the clicker alone."""
    container = body.get("container") or {}
    if scope in views.SCOPES:
        respond(replace_original=True, **list_reply(runtime, actor, scope, offset=offset, lead=lead))
    elif scope == "card":
        respond(replace_original=True, **card_reply(runtime, actor, event_id, lead=lead))
    elif scope == "home":
        publish_home(runtime, client, actor)
        if failed and lead:
            client.chat_postMessage(channel=actor.slack_user_id, text=escape(lead), blocks=[views.note(lead).to_dict()])
    else:
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if scope in ("post", "dm") and channel and ts:
            _update_message(runtime, client, actor, event_id, channel, ts, body, personal=scope == "dm")
        if lead:
            respond(replace_original=False, response_type="ephemeral", text=escape(lead),
                    blocks=[views.note(lead).to_dict()])


def _update_message(runtime: Runtime, client: WebClient, actor: Actor, event_id: int, channel: str, ts: str,
                    body: dict[str, Any], *, personal: bool) -> None:
    """Refresh the event in a message of ours (a DM: the member's own view; a channel post:
    everyone's); its first block, what the message was about, stays."""
    with runtime.db.reading() as session:
        info = events.get_event(session, event_id, viewer=actor.member_id if personal else None)
    first = ((body.get("message") or {}).get("blocks") or [None])[0]
    tz = member_tz(runtime, actor) if personal else runtime.settings.tz
    fresh = views.event_blocks(info, now=now(), tz=tz, scope="dm" if personal else "post", personal=personal,
                               full=not personal)
    message_blocks = ([first] if first else []) + blocks.to_dicts(fresh)
    try:
        client.chat_update(channel=channel, ts=ts, text=escape(info.title), blocks=message_blocks)
    except SlackApiError as e:
        log.warning("could not refresh a message about event %s: %s", event_id, e.response.get("error"))


def refresh_post(runtime: Runtime, client: WebClient, event_id: int) -> None:
    """Bring the channel announcement of an event up to date (a change, a cancellation)."""
    with runtime.db.reading() as session:
        info = events.get_event(session, event_id)
        count = events.series_size(session, info.series_id) if info.series_id else 1
    channel, ts = info.announce_channel, info.announce_ts
    if not channel or not ts:
        return
    lead = post_lead(runtime, info, count=count)
    try:
        client.chat_update(channel=channel, ts=ts, text=escape(f"{info.kind_label}: {info.title}"),
                           blocks=blocks.to_dicts(views.post_blocks(info, now=now(), tz=runtime.settings.tz,
                                                                    lead=lead)))
    except SlackApiError as e:
        log.warning("could not update the post of event %s: %s", event_id, e.response.get("error"))


def post_lead(runtime: Runtime, info: events.EventInfo, *, count: int = 1) -> str:
    series = views.series_note(info, runtime.settings.tz) if count > 1 else ""
    return runtime.templates.get_template("events_announce.txt.j2").render(
        kind=info.kind_label, organiser=info.organiser_name or "an organiser", series=series, count=count)


def send_notices(runtime: Runtime, client: WebClient, *, event_ids: list[int]) -> int:
    """Claim and send what changes to these events owe people; returns the messages sent.

    Each notice is claimed in the database first, so a repeated delivery sends nothing twice.
    One recipient who cannot be reached does not stop the others.
    """
    if not event_ids:
        return 0
    with runtime.db.transaction() as session:
        claimed = events.claim_notices(session, now=now(), event_ids=event_ids)
    sent = 0
    for notice in claimed:
        if notice.kind == events.NOTICE_ANNOUNCE:
            sent += _announce(runtime, client, notice.event)
            continue
        for slack_user_id in notice.recipients:
            try:
                _send_notice(runtime, client, notice, slack_user_id)
                sent += 1
            except SlackApiError as e:
                log.warning("could not tell %s about event %s (%s): %s", slack_user_id, notice.event.id, notice.kind,
                            e.response.get("error"))
    return sent


def _announce(runtime: Runtime, client: WebClient, info: events.EventInfo) -> int:
    channel = runtime.settings.network_channel
    if not channel:
        return 0
    with runtime.db.reading() as session:
        count = events.series_size(session, info.series_id) if info.series_id else 1
    posted = client.chat_postMessage(
        channel=channel, text=escape(f"New {info.kind_label.lower()}: {info.title}"),
        blocks=blocks.to_dicts(views.post_blocks(info, now=now(), tz=runtime.settings.tz,
                                                 lead=post_lead(runtime, info, count=count))))
    with runtime.db.transaction() as session:
        events.record_announcement(session, info.id, str(posted["channel"]), str(posted["ts"]))
    return 1


def _send_notice(runtime: Runtime, client: WebClient, notice: events.Notice, slack_user_id: str) -> None:
    with runtime.db.reading() as session:
        member = find_member(session, slack_user_id)
        info = events.get_event(session, notice.event.id, viewer=member.id if member else None)
        tz = _zone(runtime, member.timezone if member else None)
    moment = now()
    templates = runtime.templates
    if notice.kind == events.NOTICE_PROMOTED:
        text = templates.get_template("events_promoted.txt.j2").render(
            title=info.title, when=views.when(info, tz, moment),
            reminders=reminder_rules(runtime.settings).describe())
    elif notice.kind == events.NOTICE_CANCELLED:
        text = templates.get_template("events_cancelled.txt.j2").render(
            title=info.title, when=views.when(info, tz, moment), organiser=info.organiser_name or "the organiser",
            reason=notice.details.get("reason"))
    else:
        before: dict[str, Any] = dict(notice.details.get("before") or {})  # type: ignore[call-overload]
        what = list(notice.details.get("what") or [])  # type: ignore[call-overload]
        was_start = datetime.fromisoformat(before["starts_at"]).astimezone(timezone.utc)
        was_end = datetime.fromisoformat(before["ends_at"]).astimezone(timezone.utc)
        was = views.when(_with_times(info, was_start, was_end), tz, moment)
        was_place = ", ".join(p for p in (before.get("location"), "online" if before.get("online_link") else None)
                              if p)
        text = templates.get_template("events_changed.txt.j2").render(
            title=info.title, moved="time" in what, when=views.when(info, tz, moment), was_when=was,
            new_place=views.place(info) if "place" in what else None, was_place=was_place,
            waitlisted=info.viewer_status == events.WAITLIST)
    client.chat_postMessage(channel=_dm_channel(client, slack_user_id), text=escape(text)[:3000],
                            blocks=blocks.to_dicts(views.dm_blocks(text, info, now=moment, tz=tz)))


def _with_times(info: events.EventInfo, starts_at: datetime, ends_at: datetime) -> events.EventInfo:
    return replace(info, starts_at=starts_at, ends_at=ends_at)


# The Home tab --------------------------------------------------------------------------------

def home_section(runtime: Runtime, actor: Actor) -> list[Any]:
    moment = now()
    with runtime.db.reading() as session:
        coming = events.next_for_member(session, actor.member_id, now=moment)
        joinable = events.could_join(session, actor.member_id, now=moment)
    return views.home_blocks(coming, joinable, now=moment, tz=member_tz(runtime, actor))


# Small helpers -------------------------------------------------------------------------------

def form_values(values: dict[str, Any]) -> events.EventForm:
    def state(block_id: str) -> dict[str, Any]:
        return next(iter((values.get(block_id) or {}).values()), {}) or {}

    def moment(block_id: str) -> datetime | None:
        stamp = state(block_id).get("selected_date_time")
        return datetime.fromtimestamp(int(stamp), tz=timezone.utc) if stamp else None

    repeat = (state(ids.EVENTS_REPEAT).get("selected_option") or {}).get("value")
    announce = [o.get("value") for o in state(ids.EVENTS_ANNOUNCE).get("selected_options") or []]
    return events.EventForm(
        title=state(ids.EVENTS_TITLE).get("value"),
        kind=(state(ids.EVENTS_KIND).get("selected_option") or {}).get("value"),
        starts_at=moment(ids.EVENTS_STARTS), ends_at=moment(ids.EVENTS_ENDS),
        location=state(ids.EVENTS_LOCATION).get("value"), online_link=state(ids.EVENTS_LINK).get("value"),
        capacity=state(ids.EVENTS_CAPACITY).get("value"), rsvp_deadline=moment(ids.EVENTS_DEADLINE),
        description=state(ids.EVENTS_DESCRIPTION).get("value"),
        repeat=None if repeat in (None, "none") else repeat,
        repeat_until=views.until_date(state(ids.EVENTS_UNTIL).get("selected_date")),
        announce="yes" in announce,
    )


def member_tz(runtime: Runtime, actor: Actor) -> ZoneInfo:
    return _zone(runtime, actor.timezone)


def _zone(runtime: Runtime, name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else runtime.settings.tz
    except (ZoneInfoNotFoundError, ValueError):
        return runtime.settings.tz


def _metadata(view: dict[str, Any]) -> tuple[int, int] | None:
    """The event an edit or cancel form is about, and its revision when the form opened."""
    event_id, _, sequence = str(view.get("private_metadata") or "").partition(":")
    return (int(event_id), int(sequence or 0)) if event_id.isdigit() else None


def _source_key(view: dict[str, Any]) -> str:
    # The view id is the same for every submission of one opened form (a retry, a double click).
    return f"view:{view.get('id') or uuid.uuid4().hex}"


def _value(values: dict[str, Any], block_id: str) -> str | None:
    state = next(iter((values.get(block_id) or {}).values()), {}) or {}
    return state.get("value")


def _errors(view: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    inputs = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    result: dict[str, str] = {}
    for name, message in errors.items():
        block_id = name if name in inputs else inputs[0]
        result[block_id] = (result[block_id] + " " if block_id in result else "") + message
    return result


def _dm_channel(client: WebClient, slack_user_id: str) -> str:
    return str(client.conversations_open(users=slack_user_id)["channel"]["id"])


def _when_visible(runtime: Runtime, check: Callable[[Any], Any]) -> Any:
    """Wait (about a second at most) until the ack's unit of work can be seen.

    In HTTP mode the ack has committed before a lazy listener starts; in Socket Mode Bolt
    starts both together.
    """
    for attempt in range(10):
        with runtime.db.reading() as session:
            found = check(session)
        if found:
            return found
        time.sleep(0.1)
    return None


def _usage(actor: Actor, problem: str | None = None) -> dict[str, Any]:
    text = views.EVENTS_USAGE + ("\n\n" + views.ORGANISER_USAGE if actor.has(Role.ORGANISER) else "")
    body = ([blocks.section(problem)] if problem else []) + [blocks.section(text)]
    return blocks.ephemeral(body, "Events")


def _say(text: str) -> dict[str, Any]:
    """Our sentence, which may quote organiser text: shown literally (rich_text)."""
    return blocks.ephemeral([views.note(text)], escape(text)[:150])


def _reported(runtime: Runtime) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Tell the person when work after the ack fails, before the app-wide report does.

    Our refusals quote organiser text (an event's title), which must stay literal, so they
    go out as rich_text rather than as mrkdwn. Bolt reads the wrapped listener's arguments
    through __wrapped__; it must take `body` and `client`.
    """

    def wrap(listener: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(listener)
        def reported(**kwargs: Any) -> None:
            try:
                listener(**kwargs)
            except Exception as error:  # noqa: BLE001 - told to the person and the log
                _report(runtime, kwargs["client"], kwargs["body"], error)

        return reported

    return wrap


def _report(runtime: Runtime, client: WebClient, body: dict[str, Any], error: Exception) -> None:
    if isinstance(error, DomainError):
        text = f"⛔ {error.message}"
        message: dict[str, Any] = {"text": escape(text), "blocks": [views.note(text).to_dict()]}
    else:
        reference = uuid.uuid4().hex[:8]
        log.error("events listener failed (reference %s)", reference, exc_info=error)
        message = {"text": runtime.templates.get_template("error.md.j2").render(reference=reference)}
    user_id = (body.get("user") or {}).get("id") or body.get("user_id")
    try:
        if body.get("response_url"):
            WebhookClient(body["response_url"]).send(response_type="ephemeral", replace_original=False, **message)
        elif user_id:
            client.chat_postMessage(channel=user_id, **message)
    except Exception:
        log.exception("could not tell %s that an events listener failed", user_id)
