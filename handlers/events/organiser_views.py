"""Block Kit for what organisers see of events: the event form, cancelling, recording who
came, the attendees and choosing whose attendees. Organiser text is shown literally, as in
views.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DatePickerElement,
    DateTimePickerElement,
    InputBlock,
    NumberInputElement,
    PlainTextInputElement,
    StaticSelectElement,
    UrlInputElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot import blocks
from core import ids
from handlers.events.views import _option, _plain, note, rich, summary, when
from storage import events
from storage.events import EventInfo
from storage.words import plural

# Names listed inline per group in the attendees view; the CSV has everyone.
ATTENDEES_SHOWN = 120


# Organisers' forms ---------------------------------------------------------------------------

def event_modal(info: EventInfo | None = None, *, tz: tzinfo, announce_to: str | None = None) -> View:
    """The form for a new event (with repeat and announce) or for editing one occurrence."""
    def epoch(moment: datetime | None) -> int | None:
        return int(moment.timestamp()) if moment else None

    kinds = [_option(label, key) for key, label in events.KINDS.items()]
    kind = next((o for o in kinds if info and o.value == info.kind), None)
    inputs: list[Block] = [
        InputBlock(block_id=ids.EVENTS_TITLE, label=_plain("Title"), element=PlainTextInputElement(
            action_id="value", max_length=events.TITLE_LIMIT, initial_value=info.title if info else None,
            placeholder=_plain("Quarterly technicians' network meeting"))),
        InputBlock(block_id=ids.EVENTS_KIND, label=_plain("Kind"), element=StaticSelectElement(
            action_id="value", options=kinds, initial_option=kind, placeholder=_plain("Choose"))),
        InputBlock(block_id=ids.EVENTS_STARTS, label=_plain("Starts"), element=DateTimePickerElement(
            action_id="value", initial_date_time=epoch(info.starts_at) if info else None)),
        InputBlock(block_id=ids.EVENTS_ENDS, label=_plain("Ends"), element=DateTimePickerElement(
            action_id="value", initial_date_time=epoch(info.ends_at) if info else None)),
        InputBlock(block_id=ids.EVENTS_LOCATION, label=_plain("Place"), optional=True,
                   hint=_plain("A room, a building: give a place, an online link, or both."),
                   element=PlainTextInputElement(action_id="value", max_length=events.LOCATION_LIMIT,
                                                 initial_value=info.location if info and info.location else None)),
        InputBlock(block_id=ids.EVENTS_LINK, label=_plain("Online link"), optional=True,
                   element=UrlInputElement(action_id="value",
                                           initial_value=info.online_link if info and info.online_link else None)),
        InputBlock(block_id=ids.EVENTS_CAPACITY, label=_plain("Capacity"), optional=True,
                   hint=_plain("Places available; when full, Going joins a waitlist. Empty: no limit."),
                   element=NumberInputElement(action_id="value", is_decimal_allowed=False, min_value=1,
                                              initial_value=info.capacity if info and info.capacity else None)),
        InputBlock(block_id=ids.EVENTS_DEADLINE, label=_plain("RSVP deadline"), optional=True,
                   element=DateTimePickerElement(action_id="value",
                                                 initial_date_time=epoch(info.rsvp_deadline) if info else None)),
        InputBlock(block_id=ids.EVENTS_DESCRIPTION, label=_plain("Description"), optional=True,
                   element=PlainTextInputElement(action_id="value", multiline=True,
                                                 max_length=events.DESCRIPTION_LIMIT,
                                                 initial_value=info.description if info and info.description
                                                 else None)),
    ]
    if info is None:
        inputs += [
            InputBlock(block_id=ids.EVENTS_REPEAT, label=_plain("Repeats"), optional=True,
                       element=StaticSelectElement(action_id="value", placeholder=_plain("Does not repeat"), options=[
                           _option("Does not repeat", "none"),
                           *(_option(label.capitalize(), key) for key, label in events.FREQUENCY_LABELS.items())])),
            InputBlock(block_id=ids.EVENTS_UNTIL, label=_plain("Repeats until"), optional=True,
                       hint=_plain("The date of the last one. Each occurrence has its own RSVPs."),
                       element=DatePickerElement(action_id="value")),
        ]
        if announce_to:
            inputs.append(InputBlock(block_id=ids.EVENTS_ANNOUNCE, label=_plain("Announce"), optional=True,
                                     element=CheckboxesElement(action_id="value", options=[
                                         _option("Post it in the network channel with RSVP buttons", "yes")])))
    metadata = f"{info.id}:{info.sequence}" if info else ""
    return View(type="modal", callback_id=ids.EVENTS_MODAL, private_metadata=metadata,
                title=_plain("Edit event" if info else "New event", 24), submit=_plain("Save" if info else "Create"),
                close=_plain("Cancel"), blocks=inputs)


def cancel_modal(info: EventInfo, *, tz: tzinfo, now: datetime) -> View:
    """Cancelling asks first: what will happen, and an optional reason for the DM."""
    c = info.counts
    told = c.going + c.maybe + c.waitlist
    return View(type="modal", callback_id=ids.EVENTS_CANCEL_MODAL, private_metadata=f"{info.id}:{info.sequence}",
                title=_plain("Cancel event?", 24), submit=_plain("Cancel the event", 24), close=_plain("Keep it"),
                blocks=[
                    rich(("bold", info.title), f"\n{when(info, tz, now)}"),
                    blocks.section(f"{plural(told, 'person', 'people')} who said going or maybe, or are "
                                   "on the waitlist, will get a DM. Their answers are kept in the event's history."),
                    InputBlock(block_id=ids.EVENTS_REASON, label=_plain("Reason (in the DM)"), optional=True,
                               element=PlainTextInputElement(action_id="value", multiline=True,
                                                             max_length=events.REASON_LIMIT)),
                ])


def attendance_modal(found: events.Attendees, *, tz: tzinfo, now: datetime) -> View:
    going = [a.user_id for a in found.going if a.attended is not False] if not found.recorded else \
        [a.user_id for a in [*found.going, *found.maybe, *found.waitlist, *found.not_going] if a.attended]
    return View(type="modal", callback_id=ids.EVENTS_ATTENDANCE_MODAL, private_metadata=str(found.event.id),
                title=_plain("Who came?", 24), submit=_plain("Save"), close=_plain("Cancel"), blocks=[
                    rich(("bold", found.event.title), f"\n{when(found.event, tz, now)}"),
                    InputBlock(block_id=ids.EVENTS_ATTENDED, label=_plain("Attended"), optional=True,
                               hint=_plain("Starts with everyone who said going: take out who didn't come, add "
                                           "who came without answering."),
                               element=UserMultiSelectElement(action_id="value", initial_users=going or None)),
                ])


def done_view(title: str, text: str) -> View:
    return View(type="modal", callback_id=ids.EVENTS_DONE_MODAL, title=_plain(title, 24), close=_plain("Done"),
                blocks=[note(text)])


# Attendees -----------------------------------------------------------------------------------

def attendees_blocks(found: events.Attendees, *, tz: tzinfo, now: datetime, manage: bool) -> list[Block]:
    info = found.event
    result: list[Block] = [blocks.header("Attendees"), summary(info, tz, now, excerpt=0)]
    capacity = f" of {info.capacity}" if info.capacity else ""
    groups = (("Going", found.going, capacity), ("Waitlist", found.waitlist, ""), ("Maybe", found.maybe, ""),
              ("Can't go", found.not_going, ""))
    for title, people, extra in groups:
        present = [a for a in people if not a.left]
        heading = f"*{title}* ({len(present)}{extra})"
        result.append(blocks.section(heading + "\n" + (_names(people, numbered=title == "Waitlist",
                                                               recorded=found.recorded) or "nobody")))
    if found.recorded:
        came = sum(1 for a in [*found.going, *found.maybe, *found.waitlist, *found.not_going] if a.attended)
        result.append(blocks.context(f":clipboard: Attendance recorded: {came} came (marked ✓)."))
    elif info.starts_at <= now and not info.cancelled:
        result.append(blocks.context("Attendance isn't recorded yet: until it is, reports count who said going."))
    buttons = [blocks.button("Download CSV", ids.EVENTS_CSV, str(info.id))]
    if manage and info.starts_at <= now and not info.cancelled:
        buttons.append(blocks.button("Record who came", ids.EVENTS_RECORD, str(info.id)))
    result.append(blocks.actions(*buttons, block_id=f"attendees_{info.id}"))
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


def choose_event_blocks(found: list[EventInfo], *, tz: tzinfo, now: datetime) -> list[Block]:
    """`/tech event attendees` with no number: the organiser's recent and coming events."""
    if not found:
        return [blocks.section("You have no events from the last 30 days or coming up. "
                               "`/tech event attendees <number>` opens any event's list.")]
    result: list[Block] = [blocks.section("*Whose attendees?* Your events from the last 30 days and coming up:")]
    for info in found:
        result += [rich(("bold", info.title), f"  ·  {when(info, tz, now)}  ·  event {info.id}"),
                   blocks.actions(blocks.button("Attendees", ids.EVENTS_MANAGE, f"attendees:{info.id}"),
                                  block_id=f"choose_{info.id}")]
    return result


def until_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None
