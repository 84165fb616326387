"""The action plan's DMs: an owner's reminder a week before an action is due and when it
becomes late, and the steering group's monthly summary (what changed, what is late).

storage/actions/ schedules the owners' reminders when a plan is imported; `plan`, before each
tick, puts this month's summary in the ledger. The summary's row, once due, adds a row per
member of the steering group (the network organisers, TECHNET_ORGANISERS and those granted
the role), so each gets it exactly once even when one DM fails and is retried.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from core import ui
from core.due import DueKind, DueKinds, Skip
from storage import actions, ledger, members

if TYPE_CHECKING:
    from core.services import Services


def register(kinds: DueKinds) -> None:
    # A week's notice still helps a few days late; a late notice a week on still tells the owner.
    kinds.add(DueKind(actions.DUE_SOON, deliver_due_soon, grace=timedelta(days=6)))
    kinds.add(DueKind(actions.LATE_NOTICE, deliver_late, grace=timedelta(days=7)))
    kinds.add(DueKind(actions.SUMMARY, deliver_summary, grace=timedelta(days=3)))
    kinds.add(DueKind(actions.SUMMARY_DM, deliver_summary_dm, grace=timedelta(days=3)))


def plan(runtime: Services, now: datetime) -> None:
    """Before each tick: this month's steering group summary in the ledger (idempotent)."""
    with runtime.db.transaction() as session:
        actions.schedule_summary(session, now=now, tz=runtime.settings.tz)


def _reminder(runtime: Services, claim: ledger.Claimed, now: datetime, *, late: bool) -> str | None:
    member = str(claim.payload.get("member", ""))
    with runtime.db.reading() as session:
        found = actions.reminder_to_send(session, claim.subject, claim.occurrence, late=late,
                                         today=now.astimezone(runtime.settings.tz).date())
    if found is None:
        raise Skip("the action is done, gone, moved or no longer theirs")
    template = "actions_late.md.j2" if late else "actions_due_soon.md.j2"
    text = runtime.templates.get_template(template).render(
        title=found.title, number=found.id, due=f"{found.due_on:%A %-d %B %Y}", status=found.shown_status)
    title = f"Late: {found.title}" if late else f"Due in a week: {found.title}"
    posted = runtime.delivery.dm(member, ui.message([ui.section(text)], title=title))
    return posted.message_id


def deliver_due_soon(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    return _reminder(runtime, claim, now, late=False)


def deliver_late(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    return _reminder(runtime, claim, now, late=True)


def deliver_summary(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    """The month's summary is due: one DM row per member of the steering group."""
    with runtime.db.transaction() as session:
        if not actions.has_actions(session):
            raise Skip("the plan is empty")
        steering = members.organiser_ids(session, runtime.grants.organisers)
        count = actions.schedule_summary_dms(session, claim.occurrence, steering, now=now)
    return f"{count} to send"


def deliver_summary_dm(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    tz = runtime.settings.tz
    with runtime.db.reading() as session:
        found = actions.summary(session, claim.occurrence, tz=tz, today=now.astimezone(tz).date())
    text = runtime.templates.get_template("actions_summary.md.j2").render(
        month=_month_name(found.month),
        since=f"{found.since:%-d %B %Y}",
        counts=[(status, found.counts.get(status, 0)) for status in actions.STATUSES],
        changed=[(a.title, a.id, u.status, u.by, u.note) for a, u in found.changed],
        late=[(a.title, a.id, f"{a.due_on:%-d %B %Y}", ", ".join(a.owners) or "no owner") for a in found.late])
    posted = runtime.delivery.dm(str(claim.payload.get("member", "")),
                                 ui.message([ui.section(text)], title=f"The action plan, {_month_name(found.month)}"))
    return posted.message_id


def _month_name(month: str) -> str:
    year, number = (int(x) for x in month.split("-"))
    return f"{date(year, number, 1):%B %Y}"
