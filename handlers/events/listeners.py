"""`register(app, runtime)`: the events commands, buttons and forms. Each listener acks
first; what follows the ack runs in a lazy listener, or, where it needs what the ack's unit
of work did (the due rows it made), is handed that by bot.listeners.after_ack; either way
its failures reach the person and the log like any other's."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import blocks
from core import ids, ui
from core.commands import COMMAND, split
from core.views.events import BUTTON_SCOPES, SCOPES
from bot.listeners import ack_only, after_ack
from bot.runtime import HomeSection, Runtime
from handlers._common import (button_id, button_value, chosen, field_errors, member_tz, moment_picked,
                              date_picked, malformed, payload_count, payload_id, picked, text_metadata, typed,
                              users_picked, values)
from digests.reminders import reminder_rules
from digests.runner import send_due_now
from handlers.events import organiser_views
from handlers.events.replies import (_say, attendees_reply, confirmation, created_text, edited_text, event_reply,
                                     events_reply, home_section, list_reply, new_event_modal)
from handlers.events.sending import refresh, refresh_post
from storage import events, ledger
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role
from storage.words import plural

HOME_ORDER = 20
CHOICE_ACTIONS = {ids.EVENTS_GOING: events.GOING, ids.EVENTS_MAYBE: events.MAYBE,
                  ids.EVENTS_NOT_GOING: events.NOT_GOING}


def register(app: App, runtime: Runtime) -> None:
    def events_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack(**blocks.ephemeral(events_reply(runtime, context["actor"], split(body.get("text"))[1].strip())))

    def event_command(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack(**blocks.ephemeral(event_reply(runtime, context["actor"], split(body.get("text"))[1].strip())))

    def new_event_form(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """The form for a new event: `/tech event new` and the Home tab's New event button."""
        actor: Actor = context["actor"]
        # A stale or forged Home button is refused here, before any form opens.
        actor.require(Role.ORGANISER, "create events")
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(new_event_modal(runtime, actor)))

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
        event_id, scope, offset = decode(button_value(action))
        lead, failed = None, False
        due: tuple[int, ...] = ()
        moment = now()
        try:
            with runtime.db.transaction() as session:
                outcome = events.rsvp(session, actor, event_id, CHOICE_ACTIONS[action["action_id"]],
                                      now=moment, rules=reminder_rules(runtime.settings))
                due = ledger.scheduled_in(session)
            lead = confirmation(runtime, outcome, now=moment)
        except DomainError as e:
            lead, failed = f"⛔ {e.message}", True
        # Whoever this promoted from the waitlist hears now; the rest of the ledger waits for the tick.
        send_due_now(runtime, due)
        refresh(runtime, client, body, respond, actor, event_id, scope, offset, lead=lead, failed=failed)

    for action_id in CHOICE_ACTIONS:
        app.action(action_id)(ack=ack_only, lazy=[answered])

    def page(action: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        scope, _, offset = button_value(action).partition("|")
        reply = list_reply(runtime, context["actor"], scope if scope in SCOPES else "upcoming",
                           offset=payload_count(offset, "a page"))
        respond(replace_original=True, **blocks.ephemeral(reply))

    def calendar_file(action: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        with runtime.db.reading() as session:
            info = events.get_event(session, button_id(action, "event"))
        filename, data = events.calendar_file(info, now=now())
        runtime.delivery.upload(actor.slack_user_id, ui.File(
            filename, data, mime="text/calendar", comment="Your calendar file: open it to add the event to your "
            "calendar. If the event changes, a new file from here updates the same entry."))

    def manage(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
               respond: Respond) -> None:
        """The organiser's ⋯ menu (and the Attendees buttons): edit, cancel, attendees, remind."""
        actor: Actor = context["actor"]
        verb, _, number = button_value(action).partition(":")
        event_id = payload_id(number, "the managed event")
        tz = member_tz(runtime, actor)
        if verb == "attendees":
            respond(replace_original=False, **blocks.ephemeral(attendees_reply(runtime, actor, event_id)))
            return
        if verb == "remind":
            with runtime.db.transaction() as session:
                queued = events.remind_now(session, actor, event_id, now=now())
            text = (f"⏰ Reminders are on their way to the {plural(queued, 'member')} going "
                    "(within a minute)." if queued else "⏰ Those reminders are queued already.")
            respond(replace_original=False, **blocks.ephemeral(_say(text)))
            return
        with runtime.db.reading() as session:
            info = events.require_manage(session, actor, event_id, "change it" if verb == "edit" else "cancel it")
        if verb == "edit":
            client.views_open(trigger_id=body["trigger_id"],
                              view=blocks.render_form(organiser_views.event_modal(info, tz=tz)))
        elif verb == "cancel":
            if info.cancelled:
                respond(replace_original=False, **blocks.ephemeral(_say(f"“{info.title}” is cancelled already.")))
                return
            client.views_open(trigger_id=body["trigger_id"],
                              view=blocks.render_form(organiser_views.cancel_modal(info, tz=tz, now=now())))

    def csv_file(action: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        with runtime.db.reading() as session:
            filename, data, rows = events.attendees_csv(session, actor, button_id(action, "event"))
        runtime.delivery.upload(actor.slack_user_id, ui.File(
            filename, data, mime="text/csv", comment=f"The attendees as CSV ({plural(rows, 'row')})."))

    def record_form(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        event_id = button_id(action, "event")
        with runtime.db.reading() as session:
            events.require_manage(session, actor, event_id, "record its attendance")
            found = events.attendees(session, actor, event_id)
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(organiser_views.attendance_modal(
            found, tz=member_tz(runtime, actor), now=now())))

    app.action(ids.EVENTS_PAGE)(ack=ack_only, lazy=[page])
    app.action(ids.EVENTS_ICS)(ack=ack_only, lazy=[calendar_file])
    app.action(ids.EVENTS_MANAGE)(ack=ack_only, lazy=[manage])
    app.action(ids.EVENTS_CSV)(ack=ack_only, lazy=[csv_file])
    app.action(ids.EVENTS_RECORD)(ack=ack_only, lazy=[record_form])

    def saved(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """Validate and save in the ack, so each problem shows by its field; then send what the change owes."""
        actor: Actor = context["actor"]
        editing = _metadata(view)
        form = form_values(values(view))
        rules = reminder_rules(runtime.settings)
        try:
            with runtime.db.transaction() as session:
                if editing is None:
                    created = events.create_event(session, actor, form, now=now(), tz=runtime.settings.timezone,
                                                  rules=rules, source_key=_source_key(view))
                else:
                    outcome = events.edit_event(session, actor, editing[0], form, now=now(), rules=rules,
                                                source_key=_source_key(view))
                due = ledger.scheduled_in(session)
        except events.InvalidEvent as e:
            ack(response_action="errors", errors=field_errors(view, e.errors))
            return
        except DomainError as e:
            ack(response_action="errors", errors=field_errors(view, {e.field or ids.EVENTS_TITLE: e.message}))
            return
        if editing is None:
            ack(response_action="update", view=blocks.render_form(organiser_views.done_view(
                "Event created", created_text(runtime, created, form))))
            if due:  # an announced event owes its channel post
                after_ack(runtime, body, client, context, lambda: send_due_now(runtime, due))
            return
        ack(response_action="update",
            view=blocks.render_form(organiser_views.done_view("Event saved", edited_text(outcome))))
        event_id, sequence = editing
        if outcome.event.sequence != sequence:

            def after_edit() -> None:
                send_due_now(runtime, due)
                refresh_post(runtime, client, event_id)

            after_ack(runtime, body, client, context, after_edit)

    def cancel_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                         context: BoltContext) -> None:
        actor: Actor = context["actor"]
        event_id, reason = _cancelling(view)
        try:
            with runtime.db.transaction() as session:
                outcome = events.cancel_event(session, actor, event_id, reason=reason, now=now(),
                                              source_key=_source_key(view))
                due = ledger.scheduled_in(session)
        except DomainError as e:
            ack(response_action="errors", errors={ids.EVENTS_REASON: e.message})
            return
        told = plural(outcome.told, 'person', 'people')
        text = (f"“{outcome.event.title}” was cancelled already." if outcome.already else
                f"“{outcome.event.title}” is cancelled. {told} who said going or maybe, or were on the waitlist, "
                "get a DM.")
        ack(response_action="update", view=blocks.render_form(organiser_views.done_view("Event cancelled", text)))
        if outcome.already:
            return

        def after_cancel() -> None:
            send_due_now(runtime, due)
            refresh_post(runtime, client, event_id)

        after_ack(runtime, body, client, context, after_cancel)

    def attendance_submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        attended = users_picked(values(view), ids.EVENTS_ATTENDED)
        event_id = payload_id(text_metadata(view), "the attendance form's event")
        try:
            with runtime.db.transaction() as session:
                came = events.record_attendance(session, actor, event_id, attended, now=now())
        except DomainError as e:
            ack(response_action="errors", errors={ids.EVENTS_ATTENDED: e.message})
            return
        ack(response_action="update", view=blocks.render_form(organiser_views.done_view(
            "Attendance saved", f"Recorded: {plural(came, 'person', 'people')} came. Reports now count "
                                "them rather than who said going.")))

    app.view(ids.EVENTS_MODAL)(saved)
    app.view(ids.EVENTS_CANCEL_MODAL)(cancel_submitted)
    app.view(ids.EVENTS_ATTENDANCE_MODAL)(attendance_submitted)
    runtime.home_sections.append(HomeSection(HOME_ORDER, "events", home_section))


# Reading the buttons and forms -----------------------------------------------------------------

def decode(value: str) -> tuple[int, str, int]:
    """'42|upcoming|10' -> (42, 'upcoming', 10), what core.views.events.encode put in an RSVP button;
    a value no button of ours carries raises MalformedPayload.

    A bare event id ('42') is scope 'note': a Going button another feature puts in its own
    message (the e-zine) records the answer and confirms it ephemerally, leaving that message be.
    """
    event_id, _, rest = value.partition("|")
    scope, _, offset = rest.partition("|") if rest else ("note", "", "")
    if scope not in BUTTON_SCOPES:
        raise malformed(f"an RSVP button's scope is {scope[:20]!r}")
    return payload_id(event_id, "an RSVP button's event"), scope, payload_count(offset, "an RSVP button's page")


def form_values(values: dict[str, Any]) -> events.EventForm:
    def moment(block_id: str) -> datetime | None:
        return moment_picked(values, block_id)

    repeat = chosen(values, ids.EVENTS_REPEAT)
    return events.EventForm(
        title=typed(values, ids.EVENTS_TITLE), kind=chosen(values, ids.EVENTS_KIND),
        starts_at=moment(ids.EVENTS_STARTS), ends_at=moment(ids.EVENTS_ENDS),
        location=typed(values, ids.EVENTS_LOCATION), online_link=typed(values, ids.EVENTS_LINK),
        capacity=typed(values, ids.EVENTS_CAPACITY), rsvp_deadline=moment(ids.EVENTS_DEADLINE),
        description=typed(values, ids.EVENTS_DESCRIPTION),
        repeat=None if repeat in (None, "none") else repeat,
        repeat_until=date_picked(values, ids.EVENTS_UNTIL),
        announce="yes" in picked(values, ids.EVENTS_ANNOUNCE),
    )


def _metadata(view: dict[str, Any]) -> tuple[int, int] | None:
    """The event an edit or cancel form is about, and its revision when the form opened."""
    text = text_metadata(view)
    if not text:
        return None
    event_id, _, sequence = text.partition(":")
    return payload_id(event_id, "the form's event"), payload_count(sequence, "the form's event revision")


def _cancelling(view: dict[str, Any]) -> tuple[int, str | None]:
    """The event a cancel form is about, and the reason given."""
    about = _metadata(view)
    if about is None:
        # Event 0 would only be "not found": a form that names no event is not one we opened.
        raise malformed(f"{view.get('callback_id')}: private_metadata names no event")
    return about[0], typed(values(view), ids.EVENTS_REASON)


def _source_key(view: dict[str, Any]) -> str:
    # The view id is the same for every submission of one opened form (a retry, a double click).
    return f"view:{view.get('id') or uuid.uuid4().hex}"
