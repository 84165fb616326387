"""After the ack: refreshing the message a click came from and the channel announcement, and
sending at once what a change owes people (its notices, due rows in the ledger that
digests/event_notices.py sends)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.dispatch import publish_home_of
from bot.runtime import Runtime
from core.views.events import SCOPES, event_blocks, note, post_blocks, post_lead
from handlers._common import member_tz
from handlers.events.replies import card_reply, list_reply
from storage import events
from storage.clock import now
from storage.members import Actor

log = logging.getLogger(__name__)


def refresh(runtime: Runtime, client: WebClient, body: dict[str, Any], respond: Respond, actor: Actor,
            event_id: int, scope: str, offset: int, *, lead: str | None, failed: bool = False) -> None:
    """Update the message the click came from, and confirm to the clicker alone."""
    container = body.get("container") or {}
    if scope in SCOPES:
        reply = list_reply(runtime, actor, scope, offset=offset, lead=lead)
        respond(replace_original=True, **blocks.ephemeral(reply))
    elif scope == "card":
        respond(replace_original=True, **blocks.ephemeral(card_reply(runtime, actor, event_id, lead=lead)))
    elif scope == "home":
        publish_home_of(runtime, client, actor)
        if failed and lead:
            client.chat_postMessage(channel=actor.slack_user_id, **blocks.message([note(lead)]))
    else:
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if scope in ("post", "dm") and channel and ts:
            _update_message(runtime, client, actor, event_id, channel, ts, body, personal=scope == "dm")
        if lead:
            respond(replace_original=False, **blocks.ephemeral([note(lead)]))


def _update_message(runtime: Runtime, client: WebClient, actor: Actor, event_id: int, channel: str, ts: str,
                    body: dict[str, Any], *, personal: bool) -> None:
    """Refresh the event in a message of ours (a DM: the member's own view; a channel post:
    everyone's); its first block, what the message was about, stays."""
    with runtime.db.reading() as session:
        info = events.get_event(session, event_id, viewer=actor.member_id if personal else None)
    first = ((body.get("message") or {}).get("blocks") or [None])[0]
    tz = member_tz(runtime, actor) if personal else runtime.settings.tz
    fresh = event_blocks(info, now=now(), tz=tz, scope="dm" if personal else "post", personal=personal,
                         full=not personal)
    message_blocks = ([first] if first else []) + blocks.to_dicts(fresh)
    try:
        client.chat_update(channel=channel, ts=ts, **blocks.message(message_blocks, title=info.title))
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
    lead = post_lead(runtime.templates, info, tz=runtime.settings.tz, count=count)
    try:
        client.chat_update(channel=channel, ts=ts, **blocks.message(
            post_blocks(info, now=now(), tz=runtime.settings.tz, lead=lead),
            title=f"{info.kind_label}: {info.title}"))
    except SlackApiError as e:
        log.warning("could not update the post of event %s: %s", event_id, e.response.get("error"))

