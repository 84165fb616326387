"""Block Kit for news: the submission form, the approval queue, a member's own items."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, PlainTextInputElement, StaticSelectElement
from slack_sdk.models.blocks.block_elements import UrlInputElement
from slack_sdk.models.views import View

from bot import blocks
from core import ids
from core.markup import escape
from storage import news
from storage.news import NewsInfo

QUEUE_LIMIT = 15
STATUS = {news.PENDING: ":hourglass: waiting for review", news.APPROVED: ":white_check_mark: approved",
          news.REJECTED: ":x: not accepted"}


# Payload helpers ------------------------------------------------------------------------

def day(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y}"


# The forms ------------------------------------------------------------------------------

def news_modal(*, item: NewsInfo | None = None, callback_id: str = ids.NEWS_MODAL,
               meta: dict[str, Any] | None = None) -> View:
    """The submission form; an organiser's Edit opens it filled in, to save and approve."""
    options = [blocks.option(label, key) for key, label in news.CATEGORIES.items()]
    initial = next((o for o in options if item and o.value == item.category), None)
    editing = callback_id == ids.NEWS_EDIT_MODAL
    body: list[Block] = [
        blocks.context("News for the technician network's e-zine: an achievement, a new starter, a registration, "
                       "an event report, an opportunity... Organisers review it before it appears."),
        InputBlock(block_id=ids.NEWS_TITLE, label="Title",
                   element=PlainTextInputElement(action_id="value", max_length=news.TITLE_LIMIT,
                                                 initial_value=item.title if item else None)),
        InputBlock(block_id=ids.NEWS_BODY, label="The news",
                   element=PlainTextInputElement(action_id="value", multiline=True, max_length=news.BODY_LIMIT,
                                                 initial_value=item.body if item else None)),
        InputBlock(block_id=ids.NEWS_LINK, label="Link", optional=True,
                   element=UrlInputElement(action_id="value", initial_value=item.link if item and item.link else None)),
        InputBlock(block_id=ids.NEWS_CATEGORY, label="Kind of news",
                   element=StaticSelectElement(action_id="value", options=options, initial_option=initial)),
    ]
    return View(type="modal", callback_id=callback_id,
                title=blocks.plain("Edit news" if editing else "News for the e-zine"),
                submit=blocks.plain("Save and approve" if editing else "Send"), close=blocks.plain("Cancel"),
                blocks=body, private_metadata=json.dumps(meta or {}))


def reject_modal(item: NewsInfo, meta: dict[str, Any]) -> View:
    return View(type="modal", callback_id=ids.NEWS_REJECT_MODAL, title=blocks.plain("Not for the e-zine"),
                submit=blocks.plain("Send"), close=blocks.plain("Cancel"), private_metadata=json.dumps(meta), blocks=[
                    blocks.section(f"*{escape(item.title)}* from {escape(item.author_name)}"),
                    InputBlock(block_id=ids.NEWS_REASON, label="Why (sent to them)",
                               element=PlainTextInputElement(action_id="value", multiline=True,
                                                             max_length=news.REASON_LIMIT)),
                ])


def done_modal(title: str, mrkdwn: str) -> View:
    return View(type="modal", callback_id=ids.NEWS_DONE_MODAL, title=blocks.plain(title), close=blocks.plain("Done"),
                blocks=[blocks.section(mrkdwn)])


# Items ----------------------------------------------------------------------------------

def item_text(item: NewsInfo, tz: tzinfo, *, limit: int = 600) -> str:
    body = item.body if len(item.body) <= limit else item.body[: limit - 1] + "…"
    lines = [f"*{escape(item.title)}*  ·  _{escape(item.category_label)}_", escape(body)]
    if item.link:
        lines.append(escape(item.link))
    return "\n".join(lines)


def review_blocks(item: NewsInfo, tz: tzinfo, *, source: str) -> list[Block]:
    """One item with Approve / Edit / Reject; `source` says where to put the result (queue or DM)."""
    value = f"{source}:{item.id}"
    return [
        blocks.section(item_text(item, tz)),
        blocks.context(f"From {escape(item.author_name)} · sent {day(item.created_at, tz)}"),
        blocks.actions(
            blocks.button("Approve", ids.NEWS_APPROVE, value, style="primary"),
            blocks.button("Edit", ids.NEWS_EDIT, value),
            blocks.button("Reject", ids.NEWS_REJECT, value, style="danger"),
            block_id=f"news_{item.id}"),
    ]


def decided_blocks(item: NewsInfo, tz: tzinfo, by_name: str) -> list[Block]:
    """What replaces an approval DM once someone decided."""
    status = STATUS.get(item.status, item.status)
    reason = f" — {escape(item.reason)}" if item.status == news.REJECTED and item.reason else ""
    return [blocks.section(item_text(item, tz, limit=300)),
            blocks.context(f"{status} by {escape(by_name)}{reason}")]


def queue_blocks(items: list[NewsInfo], tz: tzinfo, *, total: int) -> list[Block]:
    if not items:
        return [blocks.section("No news is waiting for review. :tada:")]
    result: list[Block] = [blocks.header(f"News waiting for review ({total})")]
    for item in items[:QUEUE_LIMIT]:
        result += [blocks.divider(), *review_blocks(item, tz, source="q")]
    if total > QUEUE_LIMIT:
        result.append(blocks.context(f"…and {total - QUEUE_LIMIT} more after these."))
    return result


def mine_blocks(items: list[NewsInfo], tz: tzinfo) -> list[Block]:
    if not items:
        return [blocks.section("You haven't sent any news yet. `/tech news` opens the form.")]
    result: list[Block] = [blocks.header("Your news for the e-zine")]
    for item in items:
        status = STATUS.get(item.status, item.status)
        if item.published:
            status = f":newspaper: in the e-zine of {item.issue_period}"
        reason = f": {escape(item.reason)}" if item.status == news.REJECTED and item.reason else ""
        result.append(blocks.section(f"*{escape(item.title)}* · {day(item.created_at, tz)}\n{status}{reason}"))
    return result
