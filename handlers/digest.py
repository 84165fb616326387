"""The e-zine in chat: `/tech digest preview|publish|archive`, and the organisers' approval buttons.

The issue itself is compiled in storage/ezine/ and posted by digests/ezine.py; these
handlers (on the route table, core.routes) show it, publish it now, and record Approve / Edit intro / Hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ids, ui
from core.markup import escape
from core.request import (Answer, CloseForm, DirectMessage, FollowUp, OpenForm, Reply, Request,
                          UpdateMessage)
from core.views import moments
from core.views.ezine import approval_blocks
from digests import ezine as digest
from handlers import digest_views as views
from handlers._common import field_text, malformed, metadata_object, not_known
from storage import ezine
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role
from storage.words import plural

if TYPE_CHECKING:
    from core.services import Services

USAGE = ("`/tech digest archive` lists past issues of the e-zine. Organisers: `/tech digest preview` shows the next "
         "issue as it would be posted now (only to you); `/tech digest publish` posts it now, as this period's issue.")


def register(runtime: Services) -> None:
    routes = runtime.routes
    tz = runtime.settings.tz

    @routes.command("digest", owner=__name__)
    def digest_command(request: Request) -> Reply:
        rest = request.words.lower()
        if rest in ("", "help"):
            return Answer(ui.note(USAGE))
        if rest == "archive":
            with runtime.db.reading() as session:
                issues = ezine.archive(session)
            return Answer(ui.message(views.archive_blocks(issues, tz)))
        if rest not in ("preview", "publish"):
            return Answer(ui.note(f"{not_known('digest', rest)} {USAGE}"))
        if not request.actor.has(Role.ORGANISER):
            return Answer(ui.note(f"Only network organisers can {rest} the e-zine. "
                                  "`/tech digest archive` shows past issues."))
        if rest == "preview":
            return _preview(runtime)
        actor = request.actor
        return [Answer(ui.note("Publishing the next issue of the e-zine now…")),
                FollowUp(lambda: Answer(ui.note(_published(runtime, digest.publish(runtime, actor, now())))))]

    # The approval request's buttons --------------------------------------------------------
    @routes.action(ids.EZINE_APPROVE, ids.EZINE_HOLD, after_ack=True)  # updates every organiser's request
    def decided(request: Request) -> Reply:
        decision = ezine.APPROVED if request.action_id == ids.EZINE_APPROVE else ezine.HELD
        with runtime.db.transaction() as session:
            info, changed = ezine.decide(session, request.actor, request.value, decision, now=now())
        return _updated_requests(runtime, info) if changed else None

    @routes.action(ids.EZINE_EDIT_INTRO)
    def intro_open(request: Request) -> Reply:
        request.actor.require(Role.ORGANISER, "edit the e-zine")
        with runtime.db.reading() as session:
            info = ezine.get(session, request.value)
        return OpenForm(views.intro_modal(info))

    @routes.form(ids.EZINE_INTRO_MODAL)
    def intro_saved(request: Request) -> Reply:
        try:
            period = _period(request.metadata)
            with runtime.db.transaction() as session:
                ezine.set_intro(session, request.actor, period, field_text(request.values, ids.EZINE_INTRO) or "",
                                now=now())
        except DomainError as e:
            return ui.FieldErrors({ids.EZINE_INTRO: e.message})
        # Only a saved opening is shown: a refusal (a member's forged form) showed on the form alone.
        return [CloseForm(), FollowUp(lambda: _intro_shown(runtime, request.actor, period))]


def _intro_shown(runtime: Services, actor: Actor, period: str) -> Reply:
    """The editor sees the issue's new opening, as it will be posted."""
    preview = digest.preview(runtime, now(), period=period)
    if not preview.rendered:
        return None
    return DirectMessage(actor.member_id, ui.message(preview.rendered.messages[0].blocks[:3]))


def _preview(runtime: Services) -> Reply:
    """The issue's first message in the answer; the rest follow it, each in its own."""
    preview = digest.preview(runtime, now())
    rest = preview.rendered.messages[1:] if preview.rendered else []
    return [Answer(_preview_first(runtime, preview)), *(Answer(m) for m in rest)]


def _preview_first(runtime: Services, preview: digest.Preview) -> ui.Message:
    due = moments.when(preview.info.due_at, runtime.settings.tz)
    if preview.rendered is None:
        return ui.note(f"The next e-zine, due {due}, has nothing in it yet, so it would not be posted. "
                   "Approve news with `/tech news queue`.")
    first = preview.rendered.messages[0]
    count = len(preview.rendered.messages)
    note = [f"Preview of the e-zine due {due}: {plural(count, 'message')}, only you see this."]
    note += _changes_note(preview)
    if preview.warning:
        note.append(f":warning: the template override is broken ({escape(preview.warning)}); the shipped one is used.")
    return ui.message([ui.context(*note), *first.blocks][: ui.MESSAGE_BLOCK_LIMIT])


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


def _published(runtime: Services, info: ezine.IssueInfo) -> str:
    where = f"<#{info.conversation}>" if info.conversation else "the channel"
    if info.status == ezine.POSTED:
        posted = plural(info.messages_posted, "message")
        return f":newspaper: The e-zine of {info.period} is posted in {where} ({posted})."
    return (f"The e-zine of {info.period} is on its way to {where}: {info.messages_posted} of "
            f"{plural(info.messages_planned, 'message')} so far; the rest follow as soon as Slack takes them.")


def _updated_requests(runtime: Services, info: ezine.IssueInfo) -> list[UpdateMessage]:
    """Every organiser's request shows the decision, whoever made it."""
    tz = runtime.settings.tz
    request = ui.message(approval_blocks(info, when=moments.when(info.due_at, tz), tz=tz,
                                         post_unapproved=runtime.settings.digest_post_unapproved),
                         title="The e-zine needs your approval")
    return [UpdateMessage(sent, request) for _, sent in info.approval_messages]


def _period(text: str) -> str:
    """The issue an introduction form is about (its period, as intro_modal put it)."""
    period = metadata_object(text, ids.EZINE_INTRO_MODAL).get("period")
    if not isinstance(period, str) or not period:
        raise malformed(f"{ids.EZINE_INTRO_MODAL}: private_metadata names no issue")
    return period
