"""The views of news: the submission form, the approval queue, a member's own items."""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from core import ids, ui
from core.markup import escape
from storage import news
from storage.news import NewsInfo
from storage.words import plural

QUEUE_LIMIT = 15
STATUS = {news.PENDING: ":hourglass: waiting for review", news.APPROVED: ":white_check_mark: approved",
          news.REJECTED: ":x: not accepted"}


# Payload helpers ------------------------------------------------------------------------

def day(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y}"


# The forms ------------------------------------------------------------------------------

def news_modal(*, item: NewsInfo | None = None, callback_id: str = ids.NEWS_MODAL,
               meta: dict[str, Any] | None = None) -> ui.Form:
    """The submission form; an organiser's Edit opens it filled in, to save and approve."""
    options = [ui.option(label, key) for key, label in news.CATEGORIES.items()]
    initial = next((o for o in options if item and o.value == item.category), None)
    editing = callback_id == ids.NEWS_EDIT_MODAL
    body: list[ui.Block] = [
        ui.context("News for the technician network's e-zine: an achievement, a new starter, a registration, "
                   "an event report, an opportunity... Organisers review it before it appears."),
        ui.Field(id=ids.NEWS_TITLE, label="Title", action_id="value", max_length=news.TITLE_LIMIT,
                 initial=item.title if item else None),
        ui.Field(id=ids.NEWS_BODY, label="The news", action_id="value", multiline=True, max_length=news.BODY_LIMIT,
                 initial=item.body if item else None),
        ui.Field(id=ids.NEWS_LINK, label="Link", kind=ui.FieldKind.URL, required=False, action_id="value",
                 initial=item.link if item and item.link else None),
        ui.Field(id=ids.NEWS_CATEGORY, label="Kind of news", kind=ui.FieldKind.SELECT, action_id="value",
                 options=tuple(options), initial=initial),
    ]
    return ui.Form(id=callback_id, title="Edit news" if editing else "News for the e-zine",
                   submit="Save and approve" if editing else "Send", blocks=tuple(body),
                   metadata=json.dumps(meta or {}))


def reject_modal(item: NewsInfo, meta: dict[str, Any]) -> ui.Form:
    return ui.Form(id=ids.NEWS_REJECT_MODAL, title="Not for the e-zine", submit="Send", metadata=json.dumps(meta),
                   blocks=(
                       ui.section(f"*{escape(item.title)}* from {escape(item.author_name)}"),
                       ui.Field(id=ids.NEWS_REASON, label="Why (sent to them)", action_id="value", multiline=True,
                                max_length=news.REASON_LIMIT),
                   ))


def done_modal(title: str, mrkdwn: ui.Markup) -> ui.Form:
    return ui.Form(id=ids.NEWS_DONE_MODAL, title=title, close="Done", blocks=(ui.section(mrkdwn),))


# Items ----------------------------------------------------------------------------------

def item_text(item: NewsInfo, tz: tzinfo, *, limit: int = 600) -> str:
    body = item.body if len(item.body) <= limit else item.body[: limit - 1] + "…"
    lines = [f"*{escape(item.title)}*  ·  _{escape(item.category_label)}_", escape(body)]
    if item.link:
        lines.append(escape(item.link))
    return "\n".join(lines)


def review_blocks(item: NewsInfo, tz: tzinfo, *, source: str) -> list[ui.Block]:
    """One item with Approve / Edit / Reject; `source` says where to put the result (queue or DM)."""
    value = f"{source}:{item.id}"
    return [
        ui.section(item_text(item, tz)),
        ui.context(f"From {escape(item.author_name)} · sent {day(item.created_at, tz)}"),
        ui.actions(
            ui.button("Approve", ids.NEWS_APPROVE, value, style="primary"),
            ui.button("Edit", ids.NEWS_EDIT, value),
            ui.button("Reject", ids.NEWS_REJECT, value, style="danger"),
            block_id=f"news_{item.id}"),
    ]


def review_request_blocks(item: NewsInfo, tz: tzinfo) -> list[ui.Block]:
    """The DM that asks each organiser to review a new item."""
    return [ui.section("*News for the e-zine to review*"), *review_blocks(item, tz, source="d")]


def decided_blocks(item: NewsInfo, tz: tzinfo, by_name: str) -> list[ui.Block]:
    """What replaces an approval DM once someone decided."""
    status = STATUS.get(item.status, item.status)
    reason = f" — {escape(item.reason)}" if item.status == news.REJECTED and item.reason else ""
    return [ui.section(item_text(item, tz, limit=300)),
            ui.context(f"{status} by {escape(by_name)}{reason}")]


def queue_blocks(items: list[NewsInfo], tz: tzinfo, *, total: int) -> list[ui.Block]:
    if not items:
        return [ui.section("No news is waiting for review. :tada:")]
    result: list[ui.Block] = [ui.header(f"News waiting for review ({total})")]
    for item in items[:QUEUE_LIMIT]:
        result += [ui.divider(), *review_blocks(item, tz, source="q")]
    if total > QUEUE_LIMIT:
        result.append(ui.context(f"…and {total - QUEUE_LIMIT} more after these."))
    return result


def mine_blocks(items: list[NewsInfo], tz: tzinfo) -> list[ui.Block]:
    if not items:
        return [ui.section("You haven't sent any news yet. `/tech news` opens the form.")]
    result: list[ui.Block] = [ui.header("Your news for the e-zine")]
    for item in items:
        status = STATUS.get(item.status, item.status)
        if item.published:
            status = f":newspaper: in the e-zine of {item.issue_period}"
        reason = f": {escape(item.reason)}" if item.status == news.REJECTED and item.reason else ""
        result.append(ui.section(f"*{escape(item.title)}* · {day(item.created_at, tz)}\n{status}{reason}"))
    return result


def home_blocks(waiting: int) -> list[ui.Block]:
    """A button to send news; `waiting` (shown to organisers) is how much waits for review."""
    lines: list[ui.Block] = [ui.section("*News for the e-zine* — an achievement, a new starter, an event report…",
                                        accessory=ui.button("Send news", ids.NEWS_OPEN))]
    if waiting:
        lines.append(ui.context(f"{plural(waiting, 'item')} waiting for review: `/tech news queue`"))
    return lines
