"""E-zine views shared by /tech digest and the scheduled approval request: where an issue stands, and
the organisers' Approve / Edit intro / Hold buttons under its preview."""

from __future__ import annotations

from datetime import tzinfo

from core import ids, ui
from core.markup import escape
from core.views import moments
from storage import ezine
from storage.clock import now
from storage.ezine import IssueInfo


def decision_text(info: IssueInfo, tz: tzinfo, *, post_unapproved: bool) -> ui.Markup:
    if info.status == ezine.POSTED:
        return f":newspaper: Posted {moments.when(info.posted_at or info.due_at, tz)}."
    if info.status in (ezine.SKIPPED, ezine.EMPTY):
        return f"Not posted ({info.status})."
    if info.decision == ezine.APPROVED:
        # Approved after its time (it was asked about again): it goes out at the next tick.
        soon = "now" if info.due_at <= now() else "on time"
        return f":white_check_mark: Approved by <@{info.decided_by}>: it goes out {soon}."
    if info.decision == ezine.HELD:
        return f":double_vertical_bar: Held by <@{info.decided_by}>: it will not be posted unless someone approves it."
    if info.decision == ezine.CHANGED:
        unanswered = "it is posted as it stands then" if post_unapproved else "it is not posted"
        return f"Changed after it was approved: approve it again to post it now. With no answer, {unanswered}."
    unanswered = "it is posted anyway" if post_unapproved else "it is held"
    return f"Not decided yet. With no answer by then, {unanswered}."


def approval_blocks(info: IssueInfo, *, when: str, tz: tzinfo, post_unapproved: bool,
                    changes: list[str] | None = None) -> list[ui.Block]:
    """Under the previewed issue: what is being asked, where it stands, and the three buttons.

    `changes`: what is new since an earlier approval (the issue is asked about again); `when`
    is then the time by which it waits for an answer.
    """
    if info.decision == ezine.CHANGED or changes:
        new = f" New since then: {escape('; '.join(changes))}." if changes else ""
        ask = (f"*The e-zine above changed after it was approved.*{new} It waits for an answer until {when}: "
               "approve it to post it now, edit its introduction, or hold it.")
    else:
        ask = f"*The e-zine above goes out {when}.* Approve it, edit its introduction, or hold it."
    return [
        ui.section(ask),
        ui.context(decision_text(info, tz, post_unapproved=post_unapproved)),
        ui.actions(
            ui.button("Approve", ids.EZINE_APPROVE, info.period, style="primary"),
            ui.button("Edit intro", ids.EZINE_EDIT_INTRO, info.period),
            ui.button("Hold", ids.EZINE_HOLD, info.period, style="danger"),
            block_id=f"ezine_{info.period}"),
    ]
