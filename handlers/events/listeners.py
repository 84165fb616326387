"""`register(runtime)`: the events commands, buttons and forms, on the route table
(core.routes). Each handler takes a core.request.Request and returns effects; the surface
acks with what belongs in the ack (a command's answer, a form's errors or next step) and
carries out the rest after it: forms to open, the message clicked refreshed, files, and the
due rows a change made (SendDue: a promotion's DM, the notices of an edit, the announcement)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING

from core import ids, ui
from core.request import (Answer, Effect, OpenForm, Request, SendDue, SendFile, UpdateForm)
from core.services import HomeSection
from core.views.events import BUTTON_SCOPES, SCOPES
from handlers._common import (field_choice, field_choices, field_day, field_ids, field_moment, field_text,
                              malformed, payload_count, payload_id)
from digests.reminders import reminder_rules
from handlers.events import organiser_views
from handlers.events.replies import (_say, attendees_reply, confirmation, created_text, edited_text, event_reply,
                                     events_reply, home_section, list_reply, new_event_modal, opens_new_event_form)
from handlers.events.sending import post_refreshed, refreshed
from storage import events, ledger
from storage.clock import now
from storage.errors import DomainError
from storage.members import Role
from storage.words import plural

if TYPE_CHECKING:
    from core.services import Services

HOME_ORDER = 20
CHOICE_ACTIONS = {ids.EVENTS_GOING: events.GOING, ids.EVENTS_MAYBE: events.MAYBE,
                  ids.EVENTS_NOT_GOING: events.NOT_GOING}


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("events", owner=__name__)
    def events_command(request: Request) -> Answer:
        return Answer(events_reply(runtime, request))

    @routes.command("event", owner=__name__)
    def event_command(request: Request) -> list[Effect]:
        answer = Answer(event_reply(runtime, request))
        # The answer has told anyone else that only organisers create events.
        return [answer, OpenForm(new_event_modal(runtime, request))] if opens_new_event_form(request) else [answer]

    # After the ack: a refusal from the Home tab goes by DM, a Web API call the ack should not wait for.
    @routes.action(ids.EVENTS_NEW, after_ack=True)
    def new_event_form(request: Request) -> OpenForm:
        """The Home tab's New event button."""
        # A stale or forged Home button is refused here, before any form opens.
        request.actor.require(Role.ORGANISER, "create events")
        return OpenForm(new_event_modal(runtime, request))

    @routes.action(*CHOICE_ACTIONS)
    def answered(request: Request) -> list[Effect]:
        """Going / Maybe / Can't go: record it, tell whoever was promoted, refresh where it was clicked."""
        event_id, scope, offset = decode(request.value)
        lead, failed = None, False
        due: tuple[int, ...] = ()
        moment = now()
        try:
            with runtime.db.transaction() as session:
                outcome = events.rsvp(session, request.actor, event_id, CHOICE_ACTIONS[request.action_id],
                                      now=moment, rules=reminder_rules(runtime.settings))
                due = ledger.scheduled_in(session)
            lead = confirmation(runtime, outcome, now=moment)
        except DomainError as e:
            lead, failed = f"⛔ {e.message}", True
        # Whoever this promoted from the waitlist hears now; the rest of the ledger waits for the tick.
        return [*_sent_now(due), *refreshed(runtime, request, event_id, scope, offset, lead=lead, failed=failed)]

    @routes.action(ids.EVENTS_PAGE)
    def page(request: Request) -> Answer:
        scope, _, offset = request.value.partition("|")
        reply = list_reply(runtime, request, scope if scope in SCOPES else "upcoming",
                           offset=payload_count(offset, "a page"))
        return Answer(reply, replace=True)

    @routes.action(ids.EVENTS_ICS)
    def calendar_file(request: Request) -> SendFile:
        with runtime.db.reading() as session:
            info = events.get_event(session, _button_event(request))
        filename, data = events.calendar_file(info, now=now())
        return SendFile(ui.File(filename, data, mime="text/calendar", comment=(
            "Your calendar file: open it to add the event to your calendar. If the event changes, a new file "
            "from here updates the same entry.")))

    @routes.action(ids.EVENTS_MANAGE)
    def manage(request: Request) -> Answer | OpenForm:
        """The organiser's ⋯ menu (and the Attendees buttons): edit, cancel, attendees, remind."""
        actor = request.actor
        verb, _, number = request.value.partition(":")
        event_id = payload_id(number, "the managed event")
        if verb == "attendees":
            return Answer(attendees_reply(runtime, request, event_id))
        if verb == "remind":
            with runtime.db.transaction() as session:
                queued = events.remind_now(session, actor, event_id, now=now())
            return Answer(_say(f"⏰ Reminders are on their way to the {plural(queued, 'member')} going "
                               "(within a minute)." if queued else "⏰ Those reminders are queued already."))
        if verb not in ("edit", "cancel"):
            raise malformed(f"the event menu's choice is {verb[:20]!r}")
        with runtime.db.reading() as session:
            info = events.require_manage(session, actor, event_id, "change it" if verb == "edit" else "cancel it")
        if verb == "edit":
            return OpenForm(organiser_views.event_modal(info, tz=request.tz))
        if info.cancelled:
            return Answer(_say(f"“{info.title}” is cancelled already."))
        return OpenForm(organiser_views.cancel_modal(info, tz=request.tz, now=now()))

    @routes.action(ids.EVENTS_CSV, after_ack=True)  # one row a person: a large event's file takes a while
    def csv_file(request: Request) -> SendFile:
        with runtime.db.reading() as session:
            filename, data, rows = events.attendees_csv(session, request.actor, _button_event(request))
        return SendFile(ui.File(filename, data, mime="text/csv",
                                comment=f"The attendees as CSV ({plural(rows, 'row')})."))

    @routes.action(ids.EVENTS_RECORD)
    def record_form(request: Request) -> OpenForm:
        event_id = _button_event(request)
        with runtime.db.reading() as session:
            events.require_manage(session, request.actor, event_id, "record its attendance")
            found = events.attendees(session, request.actor, event_id)
        return OpenForm(organiser_views.attendance_modal(found, tz=request.tz, now=now()))

    @routes.form(ids.EVENTS_MODAL)
    def saved(request: Request) -> ui.FieldErrors | list[Effect]:
        """Validate and save before the ack, so each problem shows by its field; then send what the change owes."""
        editing = _metadata(request)
        form = form_values(request.values)
        rules = reminder_rules(runtime.settings)
        try:
            with runtime.db.transaction() as session:
                if editing is None:
                    created = events.create_event(session, request.actor, form, now=now(),
                                                  tz=runtime.settings.timezone, rules=rules,
                                                  source_key=_source_key(request))
                else:
                    outcome = events.edit_event(session, request.actor, editing[0], form, now=now(), rules=rules,
                                                source_key=_source_key(request))
                due = ledger.scheduled_in(session)
        except events.InvalidEvent as e:
            return ui.FieldErrors(e.errors)
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.EVENTS_TITLE: e.message})
        if editing is None:
            # An announced event owes its channel post.
            return [UpdateForm(organiser_views.done_view("Event created", created_text(runtime, created, form))),
                    *_sent_now(due)]
        done: list[Effect] = [UpdateForm(organiser_views.done_view("Event saved", edited_text(outcome)))]
        event_id, sequence = editing
        if outcome.event.sequence != sequence:
            done += [*_sent_now(due), *_post_refreshed(runtime, event_id)]
        return done

    @routes.form(ids.EVENTS_CANCEL_MODAL)
    def cancel_submitted(request: Request) -> ui.FieldErrors | list[Effect]:
        event_id, reason = _cancelling(request)
        try:
            with runtime.db.transaction() as session:
                outcome = events.cancel_event(session, request.actor, event_id, reason=reason, now=now(),
                                              source_key=_source_key(request))
                due = ledger.scheduled_in(session)
        except DomainError as e:
            return ui.FieldErrors({ids.EVENTS_REASON: e.message})
        told = plural(outcome.told, 'person', 'people')
        text = (f"“{outcome.event.title}” was cancelled already." if outcome.already else
                f"“{outcome.event.title}” is cancelled. {told} who said going or maybe, or were on the waitlist, "
                "get a DM.")
        done: list[Effect] = [UpdateForm(organiser_views.done_view("Event cancelled", text))]
        if not outcome.already:
            done += [*_sent_now(due), *_post_refreshed(runtime, event_id)]
        return done

    @routes.form(ids.EVENTS_ATTENDANCE_MODAL)
    def attendance_submitted(request: Request) -> ui.FieldErrors | UpdateForm:
        attended = field_ids(request.values, ids.EVENTS_ATTENDED)
        event_id = payload_id(request.metadata, "the attendance form's event")
        try:
            with runtime.db.transaction() as session:
                came = events.record_attendance(session, request.actor, event_id, attended, now=now())
        except DomainError as e:
            return ui.FieldErrors({ids.EVENTS_ATTENDED: e.message})
        return UpdateForm(organiser_views.done_view(
            "Attendance saved", f"Recorded: {plural(came, 'person', 'people')} came. Reports now count "
                                "them rather than who said going."))

    runtime.home_sections.append(HomeSection(HOME_ORDER, "events", home_section))


def _button_event(request: Request) -> int:
    """The event a button carries as its whole value (Add to calendar, CSV, Record who came)."""
    return payload_id(request.value, f"{request.action_id}'s event")


def _sent_now(due: tuple[int, ...]) -> list[Effect]:
    return [SendDue(due)] if due else []


def _post_refreshed(runtime: Services, event_id: int) -> list[Effect]:
    update = post_refreshed(runtime, event_id)
    return [update] if update else []


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


def form_values(values: Mapping[str, ui.FieldValue]) -> events.EventForm:
    repeat = field_choice(values, ids.EVENTS_REPEAT)
    return events.EventForm(
        title=field_text(values, ids.EVENTS_TITLE), kind=field_choice(values, ids.EVENTS_KIND),
        starts_at=field_moment(values, ids.EVENTS_STARTS), ends_at=field_moment(values, ids.EVENTS_ENDS),
        location=field_text(values, ids.EVENTS_LOCATION), online_link=field_text(values, ids.EVENTS_LINK),
        capacity=field_text(values, ids.EVENTS_CAPACITY), rsvp_deadline=field_moment(values, ids.EVENTS_DEADLINE),
        description=field_text(values, ids.EVENTS_DESCRIPTION),
        repeat=None if repeat in (None, "none") else repeat,
        repeat_until=field_day(values, ids.EVENTS_UNTIL),
        announce="yes" in field_choices(values, ids.EVENTS_ANNOUNCE),
    )


def _metadata(request: Request) -> tuple[int, int] | None:
    """The event an edit or cancel form is about, and its revision when the form opened."""
    if not request.metadata:
        return None
    event_id, _, sequence = request.metadata.partition(":")
    return payload_id(event_id, "the form's event"), payload_count(sequence, "the form's event revision")


def _cancelling(request: Request) -> tuple[int, str | None]:
    """The event a cancel form is about, and the reason given."""
    about = _metadata(request)
    if about is None:
        # Event 0 would only be "not found": a form that names no event is not one we opened.
        raise malformed(f"{request.form_id}: private_metadata names no event")
    return about[0], field_text(request.values, ids.EVENTS_REASON)


def _source_key(request: Request) -> str:
    # The form's id is the same for every submission of one opened form (a retry, a double click).
    return f"view:{request.submission or uuid.uuid4().hex}"
