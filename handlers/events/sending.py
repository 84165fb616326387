"""After the ack: refreshing the message a click came from, and sending what changes owe
people (notices, each claimed once in storage) and the channel announcement."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from bot.mrkdwn import escape
from bot.runtime import Runtime
from handlers.events import views
from handlers.events.replies import _zone, card_reply, list_reply, member_tz, reminder_rules
from handlers.home import publish_home
from storage import events
from storage.clock import now
from storage.members import Actor, find_member

log = logging.getLogger(__name__)


def refresh(runtime: Runtime, client: WebClient, body: dict[str, Any], respond: Respond, actor: Actor,
            event_id: int, scope: str, offset: int, *, lead: str | None, failed: bool = False) -> None:
    """Update the message the click came from, and confirm to the clicker alone."""
    container = body.get("container") or {}
    if scope in views.SCOPES:
        respond(replace_original=True, **list_reply(runtime, actor, scope, offset=offset, lead=lead))
    elif scope == "card":
        respond(replace_original=True, **card_reply(runtime, actor, event_id, lead=lead))
    elif scope == "home":
        publish_home(runtime, client, actor)
        if failed and lead:
            client.chat_postMessage(channel=actor.slack_user_id, text=escape(lead), blocks=[views.note(lead).to_dict()])
    else:
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if scope in ("post", "dm") and channel and ts:
            _update_message(runtime, client, actor, event_id, channel, ts, body, personal=scope == "dm")
        if lead:
            respond(replace_original=False, response_type="ephemeral", text=escape(lead),
                    blocks=[views.note(lead).to_dict()])


def _update_message(runtime: Runtime, client: WebClient, actor: Actor, event_id: int, channel: str, ts: str,
                    body: dict[str, Any], *, personal: bool) -> None:
    """Refresh the event in a message of ours (a DM: the member's own view; a channel post:
    everyone's); its first block, what the message was about, stays."""
    with runtime.db.reading() as session:
        info = events.get_event(session, event_id, viewer=actor.member_id if personal else None)
    first = ((body.get("message") or {}).get("blocks") or [None])[0]
    tz = member_tz(runtime, actor) if personal else runtime.settings.tz
    fresh = views.event_blocks(info, now=now(), tz=tz, scope="dm" if personal else "post", personal=personal,
                               full=not personal)
    message_blocks = ([first] if first else []) + blocks.to_dicts(fresh)
    try:
        client.chat_update(channel=channel, ts=ts, text=escape(info.title), blocks=message_blocks)
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
    lead = post_lead(runtime, info, count=count)
    try:
        client.chat_update(channel=channel, ts=ts, text=escape(f"{info.kind_label}: {info.title}"),
                           blocks=blocks.to_dicts(views.post_blocks(info, now=now(), tz=runtime.settings.tz,
                                                                    lead=lead)))
    except SlackApiError as e:
        log.warning("could not update the post of event %s: %s", event_id, e.response.get("error"))


def post_lead(runtime: Runtime, info: events.EventInfo, *, count: int = 1) -> str:
    series = views.series_note(info, runtime.settings.tz) if count > 1 else ""
    return runtime.templates.get_template("events_announce.txt.j2").render(
        kind=info.kind_label, organiser=info.organiser_name or "an organiser", series=series, count=count)


def send_notices(runtime: Runtime, client: WebClient, *, event_ids: list[int]) -> int:
    """Claim and send what changes to these events owe people; returns the messages sent.

    Each notice is claimed in the database first, so a repeated delivery sends nothing twice.
    One recipient who cannot be reached does not stop the others.
    """
    if not event_ids:
        return 0
    with runtime.db.transaction() as session:
        claimed = events.claim_notices(session, now=now(), event_ids=event_ids)
    sent = 0
    for notice in claimed:
        if notice.kind == events.NOTICE_ANNOUNCE:
            sent += _announce(runtime, client, notice.event)
            continue
        for slack_user_id in notice.recipients:
            try:
                _send_notice(runtime, client, notice, slack_user_id)
                sent += 1
            except SlackApiError as e:
                log.warning("could not tell %s about event %s (%s): %s", slack_user_id, notice.event.id, notice.kind,
                            e.response.get("error"))
    return sent


def _announce(runtime: Runtime, client: WebClient, info: events.EventInfo) -> int:
    channel = runtime.settings.network_channel
    if not channel:
        return 0
    with runtime.db.reading() as session:
        count = events.series_size(session, info.series_id) if info.series_id else 1
    posted = client.chat_postMessage(
        channel=channel, text=escape(f"New {info.kind_label.lower()}: {info.title}"),
        blocks=blocks.to_dicts(views.post_blocks(info, now=now(), tz=runtime.settings.tz,
                                                 lead=post_lead(runtime, info, count=count))))
    with runtime.db.transaction() as session:
        events.record_announcement(session, info.id, str(posted["channel"]), str(posted["ts"]))
    return 1


def _send_notice(runtime: Runtime, client: WebClient, notice: events.Notice, slack_user_id: str) -> None:
    with runtime.db.reading() as session:
        member = find_member(session, slack_user_id)
        info = events.get_event(session, notice.event.id, viewer=member.id if member else None)
        tz = _zone(runtime, member.timezone if member else None)
    moment = now()
    templates = runtime.templates
    if notice.kind == events.NOTICE_PROMOTED:
        text = templates.get_template("events_promoted.txt.j2").render(
            title=info.title, when=views.when(info, tz, moment),
            reminders=reminder_rules(runtime.settings).describe())
    elif notice.kind == events.NOTICE_CANCELLED:
        text = templates.get_template("events_cancelled.txt.j2").render(
            title=info.title, when=views.when(info, tz, moment), organiser=info.organiser_name or "the organiser",
            reason=notice.details.get("reason"))
    else:
        before: dict[str, Any] = dict(notice.details.get("before") or {})  # type: ignore[call-overload]
        what = list(notice.details.get("what") or [])  # type: ignore[call-overload]
        was_start = datetime.fromisoformat(before["starts_at"]).astimezone(timezone.utc)
        was_end = datetime.fromisoformat(before["ends_at"]).astimezone(timezone.utc)
        was = views.when(_with_times(info, was_start, was_end), tz, moment)
        was_place = ", ".join(p for p in (before.get("location"), "online" if before.get("online_link") else None)
                              if p)
        text = templates.get_template("events_changed.txt.j2").render(
            title=info.title, moved="time" in what, when=views.when(info, tz, moment), was_when=was,
            new_place=views.place(info) if "place" in what else None, was_place=was_place,
            waitlisted=info.viewer_status == events.WAITLIST)
    client.chat_postMessage(channel=_dm_channel(client, slack_user_id), text=escape(text)[:3000],
                            blocks=blocks.to_dicts(views.dm_blocks(text, info, now=moment, tz=tz)))


def _with_times(info: events.EventInfo, starts_at: datetime, ends_at: datetime) -> events.EventInfo:
    return replace(info, starts_at=starts_at, ends_at=ends_at)


def _dm_channel(client: WebClient, slack_user_id: str) -> str:
    return str(client.conversations_open(users=slack_user_id)["channel"]["id"])
