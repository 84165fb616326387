"""Block Kit for the e-zine's editorial approval, the intro form and the archive."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo

from slack_sdk.models.blocks import Block, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot import blocks
from core import ids
from core.markup import escape
from storage import ezine
from storage.clock import now
from storage.ezine import Archived, IssueInfo
from storage.words import plural


def when(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}"


def decision_text(info: IssueInfo, tz: tzinfo, *, post_unapproved: bool) -> str:
    if info.status == ezine.POSTED:
        return f":newspaper: Posted {when(info.posted_at or info.due_at, tz)}."
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
                    changes: list[str] | None = None) -> list[Block]:
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
        blocks.section(ask),
        blocks.context(decision_text(info, tz, post_unapproved=post_unapproved)),
        blocks.actions(
            blocks.button("Approve", ids.EZINE_APPROVE, info.period, style="primary"),
            blocks.button("Edit intro", ids.EZINE_EDIT_INTRO, info.period),
            blocks.button("Hold", ids.EZINE_HOLD, info.period, style="danger"),
            block_id=f"ezine_{info.period}"),
    ]


def intro_modal(info: IssueInfo) -> View:
    return View(type="modal", callback_id=ids.EZINE_INTRO_MODAL, title="E-zine introduction",
                submit="Save", close="Cancel", private_metadata=json.dumps({"period": info.period}), blocks=[
                    blocks.context("The opening words of the issue; leave it empty for the usual wording."),
                    InputBlock(block_id=ids.EZINE_INTRO, label="Introduction", optional=True,
                               element=PlainTextInputElement(action_id="value", multiline=True,
                                                             max_length=ezine.INTRO_LIMIT,
                                                             initial_value=info.intro or None)),
                ])


def archive_blocks(issues: list[Archived], tz: tzinfo) -> list[Block]:
    if not issues:
        return [blocks.section("No e-zine has been posted yet.")]
    lines = []
    for issue in issues:
        label = f"<{issue.permalink}|{issue.period}>" if issue.permalink else issue.period
        sections = ", ".join(escape(s) for s in issue.sections)
        lines.append(f"• {label}: {plural(issue.items, 'item')} ({sections})")
    return [blocks.header("Past issues of the e-zine"), blocks.section("\n".join(lines)),
            blocks.context("Organisers: `technet digest export --html FILE --issue DATE` writes one as a web page.")]
