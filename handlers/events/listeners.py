"""`register(app, runtime)`: the events commands, buttons and forms. Each listener acks
first; what follows the ack runs in a lazy listener, whose failures bot/app.py reports to
the person and the log like any other's."""

from __future__ import annotations

import uuid
from datetime import datetime, UTC
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import blocks, ids
from bot.commands import COMMAND, split
from bot.listeners import ack_only
from bot.runtime import HomeSection, Runtime
from handlers._common import chosen, dm_channel, field_errors, member_tz, state, when_visible
from handlers.events import organiser_views, views
from handlers.events.replies import (_say, attendees_reply, confirmation, created_text, edited_text, event_reply,
                                     events_reply, home_section, list_reply, new_event_modal,
                                     reminder_rules)
from handlers.events.sending import refresh, refresh_post, send_due_now
from storage import events
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role
from storage.words import plural

HOME_ORDER = 20


def register(app: App, runtime: Runtime) -> None:
    def events_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack(**events_reply(runtime, context["actor"], split(body.get("text"))[1].strip()))

    def event_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack(**event_reply(runtime, context["actor"], split(body.get("text"))[1].strip()))

    def new_event_form(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """The form for a new event: `/tech event new` and the Home tab's New event button."""
        actor: Actor = context["actor"]
        # A stale or forged Home button is refused here, before any form opens.
        actor.require(Role.ORGANISER, "create events")
        client.views_open(trigger_id=body["trigger_id"], view=new_event_modal(runtime, actor))

    def event_open_form(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        # The ack has told anyone else that only organisers create events.
        if split(split(body.get("text"))[1])[0] == "new" and context["actor"].has(Role.ORGANISER):
            new_event_form(body, client, context)

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("events", owner=__name__)])(events_command)
    app.command(COMMAND, matchers=[runtime.subcommands.matcher("event", owner=__name__)])(
        ack=event_command, lazy=[event_open_form])
    app.action(ids.EVENTS_NEW)(ack=ack_only, lazy=[new_event_form])

    def answered(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                 respond: Respond) -> None:
        """Going / Maybe / Can't go: record it, tell whoever was promoted, refresh where it was clicked."""
        actor: Actor = context["actor"]
        event_id, scope, offset = views.decode(action.get("value"))
        lead, failed, promoted = None, False, False
        moment = now()
        try:
            with runtime.db.transaction() as session:
                outcome = events.rsvp(session, actor, event_id, views.CHOICE_ACTIONS[action["action_id"]],
                                      now=moment, rules=reminder_rules(runtime.settings))
            lead, promoted = confirmation(runtime, outcome, now=moment), bool(outcome.promoted)
        except DomainError as e:
            lead, failed = f"⛔ {e.message}", True
        if promoted:
            send_due_now(runtime)
        refresh(runtime, client, body, respond, actor, event_id, scope, offset, lead=lead, failed=failed)

    for action_id in views.CHOICE_ACTIONS:
        app.action(action_id)(ack=ack_only, lazy=[answered])

    def page(action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        scope, _, offset = str(action.get("value") or "").partition("|")
        respond(replace_original=True, **list_reply(runtime, context["actor"], scope if scope in views.SCOPES
                                                    else "upcoming", offset=int(offset or 0)))

    def calendar_file(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        with runtime.db.reading() as session:
            info = events.get_event(session, int(action["value"]))
        filename, data = events.calendar_file(info, now=now())
        client.files_upload_v2(channel=dm_channel(client, actor.slack_user_id), content=data, filename=filename,
                               title=filename, initial_comment=blocks.comment(
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
            text = (f"⏰ Reminders are on their way to the {plural(queued, 'member')} going "
                    "(within a minute)." if queued else "⏰ Those reminders are queued already.")
            respond(replace_original=False, **_say(text))
            return
        with runtime.db.reading() as session:
            info = events.require_manage(session, actor, event_id, "change it" if verb == "edit" else "cancel it")
        if verb == "edit":
            client.views_open(trigger_id=body["trigger_id"], view=organiser_views.event_modal(info, tz=tz))
        elif verb == "cancel":
            if info.cancelled:
                respond(replace_original=False, **_say(f"“{info.title}” is cancelled already."))
                return
            client.views_open(trigger_id=body["trigger_id"], view=organiser_views.cancel_modal(info, tz=tz, now=now()))

    def csv_file(action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        with runtime.db.reading() as session:
            filename, data, rows = events.attendees_csv(session, actor, int(action["value"]))
        client.files_upload_v2(channel=dm_channel(client, actor.slack_user_id), content=data, filename=filename,
                               title=filename, initial_comment=blocks.comment(
                                   f"The attendees as CSV ({rows} row{'s' if rows != 1 else ''})."))

    def record_form(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        with runtime.db.reading() as session:
            events.require_manage(session, actor, int(action["value"]), "record its attendance")
            found = events.attendees(session, actor, int(action["value"]))
        client.views_open(trigger_id=body["trigger_id"], view=organiser_views.attendance_modal(
            found, tz=member_tz(runtime, actor), now=now()))

    app.action(ids.EVENTS_PAGE)(ack=ack_only, lazy=[page])
    app.action(ids.EVENTS_ICS)(ack=ack_only, lazy=[calendar_file])
    app.action(ids.EVENTS_MANAGE)(ack=ack_only, lazy=[manage])
    app.action(ids.EVENTS_CSV)(ack=ack_only, lazy=[csv_file])
    app.action(ids.EVENTS_RECORD)(ack=ack_only, lazy=[record_form])

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
            ack(response_action="errors", errors=field_errors(view, e.errors))
            return
        except DomainError as e:
            ack(response_action="errors", errors=field_errors(view, {e.field or ids.EVENTS_TITLE: e.message}))
            return
        if editing is None:
            ack(response_action="update", view=organiser_views.done_view(
                "Event created", created_text(runtime, created, form)))
        else:
            ack(response_action="update", view=organiser_views.done_view("Event saved", edited_text(outcome)))

    def after_saved(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        editing = _metadata(view)
        if editing is None:
            key = _source_key(view)
            # Only an announced event owes anything (its channel post).
            if form_values(view["state"]["values"]).announce and when_visible(
                    runtime, lambda s: events.created_by(s, key)):
                send_due_now(runtime)
            return
        event_id, sequence = editing
        if when_visible(runtime, lambda s: events.get_event(s, event_id).sequence != sequence):
            send_due_now(runtime)
            refresh_post(runtime, client, event_id)

    def cancel_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        event_id = (_metadata(view) or (0, 0))[0]
        reason = state(view["state"]["values"], ids.EVENTS_REASON).get("value")
        try:
            with runtime.db.transaction() as session:
                outcome = events.cancel_event(session, actor, event_id, reason=reason, now=now(),
                                              source_key=_source_key(view))
        except DomainError as e:
            ack(response_action="errors", errors={ids.EVENTS_REASON: e.message})
            return
        told = plural(outcome.told, 'person', 'people')
        text = (f"“{outcome.event.title}” was cancelled already." if outcome.already else
                f"“{outcome.event.title}” is cancelled. {told} who said going or maybe, or were on the waitlist, "
                "get a DM.")
        ack(response_action="update", view=organiser_views.done_view("Event cancelled", text))

    def after_cancel(view: dict[str, Any], client: WebClient) -> None:
        event_id = (_metadata(view) or (0, 0))[0]
        if when_visible(runtime, lambda s: events.get_event(s, event_id).cancelled):
            send_due_now(runtime)
            refresh_post(runtime, client, event_id)

    def attendance_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        attended = state(view["state"]["values"], ids.EVENTS_ATTENDED)
        try:
            with runtime.db.transaction() as session:
                came = events.record_attendance(session, actor, int(view["private_metadata"]),
                                                attended.get("selected_users") or [], now=now())
        except DomainError as e:
            ack(response_action="errors", errors={ids.EVENTS_ATTENDED: e.message})
            return
        ack(response_action="update", view=organiser_views.done_view(
            "Attendance saved", f"Recorded: {plural(came, 'person', 'people')} came. Reports now count "
                                "them rather than who said going."))

    app.view(ids.EVENTS_MODAL)(ack=saved, lazy=[after_saved])
    app.view(ids.EVENTS_CANCEL_MODAL)(ack=cancel_submitted, lazy=[after_cancel])
    app.view(ids.EVENTS_ATTENDANCE_MODAL)(attendance_submitted)
    runtime.home_sections.append(HomeSection(HOME_ORDER, "events", home_section))


# Reading the forms -----------------------------------------------------------------------------

def form_values(values: dict[str, Any]) -> events.EventForm:
    def value(block_id: str) -> str | None:
        return state(values, block_id).get("value")

    def moment(block_id: str) -> datetime | None:
        stamp = state(values, block_id).get("selected_date_time")
        return datetime.fromtimestamp(int(stamp), tz=UTC) if stamp else None

    repeat = chosen(values, ids.EVENTS_REPEAT)
    announce = [o.get("value") for o in state(values, ids.EVENTS_ANNOUNCE).get("selected_options") or []]
    return events.EventForm(
        title=value(ids.EVENTS_TITLE), kind=chosen(values, ids.EVENTS_KIND),
        starts_at=moment(ids.EVENTS_STARTS), ends_at=moment(ids.EVENTS_ENDS),
        location=value(ids.EVENTS_LOCATION), online_link=value(ids.EVENTS_LINK),
        capacity=value(ids.EVENTS_CAPACITY), rsvp_deadline=moment(ids.EVENTS_DEADLINE),
        description=value(ids.EVENTS_DESCRIPTION),
        repeat=None if repeat in (None, "none") else repeat,
        repeat_until=organiser_views.until_date(state(values, ids.EVENTS_UNTIL).get("selected_date")),
        announce="yes" in announce,
    )


def _metadata(view: dict[str, Any]) -> tuple[int, int] | None:
    """The event an edit or cancel form is about, and its revision when the form opened."""
    event_id, _, sequence = str(view.get("private_metadata") or "").partition(":")
    return (int(event_id), int(sequence or 0)) if event_id.isdigit() else None


def _source_key(view: dict[str, Any]) -> str:
    # The view id is the same for every submission of one opened form (a retry, a double click).
    return f"view:{view.get('id') or uuid.uuid4().hex}"
