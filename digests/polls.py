"""A poll's message as the votes come in, and its result at the close (storage.polls plans both).

A refresh first claims its moment (at most one update of a message a second, whoever sends it) in
a transaction of its own, then reads the counts: so whichever refresh wins shows every vote stored
before it, and one that loses is not needed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.due import DueKind, DueKinds, Skip
from core.views.polls import poll_message, result_message
from storage import ledger, polls

if TYPE_CHECKING:
    from core.services import Services


def register(kinds: DueKinds) -> None:
    kinds.add(DueKind(polls.POLL_REFRESH, deliver_refresh, grace=timedelta(days=1)))
    kinds.add(DueKind(polls.POLL_CLOSE, deliver_close, grace=timedelta(days=7)))


def _poll_id(claim: ledger.Claimed) -> int:
    return int(claim.payload.get("poll", 0))


def deliver_refresh(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    poll_id = _poll_id(claim)
    with runtime.db.transaction() as session:
        if not polls.claim_refresh(session, poll_id, now=now):
            raise Skip("the message was updated within the last second, after this vote")
    with runtime.db.reading() as session:
        info = polls.info(session, poll_id, now=now)
    if info is None or info.post is None:
        raise Skip("the poll is gone")
    if info.closed:
        raise Skip("the poll has closed: its close shows the result")
    runtime.delivery.update(info.post, poll_message(info, runtime.settings.tz))
    return f"{info.people} voted"


def deliver_close(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    poll_id = _poll_id(claim)
    with runtime.db.transaction() as session:
        polls.close(session, poll_id, now=now)
    with runtime.db.reading() as session:
        info = polls.info(session, poll_id, now=now)
    if info is None or info.post is None:
        raise Skip("the poll is gone")
    runtime.delivery.update(info.post, poll_message(info, runtime.settings.tz))
    posted = runtime.delivery.post(info.conversation, result_message(info))
    return posted.message_id
