"""The e-zine in chat: `/tech digest preview|publish|archive`, and the organisers' approval buttons.

The issue itself is compiled in storage/ezine/ and posted by digests/ezine.py; these
listeners show it, publish it now, and record Approve / Edit intro / Hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import blocks
from core import ids, ui
from core.commands import COMMAND
from bot.listeners import ack_only, after_ack
from core.markup import escape
from core.views import moments
from core.views.ezine import approval_blocks
from bot.runtime import Runtime
from digests import ezine as digest
from handlers import digest_views as views
from handlers._common import button_value, malformed, metadata, not_known, say, typed, values, words_after
from storage import ezine
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role
from storage.words import plural

USAGE = ("`/tech digest archive` lists past issues of the e-zine. Organisers: `/tech digest preview` shows the next "
         "issue as it would be posted now (only to you); `/tech digest publish` posts it now, as this period's issue.")


def register(app: App, runtime: Runtime) -> None:
    matcher = runtime.subcommands.matcher("digest", owner=__name__)
    tz = runtime.settings.tz

    def digest_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        rest = words_after(body).lower()
        if rest in ("", "help"):
            ack(**say(USAGE))
            return
        if rest == "archive":
            with runtime.db.reading() as session:
                issues = ezine.archive(session)
            ack(**blocks.ephemeral(views.archive_blocks(issues, tz)))
            return
        if rest not in ("preview", "publish"):
            ack(**say(f"{not_known('digest', rest)} {USAGE}"))
            return
        if not actor.has(Role.ORGANISER):
            ack(**say(f"Only network organisers can {rest} the e-zine. "
                             "`/tech digest archive` shows past issues."))
            return
        if rest == "preview":
            ack(**_preview_first(runtime))
            return
        ack(**say("Publishing the next issue of the e-zine now…"))

    def digest_later(body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        rest = words_after(body).lower()
        if not context["actor"].has(Role.ORGANISER):
            return
        if rest == "preview":
            preview = digest.preview(runtime, now())
            for message in (preview.rendered.messages[1:] if preview.rendered else []):
                respond(replace_original=False, **blocks.ephemeral(message))
        elif rest == "publish":
            info = digest.publish(runtime, context["actor"], now())
            respond(replace_original=False, **blocks.ephemeral(ui.note(_published(runtime, info))))

    app.command(COMMAND, matchers=[matcher])(ack=digest_ack, lazy=[digest_later])

    # The approval request's buttons --------------------------------------------------------
    def decide(decision: str) -> Callable[[dict[str, Any], dict[str, Any], WebClient, BoltContext], None]:
        def decided(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
            with runtime.db.transaction() as session:
                info, changed = ezine.decide(session, context["actor"], button_value(action), decision, now=now())
            if changed:
                _update_requests(runtime, client, info)

        return decided

    app.action(ids.EZINE_APPROVE)(ack=ack_only, lazy=[decide(ezine.APPROVED)])
    app.action(ids.EZINE_HOLD)(ack=ack_only, lazy=[decide(ezine.HELD)])

    def intro_open(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        context["actor"].require(Role.ORGANISER, "edit the e-zine")
        with runtime.db.reading() as session:
            info = ezine.get(session, button_value(action))
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(views.intro_modal(info)))

    app.action(ids.EZINE_EDIT_INTRO)(ack=ack_only, lazy=[intro_open])

    def intro_saved(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient,
                    context: BoltContext) -> None:
        try:
            period = _period(view)
            with runtime.db.transaction() as session:
                ezine.set_intro(session, context["actor"], period, typed(values(view), ids.EZINE_INTRO) or "",
                                now=now())
        except DomainError as e:
            ack(response_action="errors", errors={ids.EZINE_INTRO: e.message})
            return
        ack(response_action="clear")
        # Only a saved opening is shown: a refusal (a member's forged form) showed on the form alone.
        after_ack(runtime, body, client, context, lambda: intro_shown(client, context["actor"], period))

    def intro_shown(client: WebClient, actor: Actor, period: str) -> None:
        """The editor sees the issue's new opening, as it will be posted."""
        preview = digest.preview(runtime, now(), period=period)
        if preview.rendered:
            opening = preview.rendered.messages[0].blocks[:3]
            client.chat_postMessage(channel=actor.user_id, **blocks.message(opening))

    app.view(ids.EZINE_INTRO_MODAL)(intro_saved)


def _preview_first(runtime: Runtime) -> dict[str, Any]:
    preview = digest.preview(runtime, now())
    due = moments.when(preview.info.due_at, runtime.settings.tz)
    if preview.rendered is None:
        return say(f"The next e-zine, due {due}, has nothing in it yet, so it would not be posted. "
                   "Approve news with `/tech news queue`.")
    first = preview.rendered.messages[0]
    count = len(preview.rendered.messages)
    note = [f"Preview of the e-zine due {due}: {plural(count, 'message')}, only you see this."]
    note += _changes_note(preview)
    if preview.warning:
        note.append(f":warning: the template override is broken ({escape(preview.warning)}); the shipped one is used.")
    return blocks.ephemeral([ui.context(*note), *first.blocks][: ui.MESSAGE_BLOCK_LIMIT])


def _changes_note(preview: digest.Preview) -> list[str]:
    """What changed in the store since the issue was frozen for approval (the preview shows it already)."""
    updated = [c.note for c in preview.changes if not c.asks]
    new = [c.note for c in preview.changes if c.asks]
    note = []
    if preview.info.decision == ezine.CHANGED:
        note.append("It changed after it was approved: it waits for an organiser to approve it again.")
    if updated:
        note.append(f"Updated since it was sent for approval: {escape(_listed(updated))}.")
    if new and preview.info.decision == ezine.APPROVED:
        note.append(f":warning: New since it was approved, so organisers are asked again before it goes out: "
                    f"{escape(_listed(new))}.")
    elif new:
        note.append(f"New since it was sent for approval: {escape(_listed(new))}.")
    return note


def _listed(notes: list[str], most: int = 6) -> str:
    # A context element holds 2,000 characters: a long list is cut, and says so.
    shown = "; ".join(notes[:most])
    return shown if len(notes) <= most else f"{shown}; and {len(notes) - most} more"


def _published(runtime: Runtime, info: ezine.IssueInfo) -> str:
    where = f"<#{info.conversation}>" if info.conversation else "the channel"
    if info.status == ezine.POSTED:
        posted = plural(info.messages_posted, "message")
        return f":newspaper: The e-zine of {info.period} is posted in {where} ({posted})."
    return (f"The e-zine of {info.period} is on its way to {where}: {info.messages_posted} of "
            f"{plural(info.messages_planned, 'message')} so far; the rest follow as soon as Slack takes them.")


def _update_requests(runtime: Runtime, client: WebClient, info: ezine.IssueInfo) -> None:
    """Every organiser's request shows the decision, whoever made it."""
    tz = runtime.settings.tz
    for _, sent in info.approval_messages:
        request = approval_blocks(info, when=moments.when(info.due_at, tz), tz=tz,
                                  post_unapproved=runtime.settings.digest_post_unapproved)
        try:
            client.chat_update(channel=sent.conversation, ts=sent.message_id,
                               **blocks.message(request, title="The e-zine needs your approval"))
        except SlackApiError:
            # The decision is saved; an old request that cannot be updated only looks stale.
            continue


def _period(view: dict[str, Any]) -> str:
    """The issue an introduction form is about (its period, as intro_modal put it)."""
    period = metadata(view).get("period")
    if not isinstance(period, str) or not period:
        raise malformed(f"{view.get('callback_id')}: private_metadata names no issue")
    return period
