"""Scheduled announcements: each slot posted once, late ones marked, too-late ones reported.

storage/announcements.py keeps the next slot of each announcement in the ledger;
delivering one puts the slot after it there first, so a repeat carries on whatever
happens to this post.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core import ui
from core.delivery import DeliveryError
from core.markup import escape
from core.views.announcements import post_blocks, when
from core.due import DueKind, DueKinds, Skip
from storage import announcements, ledger
from storage.words import plural

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)

# The configured grace (TECHNET_ANNOUNCE_GRACE) is applied in deliver(), where the
# settings are known; the runner's own check must not skip first.
NO_LIMIT = timedelta(days=3650)
# A post this much after its time says so (a tick or two late is not "late").
LATE_AFTER = timedelta(minutes=10)
REASONS = {
    "not_in_channel": "technet is no longer a member of <#{channel}>; type /invite @technet there",
    "channel_not_found": "the channel <#{channel}> no longer exists, or technet cannot see it",
    "is_archived": "<#{channel}> has been archived",
}


def register(kinds: DueKinds) -> None:
    kinds.add(DueKind(announcements.KIND, deliver, grace=NO_LIMIT, on_give_up=given_up))


def _when(runtime: Services, moment: datetime) -> str:
    return when(moment, runtime.settings.tz)


def deliver(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    announcement_id = announcements.announcement_id(claim.subject)
    slot = datetime.fromisoformat(str(claim.payload.get("slot") or claim.due_at.isoformat()))
    with runtime.db.transaction() as session:
        info = announcements.to_post(session, announcement_id)
        if info is None:
            raise Skip("the announcement was cancelled")
        announcements.schedule_after(session, announcement_id, slot)
    late = now - claim.due_at
    if late > runtime.settings.announce_grace:
        _dm(runtime, info.author_user, runtime.templates.get_template("announce_skipped.md.j2").render(
            info=info, when=_when(runtime, claim.due_at), grace=hours(runtime.settings.announce_grace),
            excerpt=_excerpt(info.text)))
        raise Skip(f"late by {late}, beyond the grace of {runtime.settings.announce_grace}")
    late_note = None
    if late > LATE_AFTER:
        late_note = runtime.templates.get_template("announce_late.md.j2").render(when=_when(runtime, claim.due_at))
    posted = runtime.delivery.post(info.channel_id, ui.message(post_blocks(info, late_note=late_note)))
    with runtime.db.transaction() as session:
        announcements.record_post(session, announcement_id)
    return posted.message_id


def given_up(runtime: Services, claim: ledger.Claimed, reason: str) -> None:
    """The post failed for good: its author hears why, and what to do."""
    with runtime.db.reading() as session:
        info = announcements.to_post(session, announcements.announcement_id(claim.subject))
    if info is None:
        return
    # The reason may be any exception's repr ("<urlopen error ...>"): shown literally, as the e-zine's is.
    why = REASONS.get(reason, "Slack kept refusing it (`{error}`)").format(channel=info.channel_id,
                                                                           error=escape(reason))
    _dm(runtime, info.author_user, runtime.templates.get_template("announce_failed.md.j2").render(
        info=info, when=_when(runtime, claim.due_at), why=why, excerpt=_excerpt(info.text)))


def _excerpt(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 80 else line[:79] + "…"


def hours(delta: timedelta) -> str:
    """A grace period as people read it: "1 hour", "1.5 hours"."""
    hours = delta.total_seconds() / 3600
    return plural(hours, "hour", shown=f"{hours:g}")


def _dm(runtime: Services, user_id: str, text: str) -> None:
    try:
        runtime.delivery.dm(user_id, ui.note(text))
    except DeliveryError as e:
        log.warning("could not tell %s about their announcement (%s)", user_id, e.reason)
