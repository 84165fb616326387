"""What organisers see of events: the event form, cancelling, recording who came, the
attendees and choosing whose attendees. Organiser text is shown literally, as in
core/views/events.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

from core import ids, ui
from core.views.events import note, summary, when
from storage import events
from storage.events import EventInfo
from storage.words import plural

# Names listed inline per group in the attendees view; the CSV has everyone.
ATTENDEES_SHOWN = 120


# Organisers' forms ---------------------------------------------------------------------------

def event_modal(info: EventInfo | None = None, *, tz: tzinfo, announce_to: str | None = None) -> ui.Form:
    """The form for a new event (with repeat and announce) or for editing one occurrence."""
    kinds = tuple(ui.option(label, key) for key, label in events.KINDS.items())
    kind = next((o for o in kinds if info and o.value == info.kind), None)
    # Each input's own id is "value": the form is read back by its fields' (block) ids.
    fields: list[ui.Block] = [
        ui.Field(id=ids.EVENTS_TITLE, label="Title", action_id="value", max_length=events.TITLE_LIMIT,
                 initial=info.title if info else None, placeholder="Quarterly technicians' network meeting"),
        ui.Field(id=ids.EVENTS_KIND, label="Kind", kind=ui.FieldKind.SELECT, action_id="value", options=kinds,
                 initial=kind, placeholder="Choose"),
        ui.Field(id=ids.EVENTS_STARTS, label="Starts", kind=ui.FieldKind.DATETIME, action_id="value",
                 initial=info.starts_at if info else None),
        ui.Field(id=ids.EVENTS_ENDS, label="Ends", kind=ui.FieldKind.DATETIME, action_id="value",
                 initial=info.ends_at if info else None),
        ui.Field(id=ids.EVENTS_LOCATION, label="Place", required=False, action_id="value",
                 hint="A room, a building: give a place, an online link, or both.",
                 max_length=events.LOCATION_LIMIT, initial=info.location if info and info.location else None),
        ui.Field(id=ids.EVENTS_LINK, label="Online link", kind=ui.FieldKind.URL, required=False, action_id="value",
                 initial=info.online_link if info and info.online_link else None),
        ui.Field(id=ids.EVENTS_CAPACITY, label="Capacity", kind=ui.FieldKind.NUMBER, required=False,
                 action_id="value", min_value=1,
                 hint="Places available; when full, Going joins a waitlist. Empty: no limit.",
                 initial=info.capacity if info and info.capacity else None),
        ui.Field(id=ids.EVENTS_DEADLINE, label="RSVP deadline", kind=ui.FieldKind.DATETIME, required=False,
                 action_id="value", initial=info.rsvp_deadline if info else None),
        ui.Field(id=ids.EVENTS_DESCRIPTION, label="Description", required=False, action_id="value",
                 multiline=True, max_length=events.DESCRIPTION_LIMIT,
                 initial=info.description if info and info.description else None),
    ]
    if info is None:
        fields += [
            ui.Field(id=ids.EVENTS_REPEAT, label="Repeats", kind=ui.FieldKind.SELECT, required=False,
                     action_id="value", placeholder="Does not repeat", options=(
                         ui.option("Does not repeat", "none"),
                         *(ui.option(label.capitalize(), key) for key, label in events.FREQUENCY_LABELS.items()))),
            ui.Field(id=ids.EVENTS_UNTIL, label="Repeats until", kind=ui.FieldKind.DATE, required=False,
                     action_id="value", hint="The date of the last one. Each occurrence has its own RSVPs."),
        ]
        if announce_to:
            fields.append(ui.Field(id=ids.EVENTS_ANNOUNCE, label="Announce", kind=ui.FieldKind.CHECKBOXES,
                                   required=False, action_id="value", options=(
                                       ui.option("Post it in the network channel with RSVP buttons", "yes"),)))
    return ui.Form(id=ids.EVENTS_MODAL, title="Edit event" if info else "New event",
                   submit="Save" if info else "Create", metadata=f"{info.id}:{info.sequence}" if info else "",
                   blocks=tuple(fields))


def cancel_modal(info: EventInfo, *, tz: tzinfo, now: datetime) -> ui.Form:
    """Cancelling asks first: what will happen, and an optional reason for the DM."""
    c = info.counts
    told = c.going + c.maybe + c.waitlist
    return ui.Form(id=ids.EVENTS_CANCEL_MODAL, metadata=f"{info.id}:{info.sequence}", title="Cancel event?",
                   submit="Cancel the event", close="Keep it", blocks=(
                       ui.Rich((ui.Bold(info.title), f"\n{when(info, tz, now)}")),
                       ui.section(f"{plural(told, 'person', 'people')} who said going or maybe, or are on the "
                                  "waitlist, will get a DM. Their answers are kept in the event's history."),
                       ui.Field(id=ids.EVENTS_REASON, label="Reason (in the DM)", required=False, action_id="value",
                                multiline=True, max_length=events.REASON_LIMIT),
                   ))


def attendance_modal(found: events.Attendees, *, tz: tzinfo, now: datetime) -> ui.Form:
    going = [a.user_id for a in found.going if a.attended is not False] if not found.recorded else \
        [a.user_id for a in [*found.going, *found.maybe, *found.waitlist, *found.not_going] if a.attended]
    return ui.Form(id=ids.EVENTS_ATTENDANCE_MODAL, metadata=str(found.event.id), title="Who came?", submit="Save",
                   blocks=(
                       ui.Rich((ui.Bold(found.event.title), f"\n{when(found.event, tz, now)}")),
                       ui.Field(id=ids.EVENTS_ATTENDED, label="Attended", kind=ui.FieldKind.MEMBERS, required=False,
                                action_id="value", initial=tuple(going) or None,
                                hint="Starts with everyone who said going: take out who didn't come, add who came "
                                     "without answering."),
                   ))


def done_view(title: str, text: str) -> ui.Form:
    return ui.Form(id=ids.EVENTS_DONE_MODAL, title=title, close="Done", blocks=(note(text),))


# Attendees -----------------------------------------------------------------------------------

def attendees_blocks(found: events.Attendees, *, tz: tzinfo, now: datetime, manage: bool) -> list[ui.Block]:
    info = found.event
    result: list[ui.Block] = [ui.header("Attendees"), summary(info, tz, now, excerpt=0)]
    capacity = f" of {info.capacity}" if info.capacity else ""
    groups = (("Going", found.going, capacity), ("Waitlist", found.waitlist, ""), ("Maybe", found.maybe, ""),
              ("Can't go", found.not_going, ""))
    for title, people, extra in groups:
        present = [a for a in people if not a.left]
        heading = f"*{title}* ({len(present)}{extra})"
        result.append(ui.section(heading + "\n" + (_names(people, numbered=title == "Waitlist",
                                                           recorded=found.recorded) or "nobody")))
    if found.recorded:
        came = sum(1 for a in [*found.going, *found.maybe, *found.waitlist, *found.not_going] if a.attended)
        result.append(ui.context(f":clipboard: Attendance recorded: {came} came (marked ✓)."))
    elif info.starts_at <= now and not info.cancelled:
        result.append(ui.context("Attendance isn't recorded yet: until it is, reports count who said going."))
    buttons = [ui.button("Download CSV", ids.EVENTS_CSV, str(info.id))]
    if manage and info.starts_at <= now and not info.cancelled:
        buttons.append(ui.button("Record who came", ids.EVENTS_RECORD, str(info.id)))
    result.append(ui.actions(*buttons, block_id=f"attendees_{info.id}"))
    return result


def _names(people: Sequence[events.Attendee], *, numbered: bool, recorded: bool) -> str:
    shown = []
    for a in people[:ATTENDEES_SHOWN]:
        label = f"<@{a.user_id}>"
        if a.left:
            label += " (left the workspace)"
        if recorded and a.attended:
            label += " ✓"
        shown.append(f"{a.waitlist_position}. {label}" if numbered and a.waitlist_position else label)
    text = ("\n" if numbered else ", ").join(shown)
    if len(people) > ATTENDEES_SHOWN:
        text += f"\n…and {len(people) - ATTENDEES_SHOWN} more: the CSV has everyone."
    return text


def choose_event_blocks(found: list[EventInfo], *, tz: tzinfo, now: datetime) -> list[ui.Block]:
    """`/tech event attendees` with no number: the organiser's recent and coming events."""
    if not found:
        return [ui.section("You have no events from the last 30 days or coming up. "
                           "`/tech event attendees <number>` opens any event's list.")]
    result: list[ui.Block] = [ui.section("*Whose attendees?* Your events from the last 30 days and coming up:")]
    for info in found:
        result += [ui.Rich((ui.Bold(info.title), f"  ·  {when(info, tz, now)}  ·  event {info.id}")),
                   ui.actions(ui.button("Attendees", ids.EVENTS_MANAGE, f"attendees:{info.id}"),
                              block_id=f"choose_{info.id}")]
    return result
