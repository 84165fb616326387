"""Scheduled announcements: `/tech announce` (a form, then a preview) and `/tech announce list`.

Organisers write the message, choose the channel and the local time (and a repeat),
see it exactly as it will appear, and save. technet checks it is in the channel when
the form is sent, not only when the post is due. The list has Edit, Post now and Cancel.
Rules live in storage/announcements.py; posting in digests/announcements.py.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from core import ids
from core.commands import COMMAND
from bot.listeners import ack_only
from bot.runtime import Runtime
from digests.runner import send_due_now
from handlers import announce_views as views
from handlers._common import (answer, button_id, chosen, date_picked, field_errors, malformed, metadata,
                              network_today, not_known, payload_id, say, typed, values, words_after)
from storage import announcements, ledger
from storage.announcements import F_CHANNEL, AnnouncementForm
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role

USAGE = ("`/tech announce` schedules an announcement (a form with a preview) · `/tech announce list` shows the "
         "scheduled ones, with Edit, Post now and Cancel. For network organisers.")


def register(app: App, runtime: Runtime) -> None:
    matcher = runtime.subcommands.matcher("announce", owner=__name__)
    tz = runtime.settings.tz

    def announce_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        rest = words_after(body).lower()
        if rest == "help":
            ack(**say(USAGE))
            return
        if rest not in ("", "list"):
            ack(**say(f"{not_known('announce', rest)} {USAGE}"))
            return
        if not actor.has(Role.ORGANISER):
            ack(**say("Only network organisers can schedule announcements. " + USAGE))
            return
        if rest == "list":
            ack(**_listing(runtime))
            return
        ack(**say("Opening the announcement form… `/tech announce list` shows what is scheduled."))

    def compose_form(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """The announcement form: `/tech announce` and the Home tab's Schedule an announcement button."""
        # A stale or forged Home button is refused here, before any form opens.
        context["actor"].require(Role.ORGANISER, "schedule announcements")
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(
            views.compose_modal(tz, today=network_today(runtime))))

    def announce_open(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if words_after(body) == "" and context["actor"].has(Role.ORGANISER):
            compose_form(body, client, context)

    app.command(COMMAND, matchers=[matcher])(ack=announce_ack, lazy=[announce_open])
    app.action(ids.ANNOUNCE_NEW)(ack=ack_only, lazy=[compose_form])

    # The form, then the preview --------------------------------------------------------
    def composed(ack: Ack, view: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        """Check the form and the channel (one quick Web API call), keep a draft, show the preview."""
        form = _form(view)
        editing = metadata(view).get("edit")
        editing = None if editing is None else payload_id(str(editing), "the announcement being edited")
        try:
            announcements.check_form(form, now=now(), tz=tz)
            check_channel(client, form.channel_id or "")
            with runtime.db.transaction() as session:
                draft = announcements.save_draft(session, context["actor"], form, now=now(), tz=tz, editing=editing)
        except DomainError as e:
            ack(response_action="errors", errors=field_errors(view, {e.field or ids.ANNOUNCE_TEXT: e.message}))
            return
        ack(response_action="update", view=blocks.render_form(views.preview_modal(draft, tz)))

    app.view(ids.ANNOUNCE_MODAL)(composed)

    def confirmed(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        draft_id = payload_id(str(metadata(view).get("draft", "")), "the previewed draft")
        try:
            with runtime.db.transaction() as session:
                info = announcements.confirm(session, context["actor"], draft_id, now=now())
        except DomainError as e:
            # The preview has no field to put an error by: back to the form, with the reason on top.
            with runtime.db.reading() as session:
                draft = announcements.get(session, draft_id)
            ack(response_action="update", view=blocks.render_form(views.compose_modal(
                tz, today=network_today(runtime), info=draft, editing=draft.edits_id, notice=e.message)))
            return
        ack(response_action="update", view=blocks.render_form(views.done_modal(info, tz)))

    app.view(ids.ANNOUNCE_PREVIEW_MODAL)(confirmed)

    def change(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        # The preview's Change button sits in a modal: it is that view that changes back into the form.
        shown = body.get("view")
        if not (isinstance(shown, dict) and isinstance(shown.get("id"), str)):
            raise malformed("announce_change was pressed outside the preview")
        with runtime.db.reading() as session:
            draft = announcements.get(session, button_id(action, "draft"))
        client.views_update(view_id=shown["id"], hash=shown.get("hash"), view=blocks.render_form(views.compose_modal(
            tz, today=network_today(runtime), info=draft, editing=draft.edits_id)))

    app.action(ids.ANNOUNCE_CHANGE)(ack=ack_only, lazy=[change])

    # The list's buttons ------------------------------------------------------------------
    def edit(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        context["actor"].require(Role.ORGANISER, "edit announcements")
        with runtime.db.reading() as session:
            info = announcements.get(session, button_id(action, "announcement"))
        if info.status != announcements.SCHEDULED:
            raise DomainError("That announcement was cancelled or has finished.")
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(views.compose_modal(
            tz, today=network_today(runtime), info=info, editing=info.id)))

    app.action(ids.ANNOUNCE_EDIT)(ack=ack_only, lazy=[edit])

    def post_now(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                 respond: Respond) -> None:
        with runtime.db.transaction() as session:
            announcements.post_now(session, context["actor"], button_id(action, "announcement"), now=now())
            due = ledger.scheduled_in(session)
        # The post is a due row like any other: send it (and nothing else due) at once.
        send_due_now(runtime, due)
        respond(replace_original=True, **_listing(runtime))

    app.action(ids.ANNOUNCE_POST_NOW)(ack=ack_only, lazy=[post_now])

    def cancel(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
               respond: Respond) -> None:
        with runtime.db.transaction() as session:
            announcements.cancel(session, context["actor"], button_id(action, "announcement"), now=now())
        respond(replace_original=True, **_listing(runtime))

    app.action(ids.ANNOUNCE_CANCEL)(ack=ack_only, lazy=[cancel])


def check_channel(client: WebClient, channel_id: str) -> None:
    """Refuse, at save time, a channel technet cannot post in (conversations.info: is_member)."""
    if not channel_id:
        raise DomainError("Choose the channel to post in.", field=F_CHANNEL)
    try:
        channel = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as e:
        error = e.response.get("error")
        if error == "channel_not_found":
            raise DomainError("technet cannot see that channel. If it is private, add technet to it first "
                              "(/invite @technet in the channel).", field=F_CHANNEL) from None
        raise DomainError(f"Slack would not say whether technet can post there ({error}); try again in a "
                          "moment.", field=F_CHANNEL) from None
    if channel.get("is_im") or channel.get("is_mpim"):
        raise DomainError("Choose a channel, not a direct message.", field=F_CHANNEL)
    if channel.get("is_archived"):
        raise DomainError("That channel is archived; choose another.", field=F_CHANNEL)
    if not channel.get("is_member"):
        raise DomainError("technet is not a member of that channel, so it could not post there. Type "
                          "/invite @technet in the channel, then press Preview again.", field=F_CHANNEL)


def _form(view: dict[str, Any]) -> AnnouncementForm:
    given = values(view)
    return AnnouncementForm(
        text=typed(given, ids.ANNOUNCE_TEXT) or "",
        channel_id=answer(given, ids.ANNOUNCE_CHANNEL, "selected_conversation")
        or answer(given, ids.ANNOUNCE_CHANNEL, "selected_channel"),
        day=date_picked(given, ids.ANNOUNCE_DATE),
        time=answer(given, ids.ANNOUNCE_TIME, "selected_time"),
        repeat=chosen(given, ids.ANNOUNCE_REPEAT) or announcements.NONE,
        until=date_picked(given, ids.ANNOUNCE_UNTIL),
    )


def _listing(runtime: Runtime) -> dict[str, Any]:
    with runtime.db.reading() as session:
        infos = announcements.scheduled(session)
    return blocks.ephemeral(views.list_blocks(infos, runtime.settings.tz))
