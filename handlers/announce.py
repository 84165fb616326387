"""Scheduled announcements: `/tech announce` (a form, then a preview) and `/tech announce list`.

Organisers write the message, choose the channel and the local time (and a repeat),
see it exactly as it will appear, and save. technet checks it can post in the channel
when the form is sent (just after the preview shows: nothing asks the surface before the
answer), not only when the post is due. The list has Edit, Post now and Cancel.
Rules live in storage/announcements.py; posting in digests/announcements.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from typing import TYPE_CHECKING

from core import ids, ui
from core.delivery import DeliveryError
from core.request import Answer, FollowUp, OpenForm, Request, SendDue, UpdateForm
from handlers import announce_views as views
from handlers._common import (field_day, metadata_object, malformed, network_today, not_known, field_choice,
                              payload_id, field_text, value_id)
from storage import announcements, ledger
from storage.announcements import F_CHANNEL, AnnouncementForm, AnnouncementInfo
from storage.clock import now
from storage.errors import DomainError
from storage.members import Role

if TYPE_CHECKING:
    from core.services import Services

USAGE = ("`/tech announce` schedules an announcement (a form with a preview) · `/tech announce list` shows the "
         "scheduled ones, with Edit, Post now and Cancel. For network organisers.")

# Why a channel cannot be posted in, by the surface's reason (core.delivery.DeliveryError), for the form.
CHANNEL_PROBLEMS = {
    "channel_not_found": "technet cannot see that channel. If it is private, add technet to it first "
                         "(/invite @technet in the channel).",
    "is_archived": "That channel is archived; choose another.",
    "not_in_channel": "technet is not a member of that channel, so it could not post there. Type "
                      "/invite @technet in the channel, then press Preview again.",
    "not_a_channel": "Choose a channel, not a direct message.",
}


def register(runtime: Services) -> None:
    tz = runtime.settings.tz
    routes = runtime.routes

    def compose_form(request: Request) -> OpenForm:
        """The announcement form: `/tech announce` and the Home page's Schedule an announcement button."""
        # A stale or forged Home button is refused here, before any form opens.
        request.actor.require(Role.ORGANISER, "schedule announcements")
        return OpenForm(views.compose_modal(tz, today=network_today(runtime)))

    @routes.command("announce", owner=__name__)
    def announce(request: Request) -> Answer | list[Answer | OpenForm]:
        rest = request.words.lower()
        if rest == "help":
            return Answer(ui.note(USAGE))
        if rest not in ("", "list"):
            return Answer(ui.note(f"{not_known('announce', request.words)} {USAGE}"))
        if not request.actor.has(Role.ORGANISER):
            return Answer(ui.note("Only network organisers can schedule announcements. " + USAGE))
        if rest == "list":
            return Answer(listing(runtime))
        return [Answer(ui.note("Opening the announcement form… `/tech announce list` shows what is scheduled.")),
                compose_form(request)]

    routes.action(ids.ANNOUNCE_NEW, after_ack=True)(compose_form)

    # The form, then the preview --------------------------------------------------------
    @routes.form(ids.ANNOUNCE_MODAL)
    def composed(request: Request) -> ui.FieldErrors | list[UpdateForm | FollowUp]:
        """Check the form and keep a draft; show the preview, then check the channel."""
        form = _form(request.values)
        editing = metadata_object(request.metadata, request.form_id).get("edit")
        editing = None if editing is None else payload_id(str(editing), "the announcement being edited")
        try:
            announcements.check_form(form, now=now(), tz=tz)
            if not form.channel_id:
                raise DomainError("Choose the channel to post in.", field=F_CHANNEL)
            with runtime.db.transaction() as session:
                draft = announcements.save_draft(session, request.actor, form, now=now(), tz=tz, editing=editing)
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.ANNOUNCE_TEXT: e.message})
        return [UpdateForm(views.preview_modal(draft, tz)), FollowUp(lambda: channel_checked(draft))]

    def channel_checked(draft: AnnouncementInfo) -> UpdateForm | None:
        """Back to the form, the reason on top, when technet cannot post in the draft's channel."""
        problem = channel_problem(runtime, draft.channel_id)
        if problem is None:
            return None
        return UpdateForm(views.compose_modal(tz, today=network_today(runtime), info=draft, editing=draft.edits_id,
                                              notice=problem))

    @routes.form(ids.ANNOUNCE_PREVIEW_MODAL)
    def confirmed(request: Request) -> UpdateForm:
        draft_id = payload_id(str(metadata_object(request.metadata, request.form_id).get("draft", "")),
                              "the previewed draft")
        try:
            with runtime.db.transaction() as session:
                info = announcements.confirm(session, request.actor, draft_id, now=now())
        except DomainError as e:
            # The preview has no field to put an error by: back to the form, with the reason on top.
            with runtime.db.reading() as session:
                draft = announcements.get(session, draft_id)
            return UpdateForm(views.compose_modal(tz, today=network_today(runtime), info=draft,
                                                  editing=draft.edits_id, notice=e.message))
        return UpdateForm(views.done_modal(info, tz))

    @routes.action(ids.ANNOUNCE_CHANGE)
    def change(request: Request) -> UpdateForm:
        # The preview's Change button sits in a form: it is that form that changes back.
        if request.form_id != ids.ANNOUNCE_PREVIEW_MODAL:
            raise malformed("announce_change was pressed outside the preview")
        with runtime.db.reading() as session:
            draft = announcements.get(session, value_id(request, "draft"))
        return UpdateForm(views.compose_modal(tz, today=network_today(runtime), info=draft, editing=draft.edits_id))

    # The list's buttons ------------------------------------------------------------------
    @routes.action(ids.ANNOUNCE_EDIT, after_ack=True)
    def edit(request: Request) -> OpenForm:
        request.actor.require(Role.ORGANISER, "edit announcements")
        with runtime.db.reading() as session:
            info = announcements.get(session, value_id(request, "announcement"))
        if info.status != announcements.SCHEDULED:
            raise DomainError("That announcement was cancelled or has finished.")
        return OpenForm(views.compose_modal(tz, today=network_today(runtime), info=info, editing=info.id))

    @routes.action(ids.ANNOUNCE_POST_NOW)
    def post_now(request: Request) -> list[SendDue | Answer]:
        with runtime.db.transaction() as session:
            announcements.post_now(session, request.actor, value_id(request, "announcement"), now=now())
            due = ledger.scheduled_in(session)
        # The post is a due row like any other: send it (and nothing else due) at once, then the list.
        return [SendDue(tuple(due)), Answer(listing(runtime), replace=True)]

    @routes.action(ids.ANNOUNCE_CANCEL)
    def cancel(request: Request) -> Answer:
        with runtime.db.transaction() as session:
            announcements.cancel(session, request.actor, value_id(request, "announcement"), now=now())
        return Answer(listing(runtime), replace=True)


def channel_problem(runtime: Services, channel_id: str) -> str | None:
    """Why technet could not post in the channel, for the organiser; None when it could."""
    try:
        runtime.delivery.check_postable(channel_id)
    except DeliveryError as e:
        return CHANNEL_PROBLEMS.get(e.reason, f"technet could not tell whether it can post there ({e.reason}); "
                                              "press Preview again in a moment.")
    return None


def _form(values: Mapping[str, ui.FieldValue]) -> AnnouncementForm:
    picked_time = values.get(ids.ANNOUNCE_TIME)
    if picked_time is not None and not isinstance(picked_time, time):
        raise malformed(f"input {ids.ANNOUNCE_TIME} is not a time")
    return AnnouncementForm(
        text=field_text(values, ids.ANNOUNCE_TEXT) or "",
        channel_id=field_text(values, ids.ANNOUNCE_CHANNEL),
        day=field_day(values, ids.ANNOUNCE_DATE),
        time=f"{picked_time:%H:%M}" if picked_time else None,
        repeat=field_choice(values, ids.ANNOUNCE_REPEAT) or announcements.NONE,
        until=field_day(values, ids.ANNOUNCE_UNTIL),
    )


def listing(runtime: Services) -> ui.Message:
    with runtime.db.reading() as session:
        infos = announcements.scheduled(session)
    return ui.message(views.list_blocks(infos, runtime.settings.tz))
