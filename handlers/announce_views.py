"""Scheduled announcements as neutral blocks: the form, its preview and the list.

The post itself (which the preview shows too) is core.views.announcements, shared with the digest that posts it.
"""

from __future__ import annotations

import json
from datetime import date, tzinfo

from core import ids, ui
from core.markup import escape
from core.views.announcements import post_blocks, repeat_text, when
from storage import announcements
from storage.announcements import AnnouncementInfo
from storage.words import plural

FORMATTING = ("Formatting: *bold*, _italic_, ~strike~, `code`, > quote. Links: paste the address. "
              "Mentions and @channel are shown as typed, not sent.")
LIST_LIMIT = 12


def compose_modal(tz: tzinfo, *, today: date, info: AnnouncementInfo | None = None, editing: int | None = None,
                  notice: str | None = None) -> ui.Form:
    """The form; `info` fills it in (a draft being changed, or the announcement being edited).

    An announcement being edited starts from its next post: earlier ones are history, and a
    first date in the past could not be saved.
    """
    first = info.first_local if info else None
    if info is not None and editing == info.id and info.next_at is not None:
        first = info.next_at.astimezone(tz).replace(tzinfo=None)
    repeat = info.repeat if info else announcements.NONE
    options = tuple(ui.option(label, key) for key, label in announcements.REPEATS.items())
    body: list[ui.Block] = []
    if notice:
        body.append(ui.section(f":warning: {escape(notice)}"))
    body += [
        ui.Field(id=ids.ANNOUNCE_TEXT, label="Message", action_id="value", multiline=True,
                 max_length=announcements.TEXT_LIMIT, initial=info.text if info else None),
        ui.context(FORMATTING),
        ui.Field(id=ids.ANNOUNCE_CHANNEL, label="Channel", kind=ui.FieldKind.CONVERSATION, action_id="value",
                 hint="technet must be a member: type /invite @technet in the channel first.",
                 initial=info.channel_id if info else None, conversation_kinds=("public", "private")),
        ui.Field(id=ids.ANNOUNCE_DATE, label="Date", kind=ui.FieldKind.DATE, action_id="value",
                 initial=first.date() if first else today),
        ui.Field(id=ids.ANNOUNCE_TIME, label=f"Time ({tz})", kind=ui.FieldKind.TIME, action_id="value",
                 hint=f"In the network's time zone, {tz}.", initial=f"{first:%H:%M}" if first else "09:00"),
        ui.Field(id=ids.ANNOUNCE_REPEAT, label="Repeat", kind=ui.FieldKind.SELECT, action_id="value",
                 options=options, initial=next(o for o in options if o.value == repeat)),
        ui.Field(id=ids.ANNOUNCE_UNTIL, label="Repeat until", kind=ui.FieldKind.DATE, action_id="value",
                 required=False, hint="The last date a repeat may be posted (needed when it repeats).",
                 initial=info.until if info and info.until else None),
    ]
    return ui.Form(id=ids.ANNOUNCE_MODAL, title="Schedule an announcement", submit="Preview", blocks=tuple(body),
                   metadata=json.dumps({"edit": editing}))


def preview_modal(draft: AnnouncementInfo, tz: tzinfo) -> ui.Form:
    schedule = f"<#{draft.channel_id}>, {when(draft.first_at, tz)}"
    if draft.repeats:
        schedule += f", then {repeat_text(draft)}"
    body: list[ui.Block] = [
        ui.context(f"This is how it will appear in {schedule}:"),
        ui.divider(),
        *post_blocks(draft),
        ui.divider(),
        ui.actions(ui.button("Change", ids.ANNOUNCE_CHANGE, str(draft.id))),
    ]
    return ui.Form(id=ids.ANNOUNCE_PREVIEW_MODAL, title="Preview", submit="Update" if draft.edits_id else "Schedule",
                   blocks=tuple(body), metadata=json.dumps({"draft": draft.id}))


def done_modal(info: AnnouncementInfo, tz: tzinfo) -> ui.Form:
    next_post = f"Next post {when(info.next_at, tz)}" if info.next_at else "No posts left"
    text = (f":white_check_mark: Scheduled for <#{info.channel_id}>, {repeat_text(info)}. {next_post}.\n"
            "`/tech announce list` shows it, with Edit, Post now and Cancel.")
    return ui.Form(id=ids.ANNOUNCE_DONE_MODAL, title="Scheduled", close="Done", blocks=(ui.section(text),))


def list_blocks(infos: list[AnnouncementInfo], tz: tzinfo) -> list[ui.Block]:
    if not infos:
        return [ui.section("No announcements are scheduled. `/tech announce` schedules one.")]
    result: list[ui.Block] = [ui.header("Scheduled announcements")]
    for info in infos[:LIST_LIMIT]:
        excerpt = escape(info.text if len(info.text) <= 300 else info.text[:299] + "…")
        next_post = when(info.next_at, tz) if info.next_at else "no posts left"
        result += [
            ui.divider(),
            ui.section(f"*{next_post}* in <#{info.channel_id}>\n{excerpt}"),
            ui.context(f"Repeats {repeat_text(info)}" if info.repeats else "Posted once",
                       f"by {escape(info.author_name)}",
                       f"posted {plural(info.posts, 'time')}"),
            ui.actions(
                ui.button("Edit", ids.ANNOUNCE_EDIT, str(info.id)),
                ui.button("Post now", ids.ANNOUNCE_POST_NOW, str(info.id), confirm=ui.confirm(
                    "Post it now?", "It is posted at once instead of at its next time.", yes="Post now", no="Not yet")),
                ui.button("Cancel", ids.ANNOUNCE_CANCEL, str(info.id), style="danger", confirm=ui.confirm(
                    "Cancel the announcement?", "Nothing more of it will be posted.", yes="Cancel it", no="Keep it",
                    style="danger")),
                block_id=f"announce_{info.id}"),
        ]
    if len(infos) > LIST_LIMIT:
        result.append(ui.context(f"…and {len(infos) - LIST_LIMIT} more, later."))
    return result
