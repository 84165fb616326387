"""Block Kit for scheduled announcements: the form, its preview, the list, and the post itself."""

from __future__ import annotations

import json
from datetime import date, datetime, tzinfo

from slack_sdk.models.blocks import (
    Block,
    ConversationFilter,
    ConversationSelectElement,
    DatePickerElement,
    InputBlock,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot import blocks
from core import ids
from core.markup import escape
from storage import announcements
from storage.announcements import AnnouncementInfo
from storage.words import plural

FORMATTING = ("Formatting: *bold*, _italic_, ~strike~, `code`, > quote. Links: paste the address. "
              "Mentions and @channel are shown as typed, not sent.")
LIST_LIMIT = 12


def when(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y} at {local:%H:%M}"


def day(value: date) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def repeat_text(info: AnnouncementInfo) -> str:
    if not info.repeats:
        return "once"
    label = announcements.REPEATS[info.repeat].lower()
    return f"{label} until {day(info.until)}" if info.until else label


def post_blocks(info: AnnouncementInfo, *, late_note: str | None = None) -> list[Block]:
    """The announcement exactly as it appears in the channel (the preview uses this too)."""
    result: list[Block] = [blocks.section(escape(info.text))]
    notes = [f"Announcement from {escape(info.author_name)}"]
    if late_note:
        notes.append(late_note)
    result.append(blocks.context(" · ".join(notes)))
    return result


def compose_modal(tz: tzinfo, *, today: date, info: AnnouncementInfo | None = None, editing: int | None = None,
                  notice: str | None = None) -> View:
    """The form; `info` fills it in (a draft being changed, or the announcement being edited).

    An announcement being edited starts from its next post: earlier ones are history, and a
    first date in the past could not be saved.
    """
    first = info.first_local if info else None
    if info is not None and editing == info.id and info.next_at is not None:
        first = info.next_at.astimezone(tz).replace(tzinfo=None)
    repeat = info.repeat if info else announcements.NONE
    options = [blocks.option(label, key) for key, label in announcements.REPEATS.items()]
    body: list[Block] = []
    if notice:
        body.append(blocks.section(f":warning: {escape(notice)}"))
    body += [
        InputBlock(block_id=ids.ANNOUNCE_TEXT, label="Message",
                   element=PlainTextInputElement(action_id="value", multiline=True,
                                                 max_length=announcements.TEXT_LIMIT,
                                                 initial_value=info.text if info else None)),
        blocks.context(FORMATTING),
        InputBlock(block_id=ids.ANNOUNCE_CHANNEL, label="Channel",
                   hint="technet must be a member: type /invite @technet in the channel first.",
                   element=ConversationSelectElement(
                       action_id="value", initial_conversation=info.channel_id if info else None,
                       filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True))),
        InputBlock(block_id=ids.ANNOUNCE_DATE, label="Date",
                   element=DatePickerElement(action_id="value",
                                             initial_date=(first.date() if first else today).isoformat())),
        InputBlock(block_id=ids.ANNOUNCE_TIME, label=f"Time ({tz})",
                   hint=f"In the network's time zone, {tz}.",
                   element=TimePickerElement(action_id="value",
                                             initial_time=f"{first:%H:%M}" if first else "09:00")),
        InputBlock(block_id=ids.ANNOUNCE_REPEAT, label="Repeat",
                   element=StaticSelectElement(action_id="value", options=options,
                                               initial_option=next(o for o in options if o.value == repeat))),
        InputBlock(block_id=ids.ANNOUNCE_UNTIL, label="Repeat until", optional=True,
                   hint="The last date a repeat may be posted (needed when it repeats).",
                   element=DatePickerElement(action_id="value",
                                             initial_date=info.until.isoformat() if info and info.until else None)),
    ]
    return View(type="modal", callback_id=ids.ANNOUNCE_MODAL, title=blocks.plain("Schedule an announcement"),
                submit=blocks.plain("Preview"), close=blocks.plain("Cancel"), blocks=body,
                private_metadata=json.dumps({"edit": editing}))


def preview_modal(draft: AnnouncementInfo, tz: tzinfo) -> View:
    schedule = f"<#{draft.channel_id}>, {when(draft.first_at, tz)}"
    if draft.repeats:
        schedule += f", then {repeat_text(draft)}"
    body: list[Block] = [
        blocks.context(f"This is how it will appear in {schedule}:"),
        blocks.divider(),
        *post_blocks(draft),
        blocks.divider(),
        blocks.actions(blocks.button("Change", ids.ANNOUNCE_CHANGE, str(draft.id))),
    ]
    return View(type="modal", callback_id=ids.ANNOUNCE_PREVIEW_MODAL, title=blocks.plain("Preview"),
                submit=blocks.plain("Update" if draft.edits_id else "Schedule"), close=blocks.plain("Cancel"),
                blocks=body, private_metadata=json.dumps({"draft": draft.id}))


def done_modal(info: AnnouncementInfo, tz: tzinfo) -> View:
    next_post = f"Next post {when(info.next_at, tz)}" if info.next_at else "No posts left"
    text = (f":white_check_mark: Scheduled for <#{info.channel_id}>, {repeat_text(info)}. {next_post}.\n"
            "`/tech announce list` shows it, with Edit, Post now and Cancel.")
    return View(type="modal", callback_id=ids.ANNOUNCE_DONE_MODAL, title=blocks.plain("Scheduled"),
                close=blocks.plain("Done"), blocks=[blocks.section(text)])


def list_blocks(infos: list[AnnouncementInfo], tz: tzinfo) -> list[Block]:
    if not infos:
        return [blocks.section("No announcements are scheduled. `/tech announce` schedules one.")]
    result: list[Block] = [blocks.header("Scheduled announcements")]
    for info in infos[:LIST_LIMIT]:
        excerpt = escape(info.text if len(info.text) <= 300 else info.text[:299] + "…")
        next_post = when(info.next_at, tz) if info.next_at else "no posts left"
        result += [
            blocks.divider(),
            blocks.section(f"*{next_post}* in <#{info.channel_id}>\n{excerpt}"),
            blocks.context(f"Repeats {repeat_text(info)}" if info.repeats else "Posted once",
                           f"by {escape(info.author_name)}",
                           f"posted {plural(info.posts, 'time')}"),
            blocks.actions(
                blocks.button("Edit", ids.ANNOUNCE_EDIT, str(info.id)),
                blocks.button("Post now", ids.ANNOUNCE_POST_NOW, str(info.id), confirm=blocks.confirm(
                    "Post it now?", "It is posted at once instead of at its next time.", yes="Post now", no="Not yet")),
                blocks.button("Cancel", ids.ANNOUNCE_CANCEL, str(info.id), style="danger", confirm=blocks.confirm(
                    "Cancel the announcement?", "Nothing more of it will be posted.", yes="Cancel it", no="Keep it",
                    style="danger")),
                block_id=f"announce_{info.id}"),
        ]
    if len(infos) > LIST_LIMIT:
        result.append(blocks.context(f"…and {len(infos) - LIST_LIMIT} more, later."))
    return result
