"""Small helpers the feature listeners share: reading a payload, replying, the member's day.

A refusal or a failure in work after the ack needs nothing from here: bot/app.py wraps
every lazy listener with bot.listeners.telling_failures, which tells the person. Only an
ack has to turn a refusal into its own reply (`refused`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import Respond
from slack_sdk import WebClient

from bot import blocks
from bot.commands import split
from bot.mrkdwn import escape
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor

if TYPE_CHECKING:
    from bot.runtime import Runtime


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
    return blocks.ephemeral([blocks.section(mrkdwn)])


def refused(error: DomainError) -> dict[str, Any]:
    """A rule's refusal as the ack's reply; its message may quote what someone typed."""
    return say(f":no_entry: {escape(error.message)}")


def dm_channel(client: WebClient, slack_user_id: str) -> str:
    """The bot's DM with a member, opened first: a file upload needs a channel id, not a user id."""
    return str(client.conversations_open(users=slack_user_id)["channel"]["id"])


def answer_button(client: WebClient, body: dict[str, Any], actor: Actor, respond: Respond, text: str) -> None:
    """Answer a button: under the message it sits in, or by DM when it has none (the Home tab, a modal)."""
    if body.get("response_url"):
        respond(replace_original=False, **say(text))
    else:
        client.chat_postMessage(channel=actor.slack_user_id, **blocks.note(text))


# Modal submissions ------------------------------------------------------------------------

def state(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The state of the one element in input block `block_id` (empty when it is missing)."""
    return next(iter((values.get(block_id) or {}).values()), {}) or {}


def chosen(values: dict[str, Any], block_id: str) -> str | None:
    """The value of the option chosen in a select or radio buttons, if any."""
    return (state(values, block_id).get("selected_option") or {}).get("value")


def typed(values: dict[str, Any], block_id: str) -> str | None:
    """What was typed into a text input; None when it was left empty (Slack sends null or '')."""
    return state(values, block_id).get("value") or None


def field_errors(view: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """`response_action: errors` for the view: each message by its input block.

    A message for a field the form does not show goes by its first input, so it is still seen.
    """
    inputs = [b.get("block_id") for b in view.get("blocks", []) if b.get("type") == "input"]
    result: dict[str, str] = {}
    for name, message in errors.items():
        block_id = name if name in inputs else inputs[0]
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


def network_today(runtime: Runtime, moment: datetime | None = None) -> date:
    """The day in the network's zone, now or at `moment`: deadlines and schedules are in its calendar."""
    return (moment or now()).astimezone(runtime.settings.tz).date()
