"""Event notices: the DM a change owes each member (the event moved or changed place, was
cancelled, or a waitlist place came up), and the channel post of a new event.

storage/events/notices.py writes one due row per member told, due at once, in the change's
own unit of work; the handler runs the ledger right after the ack, so a notice usually goes
within a second. A send that fails (a 500, a 429 beyond the client's short wait) stays in
the ledger: the scheduler's tick retries it with backoff and gives up, with a log line,
after `ledger.MAX_ATTEMPTS` or once it is `NOTICE_FRESHNESS` late. What a notice says is
decided when it is sent, so it is true then; one that no longer applies is skipped.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from core import ui
from core.views import events as views
from digests.reminders import _zone, reminder_rules, send_dm
from core.due import DueKind, DueKinds, Skip
from digests.runner import network_channel
from storage import events, ledger

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)


def register(kinds: DueKinds) -> None:
    kinds.add(DueKind(events.NOTICE, deliver_notice, grace=events.NOTICE_FRESHNESS, on_give_up=_gave_up))
    kinds.add(DueKind(events.ANNOUNCE, deliver_announcement, grace=events.NOTICE_FRESHNESS, on_give_up=_gave_up))


def deliver_notice(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    with runtime.db.reading() as session:
        notice, why = events.notice_to_send(session, claim.payload, now=now)
    if notice is None:
        raise Skip(why)
    info, tz = notice.event, _zone(runtime, notice.member_timezone)
    templates = runtime.templates
    if notice.kind == events.NOTICE_PROMOTED:
        text = templates.get_template("events_promoted.txt.j2").render(
            title=info.title, when=views.when(info, tz, now),
            reminders=reminder_rules(runtime.settings).promise(info.starts_at, info.tz, now))
    elif notice.kind == events.NOTICE_CANCELLED:
        text = templates.get_template("events_cancelled.txt.j2").render(
            title=info.title, when=views.when(info, tz, now), organiser=info.organiser_name or "the organiser",
            reason=notice.reason)
    else:
        assert notice.was is not None
        text = templates.get_template("events_changed.txt.j2").render(
            title=info.title, moved="time" in notice.what, when=views.when(info, tz, now),
            was_when=views.when(notice.was, tz, now),
            new_place=views.place(info) if "place" in notice.what else None, was_place=views.place(notice.was),
            waitlisted=info.viewer_status == events.WAITLIST)
    return send_dm(runtime, notice.member, text, info, now=now, tz=tz)


def deliver_announcement(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    channel = network_channel(runtime)
    with runtime.db.reading() as session:
        info, why = events.announcement_to_send(session, claim.payload, now=now)
        count = events.series_size(session, info.series_id) if info and info.series_id else 1
    if info is None:
        raise Skip(why)
    posted = runtime.delivery.post(channel, ui.message(
        views.post_blocks(info, now=now, tz=runtime.settings.tz,
                          lead=views.post_lead(runtime.templates, info, tz=runtime.settings.tz, count=count)),
        title=f"New {info.kind_label.lower()}: {info.title}"))
    # Its counts are updated in place as people answer, so the post is remembered.
    with runtime.db.transaction() as session:
        events.record_announcement(session, info.id, posted)
    return posted.message_id


def _gave_up(runtime: Services, claim: ledger.Claimed, reason: str) -> None:
    # Nobody else hears of it: the organiser was told at the change who would get a DM.
    log.error("gave up on %s %s/%s after %d attempt(s): %s", claim.kind, claim.subject, claim.occurrence,
              claim.attempts, reason)
