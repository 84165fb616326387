"""Reading Slack's payloads: what the adapter (bot/dispatch.py) and the app's middleware take
from a Bolt body before any handler sees a plain Request. What Slack would never send is
refused as malformed (storage.errors.MalformedPayload), in one log line."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from handlers._common import brief, malformed

# Slack's user ids (U..., W... on Enterprise Grid).
_USER_ID = re.compile(r"[A-Z][A-Z0-9]{1,31}")
# The days a picker may name: a series, its reminders and a development year are worked out
# from them by adding and taking days, months and years, which must stay within what datetime
# holds (years 1 to 9999).
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(3000, 1, 1, tzinfo=UTC)
_FIRST_DAY = date(1900, 1, 1)


def is_user_id(value: object) -> bool:
    """Whether `value` has the shape of a Slack user id."""
    return isinstance(value, str) and _USER_ID.fullmatch(value) is not None


def button_value(action: dict[str, Any]) -> str:
    """The value a button or a menu's chosen option carries ('' when it carries none)."""
    option = action.get("selected_option")
    if option is not None:
        if not isinstance(option, dict):
            raise malformed(f"{action.get('action_id')}: selected_option is {brief(option)}")
        value = option.get("value")
    else:
        value = action.get("value")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise malformed(f"{action.get('action_id')}: value is {brief(value)}")
    return value


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
        raise malformed(f"input {block_id}: {key} is {brief(found)}")
    return found


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
    raise malformed(f"input {block_id}: selected_date is {brief(text)}")


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
