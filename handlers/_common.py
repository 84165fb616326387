"""Small helpers the feature listeners share: reading a payload, replying, the member's day.

A refusal or a failure in work after the ack needs nothing from here: bot/app.py wraps
every lazy listener with bot.listeners.telling_failures, which tells the person. Only an
ack has to turn a refusal into its own reply (`refused`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import Respond
from slack_sdk import WebClient

from bot import blocks
from core import ui
from core.commands import split
from bot.listeners import after_a_form
from core.markup import escape
from core.request import Request
from storage.clock import now
from storage.db import LARGEST_ID, storable_id
from storage.errors import DomainError, MalformedPayload
from storage.members import Actor

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")


# What the person typed, and what we say back ----------------------------------------------

def words_after(body: dict[str, Any]) -> str:
    """`/tech cpd export all ` -> 'export all': what the person typed after the subcommand."""
    return split(body.get("text"))[1].strip()


def verb_and_argument(body: dict[str, Any]) -> tuple[str, str]:
    """`/tech cpd export all` -> ('export', 'all'): the word after the subcommand, and the rest."""
    return split(words_after(body))


def not_known(subcommand: str, typed: str) -> str:
    """The start of the answer to words a subcommand does not know, quoted as typed."""
    return f"I don't know `/tech {subcommand} {escape(typed.strip()[:60])}`."


def say(mrkdwn: str) -> dict[str, Any]:
    """An ephemeral reply of one section (keyword arguments for ack() or respond())."""
    return blocks.ephemeral(ui.note(mrkdwn))


def refused(error: DomainError) -> dict[str, Any]:
    """A rule's refusal as the ack's reply; its message may quote what someone typed."""
    return blocks.ephemeral(refusal(error))


def refusal(error: DomainError) -> ui.Message:
    """A rule's refusal as a reply; its message may quote what someone typed."""
    return ui.note(f":no_entry: {escape(error.message)}")


def dm_channel(client: WebClient, user_id: str) -> str:
    """The bot's DM with a member, opened first: a file upload needs a channel id, not a user id."""
    return str(client.conversations_open(users=user_id)["channel"]["id"])


def answer_button(runtime: Runtime, body: dict[str, Any], actor: Actor, respond: Respond, text: str) -> None:
    """Answer a button: under the message it sits in, or by DM when it has none (the Home tab, a modal)."""
    if body.get("response_url"):
        respond(replace_original=False, **say(text))
    else:
        runtime.delivery.dm(actor.user_id, blocks.note(text))


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
        raise malformed(f"{what} is not an id: {_shown(value)}")
    return number


def payload_count(value: object, what: str, *, most: int = LARGEST_ID) -> int:
    """A count a button carries (a page's offset, days): 0 to `most`."""
    if value in (None, ""):
        return 0
    if not isinstance(value, str) or not _DIGITS.fullmatch(value) or int(value) > most:
        raise malformed(f"{what} is not a count: {_shown(value)}")
    return int(value)


def malformed(detail: str) -> MalformedPayload:
    """The error for a payload Slack would not send, noted here in one line (no traceback):
    whoever catches it (a form's field errors, the app's error handler) only answers the person."""
    if not after_a_form():
        log.warning("refused a malformed request: %s", detail)
    return MalformedPayload(detail)


def _shown(value: object) -> str:
    # The log line names what was wrong without carrying whatever was sent.
    return f"{type(value).__name__} {str(value)[:40]!r}" if isinstance(value, str) else type(value).__name__


# Slack's user ids (U..., W... on Enterprise Grid); the members table holds 32 characters.
_USER_ID = re.compile(r"[A-Z][A-Z0-9]{1,31}")


def is_user_id(value: object) -> bool:
    """Whether `value` has the shape of a Slack user id."""
    return isinstance(value, str) and _USER_ID.fullmatch(value) is not None


# Buttons and menus ------------------------------------------------------------------------

def button_value(action: dict[str, Any]) -> str:
    """The value a button or a menu's chosen option carries ('' when it carries none)."""
    option = action.get("selected_option")
    if option is not None:
        if not isinstance(option, dict):
            raise malformed(f"{action.get('action_id')}: selected_option is {_shown(option)}")
        value = option.get("value")
    else:
        value = action.get("value")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise malformed(f"{action.get('action_id')}: value is {_shown(value)}")
    return value


def button_id(action: dict[str, Any], what: str) -> int:
    """The id a button carries as its whole value (a Going button's event, a Delete's entry)."""
    return payload_id(button_value(action), f"{action.get('action_id')}'s {what}")


def value_id(request: Request, what: str) -> int:
    """The id a pressed button carries as its whole value, from a routed request."""
    return payload_id(request.value, f"{request.action_id}'s {what}")


# Modal submissions ------------------------------------------------------------------------

def metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The JSON object a form carries in private_metadata (empty when it carries none)."""
    return metadata_object(view.get("private_metadata"), str(view.get("callback_id")))


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
        raise malformed(f"input {field_id}: {_shown(found)}")
    return found


def text_metadata(view: dict[str, Any]) -> str:
    """The private_metadata of a form that carries it as plain text ('' when it carries none)."""
    text = view.get("private_metadata")
    if text is None:
        return ""
    if not isinstance(text, str):
        raise malformed(f"{view.get('callback_id')}: private_metadata is {_shown(text)}")
    return text


def values(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted form's `state.values`: what each input block holds, by block_id."""
    found = view["state"].get("values") if isinstance(view.get("state"), dict) else None
    if not isinstance(found, dict) or not all(isinstance(block, dict) for block in found.values()):
        raise malformed(f"{view.get('callback_id')}: the submission has no state.values")
    # Slack sends every input block of the form, an empty one too (its value null).
    inputs = {b.get("block_id") for b in view.get("blocks") or []
              if isinstance(b, dict) and b.get("type") == "input"}
    if not inputs <= found.keys():
        raise malformed(f"{view.get('callback_id')}: the submission lacks some of the form's inputs")
    return found


def state(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The state of the one element in input block `block_id` (empty when it is missing)."""
    if block_id not in values:
        return {}
    block = values[block_id]
    # Slack sends each input block as {action_id: the element's state}, which names its type.
    element = next(iter(block.values()), None) if isinstance(block, dict) and len(block) == 1 else None
    if not isinstance(element, dict) or not isinstance(element.get("type"), str):
        raise malformed(f"input {block_id} is not an element's state")
    return element


def _field(values: dict[str, Any], block_id: str, key: str, kind: type | tuple[type, ...]) -> Any:
    found = state(values, block_id).get(key)
    if found is not None and (not isinstance(found, kind) or isinstance(found, bool)):
        raise malformed(f"input {block_id}: {key} is {_shown(found)}")
    return found


def answer(values: dict[str, Any], block_id: str, key: str) -> str | None:
    """An element's answer that is text (`selected_time`, `selected_conversation`, ...), if any."""
    return _field(values, block_id, key, str) or None


def chosen(values: dict[str, Any], block_id: str) -> str | None:
    """The value of the option chosen in a select or radio buttons, if any."""
    option = _field(values, block_id, "selected_option", dict)
    if option is None:
        return None
    if not isinstance(option.get("value"), str):
        raise malformed(f"input {block_id}: the chosen option's value is {_shown(option.get('value'))}")
    return option["value"]


def picked(values: dict[str, Any], block_id: str) -> list[str]:
    """The values of the options ticked in checkboxes or a multi-select."""
    options = _field(values, block_id, "selected_options", list) or []
    if not all(isinstance(o, dict) and isinstance(o.get("value"), str) for o in options):
        raise malformed(f"input {block_id}: selected_options are not options")
    return [o["value"] for o in options]


def typed(values: dict[str, Any], block_id: str) -> str | None:
    """What was typed into a text input; None when it was left empty (Slack sends null or '')."""
    return answer(values, block_id, "value")


def user_picked(values: dict[str, Any], block_id: str) -> str | None:
    """The Slack user id chosen in a users select."""
    return answer(values, block_id, "selected_user")


def users_picked(values: dict[str, Any], block_id: str) -> list[str]:
    """The Slack user ids chosen in a multi-users select."""
    users = _field(values, block_id, "selected_users", list) or []
    if not all(isinstance(u, str) for u in users):
        raise malformed(f"input {block_id}: selected_users are not user ids")
    return users


# The days a picker may name: a series, its reminders and a development year are worked out
# from them by adding and taking days, months and years, which must stay within what datetime
# holds (years 1 to 9999).
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC)
_FIRST_DAY = date(1900, 1, 1)


def date_picked(values: dict[str, Any], block_id: str) -> date | None:
    """The day chosen in a date picker ('YYYY-MM-DD', a real day from 1900 to 2999)."""
    text = _field(values, block_id, "selected_date", str)
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) else None
    except ValueError:
        day = None
    if day is not None and _FIRST_DAY <= day < _LATEST.date():
        return day
    raise malformed(f"input {block_id}: selected_date is {_shown(text)}")


def moment_picked(values: dict[str, Any], block_id: str) -> datetime | None:
    """The moment chosen in a date-time picker (seconds since 1970), aware UTC."""
    stamp = _field(values, block_id, "selected_date_time", int)
    if stamp is None:
        return None
    if not _EARLIEST.timestamp() <= stamp < _LATEST.timestamp():
        raise malformed(f"input {block_id}: selected_date_time {stamp} is no moment before the year 3000")
    return datetime.fromtimestamp(stamp, tz=UTC)


def field_errors(view: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """`response_action: errors` for the view: each message by its input block.

    A message for a field the form does not show goes by its first input, so it is still seen
    (by its own name when the form shows no input: a forged form).
    """
    inputs: list[Any] = [b.get("block_id") for b in view.get("blocks") or []
              if isinstance(b, dict) and b.get("type") == "input"]
    result: dict[str, str] = {}
    for name, message in errors.items():
        block_id = name if name in inputs or not inputs else inputs[0]
        result[block_id] = result.get(block_id, "") + (" " if block_id in result else "") + message
    return result


# Days and zones ---------------------------------------------------------------------------

def member_tz(runtime: Runtime, actor: Actor) -> ZoneInfo:
    """The member's zone from Slack; the network's when Slack gave none we know."""
    try:
        return ZoneInfo(actor.timezone) if actor.timezone else runtime.settings.tz
    except (ZoneInfoNotFoundError, ValueError):
        return runtime.settings.tz


def member_today(runtime: Runtime, actor: Actor) -> date:
    """Today where the member is: what "in the future" and "this development year" mean for them."""
    return now().astimezone(member_tz(runtime, actor)).date()


def request_today(request: Request) -> date:
    """Today where the asker is (a routed request's zone): what "in the future" and "this development
    year" mean for them."""
    return now().astimezone(request.tz).date()


def network_today(runtime: Runtime, moment: datetime | None = None) -> date:
    """The day in the network's zone, now or at `moment`: deadlines and schedules are in its calendar."""
    return (moment or now()).astimezone(runtime.settings.tz).date()
