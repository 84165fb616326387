"""Small helpers the feature handlers share: reading a request's values, replying, the member's day.

A refusal raised by a handler (storage.errors.DomainError) reaches the person through the
surface's error handling; a handler turns one into its own reply only where it says more.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core import ui
from core.markup import escape
from core.request import Request
from storage.clock import now
from storage.db import LARGEST_ID, storable_id
from storage.errors import DomainError, MalformedPayload
from storage.members import Actor

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")


# What the person typed, and what we say back ----------------------------------------------


def not_known(subcommand: str, typed: str) -> str:
    """The start of the answer to words a subcommand does not know, quoted as typed."""
    return f"I don't know `/tech {subcommand} {escape(typed.strip()[:60])}`."


def refusal(error: DomainError) -> ui.Message:
    """A rule's refusal as a reply; its message may quote what someone typed."""
    return ui.note(f":no_entry: {escape(error.message)}")


# Numbers: an id typed or carried ---------------------------------------------------------------

# ASCII digits only: str.isdigit() also takes '²' and '١٢', which int() refuses or reads as another number.
_DIGITS = re.compile(r"[0-9]{1,10}")


def _id_in(text: object) -> int | None:
    """The id `text` spells (1 to LARGEST_ID, the most an id column holds), or None."""
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if storable_id(number) else None


def typed_id(argument: str, expected: str) -> int:
    """The number someone typed after a command (`/tech event 12`, `#12`); `expected` says what it should be."""
    number = _id_in(argument.strip().removeprefix("#"))
    if number is None:
        raise DomainError(expected)
    return number


def payload_id(value: object, what: str) -> int:
    """The id a button's value or a form's metadata carries: `what` names it for the log."""
    number = _id_in(value)
    if number is None:
        raise malformed(f"{what} is not an id: {brief(value)}")
    return number


def payload_count(value: object, what: str, *, most: int = LARGEST_ID) -> int:
    """A count a button carries (a page's offset, days): 0 to `most`."""
    if value in (None, ""):
        return 0
    if not isinstance(value, str) or not _DIGITS.fullmatch(value) or int(value) > most:
        raise malformed(f"{what} is not a count: {brief(value)}")
    return int(value)


def malformed(detail: str) -> MalformedPayload:
    """The error for a payload Slack would not send, noted here in one line (no traceback):
    whoever catches it (a form's field errors, the app's error handler) only answers the person."""
    log.warning("refused a malformed request: %s", detail)
    return MalformedPayload(detail)


def brief(value: object) -> str:
    # The log line names what was wrong without carrying whatever was sent.
    return f"{type(value).__name__} {str(value)[:40]!r}" if isinstance(value, str) else type(value).__name__


# Buttons and menus ------------------------------------------------------------------------


def value_id(request: Request, what: str) -> int:
    """The id a pressed button carries as its whole value, from a routed request."""
    return payload_id(request.value, f"{request.action_id}'s {what}")


# Modal submissions ------------------------------------------------------------------------


def metadata_object(text: object, form_id: str) -> dict[str, Any]:
    """The JSON object a form's metadata holds (a Request's `metadata`); empty when it holds none."""
    if text in (None, ""):
        return {}
    try:
        found = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise malformed(f"{form_id}: private_metadata is not a JSON object")
    return found


# A form's typed values (core.request.Request.values), each read as the kind its field is. A value
# of another kind is a form Slack would not send (an element swapped for another): malformed.

def field_text(values: Mapping[str, ui.FieldValue], field_id: str) -> str | None:
    """What was typed in a text field, or the id picked in a single person or conversation picker."""
    return _of_kind(values, field_id, str)


def field_choice(values: Mapping[str, ui.FieldValue], field_id: str) -> str | None:
    """The value of the option chosen in a select or radio buttons, if any."""
    option = _of_kind(values, field_id, ui.Option)
    return None if option is None else option.value


def field_choices(values: Mapping[str, ui.FieldValue], field_id: str) -> list[str]:
    """The values of the options ticked in checkboxes or a multi-select."""
    chosen = _of_kind(values, field_id, tuple) or ()
    if not all(isinstance(o, ui.Option) for o in chosen):
        raise malformed(f"input {field_id}: not a choice of options")
    return [o.value for o in chosen if isinstance(o, ui.Option)]


def field_ids(values: Mapping[str, ui.FieldValue], field_id: str) -> list[str]:
    """The ids picked in a multi-person picker."""
    picked = _of_kind(values, field_id, tuple) or ()
    if not all(isinstance(i, str) for i in picked):
        raise malformed(f"input {field_id}: not a choice of people")
    return [i for i in picked if isinstance(i, str)]


def field_moment(values: Mapping[str, ui.FieldValue], field_id: str) -> datetime | None:
    """The moment picked in a date-time field (aware UTC)."""
    return _of_kind(values, field_id, datetime)


def field_day(values: Mapping[str, ui.FieldValue], field_id: str) -> date | None:
    """The day picked in a date field."""
    day = _of_kind(values, field_id, date)
    if isinstance(day, datetime):  # a datetime is a date too, but no date field gives one
        raise malformed(f"input {field_id}: a moment, not a day")
    return day


def _of_kind(values: Mapping[str, ui.FieldValue], field_id: str, kind: type[T]) -> T | None:
    found = values.get(field_id)
    if found is not None and not isinstance(found, kind):
        raise malformed(f"input {field_id}: {brief(found)}")
    return found


# Days and zones ---------------------------------------------------------------------------

def member_tz(runtime: Services, actor: Actor) -> ZoneInfo:
    """The member's zone as their surface gave it; the network's when it gave none we know."""
    try:
        return ZoneInfo(actor.timezone) if actor.timezone else runtime.settings.tz
    except (ZoneInfoNotFoundError, ValueError):
        return runtime.settings.tz


def member_today(runtime: Services, actor: Actor) -> date:
    """Today where the member is: what "in the future" and "this development year" mean for them."""
    return now().astimezone(member_tz(runtime, actor)).date()


def request_today(request: Request) -> date:
    """Today where the asker is (a routed request's zone): what "in the future" and "this development
    year" mean for them."""
    return now().astimezone(request.tz).date()


def network_today(runtime: Services, moment: datetime | None = None) -> date:
    """The day in the network's zone, now or at `moment`: deadlines and schedules are in its calendar."""
    return (moment or now()).astimezone(runtime.settings.tz).date()
