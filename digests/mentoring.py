"""Mentoring check-ins: a message to both mentor and mentee, in their group DM, at the pairing's
agreed cadence (monthly by default) until either ends it.

Accepting a request schedules the first check-in (storage/mentoring/); each check-in
schedules the next before it is posted, so a retried post never skips or doubles one.
An ended pairing, or a cadence changed since the row was scheduled, is skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core import ui
from core.views.mentoring import checkin_blocks
from core.due import DueKind, DueKinds, Skip
from storage import ledger, mentoring

if TYPE_CHECKING:
    from core.services import Services


def register(kinds: DueKinds) -> None:
    # A check-in a day or two late (a long restart) is still worth sending.
    kinds.add(DueKind(mentoring.CHECKIN, deliver_checkin, grace=timedelta(days=2)))


def deliver_checkin(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    tz = runtime.settings.tz
    pairing_id = int(claim.subject.split(":")[1])
    with runtime.db.transaction() as session:
        pairing = mentoring.checkin_to_send(session, pairing_id, claim.occurrence, due_at=claim.due_at, tz=tz)
    if pairing is None:
        raise Skip("the pairing ended, or its cadence changed")
    channel = pairing.group_conversation
    if channel is None:
        # The introduction could not open the group DM at the time: open it now.
        channel = runtime.delivery.group([pairing.mentor_user, pairing.mentee_user])
        with runtime.db.transaction() as session:
            mentoring.set_group_conversation(session, pairing.id, runtime.delivery.surface, channel)
    posted = runtime.delivery.post(channel, ui.message(
        checkin_blocks(pairing, now=now, tz=tz),
        title=f"Mentoring check-in: {pairing.mentor_name} and {pairing.mentee_name}"))
    return posted.message_id
