"""Scheduled career-development DMs: a deadline reminder a member asked for, a new
opportunity with a tag a member follows, and "Did you attend? Log it as CPD" after an event.

storage/opportunities/ schedules the first two (when a member presses "Remind me", when
an opportunity is added or edited); `plan`, before each tick, schedules a prompt for each
member who went to an event that has just ended (storage/cpd/, reading the events
feature's tables). The deliverers post each once (the ledger's claim) and skip what no
longer applies (deadline moved, tag unfollowed, opportunity gone, event cancelled, logged).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core import ui
from core.views.cpd import prompt_blocks
from core.views.opportunities import day, dm_blocks, opportunity_blocks
from core.due import DueKind, DueKinds, Skip
from storage import cpd, ledger, opportunities

if TYPE_CHECKING:
    from core.services import Services


def register(kinds: DueKinds) -> None:
    # A reminder a day late is still worth sending while the deadline has not passed.
    kinds.add(DueKind(opportunities.DEADLINE_REMINDER, deliver_deadline_reminder, grace=timedelta(days=1)))
    kinds.add(DueKind(opportunities.FOLLOWED_TAG, deliver_followed_tag, grace=timedelta(days=2)))
    kinds.add(DueKind(cpd.EVENT_PROMPT, deliver_event_prompt, grace=EVENT_LOOKBACK))


# Events that ended this long ago still get their prompts (a restart, an outage); older ones never.
EVENT_LOOKBACK = timedelta(days=2)


def plan(runtime: Services, now: datetime) -> None:
    """Before each tick: a due prompt for each member who went to an event that has ended (idempotent)."""
    with runtime.db.transaction() as session:
        cpd.schedule_event_prompts(session, now=now, since=now - EVENT_LOOKBACK)


def deliver_event_prompt(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    member = str(claim.payload.get("member", ""))
    with runtime.db.reading() as session:
        prompt, why = cpd.event_prompt_to_send(session, int(claim.payload.get("event", 0)), member, now=now)
    if prompt is None:
        raise Skip(why)
    rules = cpd.CpdRules(year_start_month=runtime.settings.cpd_year_start_month,
                         day_hours=runtime.settings.cpd_day_hours)
    draft = prompt.draft(rules)
    amount = f"{draft.amount:g} {draft.unit if draft.amount != 1 else draft.unit.rstrip('s')}"
    text = runtime.templates.get_template("careers_event_prompt.md.j2").render(
        title=prompt.title, day=f"{prompt.local_day():%A %-d %B}", amount=amount)
    posted = runtime.delivery.dm(member, ui.message(
        prompt_blocks(text, draft), title=f"Did you attend {prompt.title}? Log it as CPD"))
    return posted.message_id


def _subject_id(claim: ledger.Claimed) -> int:
    # "opportunity:<id>" or "opportunity:<id>:member:<id>"
    return int(claim.subject.split(":")[1])


def deliver_deadline_reminder(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    tz = runtime.settings.tz
    member = str(claim.payload.get("member", ""))
    with runtime.db.reading() as session:
        found = opportunities.reminder_to_send(session, _subject_id(claim), member, claim.occurrence,
                                               today=now.astimezone(tz).date())
    if found is None:
        raise Skip("the reminder, the opportunity or its deadline changed")
    assert found.deadline is not None
    text = runtime.templates.get_template("careers_deadline_reminder.md.j2").render(
        title=found.title, deadline=day(found.deadline))
    posted = runtime.delivery.dm(member, ui.message(
        [ui.section(text), *opportunity_blocks(found, now=now, tz=tz, remind=False)]))
    return posted.message_id


def deliver_followed_tag(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    tz = runtime.settings.tz
    member = str(claim.payload.get("member", ""))
    with runtime.db.reading() as session:
        found = opportunities.follow_notice_to_send(session, _subject_id(claim), member,
                                                    today=now.astimezone(tz).date())
    if found is None:
        raise Skip("no longer followed, or the opportunity is gone or closed")
    opportunity, tag = found
    text = runtime.templates.get_template("careers_followed_tag.md.j2").render(tag=tag)
    posted = runtime.delivery.dm(member, ui.message(
        dm_blocks(text, opportunity, now=now, tz=tz),
        title=f"New development opportunity: {opportunity.title}"))
    return posted.message_id
