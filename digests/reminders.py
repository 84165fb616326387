"""Event reminders: a DM to each member going, at the configured offsets before the start
(TECHNET_EVENT_REMINDERS, by default the day before and an hour before), and a post in the
network channel on the morning of a network meeting.

storage/events/reminders.py schedules one due row per member and reminder (when they say
going, are promoted, or the event moves); the ledger claims each once, across restarts,
retries and replicas (DESIGN decision 3). A row that no longer applies (the member dropped
out or left the workspace, the event moved, was cancelled or has started) is skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core import ui
from core.views import events as views
from core.due import DueKind, DueKinds, Skip
from digests.runner import network_channel
from storage import events, ledger

if TYPE_CHECKING:
    from core.settings import Settings
    from core.services import Services


def register(kinds: DueKinds) -> None:
    # A reminder late by hours (a long outage) still helps while the event has not started,
    # which the deliverer checks; the morning post is pointless by the afternoon.
    kinds.add(DueKind(events.REMINDER, deliver_reminder, grace=timedelta(hours=6)))
    kinds.add(DueKind(events.MORNING, deliver_morning_post, grace=timedelta(hours=3)))


def reminder_rules(settings: Settings) -> events.ReminderRules:
    """Which reminders the network's settings ask for: what an RSVP schedules and promises."""
    return events.ReminderRules.from_labels(settings.event_reminders)


def _zone(runtime: Services, name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else runtime.settings.tz
    except (ZoneInfoNotFoundError, ValueError):
        return runtime.settings.tz


def deliver_reminder(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    with runtime.db.reading() as session:
        reminder, why = events.reminder_to_send(session, claim.payload, now=now)
    if reminder is None:
        raise Skip(why)
    info = reminder.event
    tz = _zone(runtime, reminder.member_timezone)
    text = runtime.templates.get_template("events_reminder.txt.j2").render(
        title=info.title, when=views.relative(info.starts_at, now, tz), place=views.place(info),
        offset=reminder.offset, organiser=info.organiser_name or "the organiser")
    return send_dm(runtime, reminder.member, text, info, now=now, tz=tz)


def send_dm(runtime: Services, member: str, text: str, info: events.EventInfo, *, now: datetime, tz: ZoneInfo) -> str:
    """DM a member about an event (what happened, then the event with their own buttons); its ts."""
    return runtime.delivery.dm(member, ui.message(views.dm_blocks(text, info, now=now, tz=tz))).message_id


def deliver_morning_post(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    channel = network_channel(runtime)
    with runtime.db.reading() as session:
        info, why = events.morning_post_to_send(session, claim.payload)
    if info is None:
        raise Skip(why)
    tz = runtime.settings.tz
    text = runtime.templates.get_template("events_morning.txt.j2").render(
        title=info.title, time=views.clock(info.starts_at, tz) + f" {info.starts_at.astimezone(tz):%Z}",
        place=views.place(info), going=info.counts.going, open=info.closed_reason(now) is None)
    posted = runtime.delivery.post(channel, ui.message(views.post_blocks(info, now=now, tz=tz, lead=text)))
    return posted.message_id
