"""Scheduled award posts: a cycle's opening, the reminder three days before it closes, the
close (which schedules the nominee notices when the cycle tells nominees), and those notices.

storage/awards/ schedules the due rows when a cycle opens or closes early; these
deliverers post each one once (the ledger's claim), and skip what no longer applies.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core import ui
from core.views import moments
from core.views.awards import nominate_button
from core.due import DueKind, DueKinds, Skip
from digests.runner import network_channel
from storage import awards, ledger

if TYPE_CHECKING:
    from core.services import Services


def register(kinds: DueKinds) -> None:
    kinds.add(DueKind(awards.OPENING, deliver_opening))
    kinds.add(DueKind(awards.REMINDER, deliver_reminder))
    # A late "closed" post still makes sense, and it is what schedules the nominee notices.
    kinds.add(DueKind(awards.CLOSING, deliver_closing, grace=timedelta(days=2)))
    kinds.add(DueKind(awards.NOMINEE_NOTICE, deliver_nominee_notice, grace=timedelta(days=2)))


def channel_blocks(text: ui.Markup, cycle: awards.CycleInfo) -> list[ui.Block]:
    """The prose, with a Nominate button while the cycle is open (anyone in the channel may press it)."""
    result: list[ui.Block] = [ui.section(text)]
    if cycle.state == awards.OPEN:
        result.append(ui.actions(nominate_button(cycle)))
    return result


def _cycle(runtime: Services, claim: ledger.Claimed, now: datetime) -> awards.CycleInfo:
    with runtime.db.reading() as session:
        cycle = awards.cycle_for_post(session, claim.subject, now)
    if cycle is None:
        raise Skip("the award cycle no longer exists")
    return cycle


def _post(runtime: Services, template: str, cycle: awards.CycleInfo) -> str:
    channel = network_channel(runtime)
    text = runtime.templates.get_template(template).render(
        cycle=cycle, closes=moments.when(cycle.closes_at, runtime.settings.tz))
    return runtime.delivery.post(channel, ui.message(channel_blocks(text, cycle))).message_id


def deliver_opening(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    cycle = _cycle(runtime, claim, now)
    if cycle.state != awards.OPEN:
        raise Skip(f"the cycle is {cycle.state}")
    return _post(runtime, "awards_opening.md.j2", cycle)


def deliver_reminder(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    cycle = _cycle(runtime, claim, now)
    if cycle.state != awards.OPEN or cycle.closes_at.isoformat() != claim.occurrence:
        raise Skip("the cycle closed, or its closing time moved")
    return _post(runtime, "awards_reminder.md.j2", cycle)


def deliver_closing(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    cycle = _cycle(runtime, claim, now)
    if cycle.state == awards.OPEN or cycle.state == awards.UPCOMING:
        raise Skip("the cycle is still open")
    # Scheduling is idempotent, so a retried closing post does not schedule twice.
    with runtime.db.transaction() as session:
        awards.schedule_nominee_notices(session, cycle.id, now=now)
    return _post(runtime, "awards_closing.md.j2", cycle)


def deliver_nominee_notice(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    cycle = _cycle(runtime, claim, now)
    user_id = claim.occurrence
    with runtime.db.reading() as session:
        if not awards.still_nominated(session, cycle.id, user_id):
            raise Skip("no longer nominated (withdrawn)")
    text = runtime.templates.get_template("awards_nominee_notice.md.j2").render(cycle=cycle)
    return runtime.delivery.dm(user_id, ui.note(text)).message_id
