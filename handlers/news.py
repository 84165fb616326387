"""News for the e-zine: `/tech news` (a form), `/tech news mine`, and organisers' `/tech news queue`.

A member's item waits for an organiser; each organiser gets a DM with Approve / Edit /
Reject, and the queue lists what is still waiting. The submitter hears the decision by
DM. Every rule is in storage/news.py.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import blocks
from core import ids
from core.commands import COMMAND
from bot.listeners import ack_only
from bot.runtime import HomeSection, Runtime
from handlers import news_views as views
from handlers._common import (button_value, chosen, field_errors, malformed, metadata, not_known, payload_id,
                              refused, say, typed, values, words_after)
from storage import ezine, news
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role, find_addressed, organiser_ids

log = logging.getLogger(__name__)
USAGE = ("`/tech news` sends news for the e-zine (a form) · `/tech news mine` shows what you sent and what "
         "became of it · organisers: `/tech news queue` lists what waits for review.")


def register(app: App, runtime: Runtime) -> None:
    matcher = runtime.subcommands.matcher("news", owner=__name__)

    def news_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        actor: Actor = context["actor"]
        rest = words_after(body).lower()
        if rest == "":
            ack(**say("Opening the news form… " + USAGE))
            return
        if rest == "help":
            ack(**say(USAGE))
            return
        if rest == "mine":
            with runtime.db.reading() as session:
                items = news.mine(session, actor)
            ack(**blocks.ephemeral(views.mine_blocks(items, runtime.settings.tz)))
            return
        if rest == "queue":
            try:
                with runtime.db.reading() as session:
                    items = news.queue(session, actor)
                    total = news.pending_count(session)
            except DomainError as e:
                ack(**refused(e))
                return
            ack(**blocks.ephemeral(views.queue_blocks(items, runtime.settings.tz, total=total)))
            return
        ack(**say(f"{not_known('news', rest)} {USAGE}"))

    def news_open(body: dict[str, Any], client: WebClient) -> None:
        if words_after(body) == "":
            client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(views.news_modal()))

    app.command(COMMAND, matchers=[matcher])(ack=news_ack, lazy=[news_open])

    def open_button(body: dict[str, Any], client: WebClient) -> None:
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(views.news_modal()))

    app.action(ids.NEWS_OPEN)(ack=ack_only, lazy=[open_button])

    # The member's form -------------------------------------------------------------------
    def submitted(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        if errors := _form_errors(view):
            ack(response_action="errors", errors=errors)
            return
        ack(response_action="update", view=blocks.render_form(views.done_modal(
            "Thank you", "Your news is with the organisers. You'll hear by direct message when it is approved; "
                         "`/tech news mine` shows it meanwhile.")))

    def stored(view: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        actor: Actor = context["actor"]
        if _form_errors(view):
            return  # the form showed why; nothing is stored
        with runtime.db.transaction() as session:
            item, created = news.submit(session, actor, _form(view), submission_key=_submission_key(view, actor),
                                        now=now())
            reviewers = organiser_ids(session, runtime.grants.organisers)
        if created:
            _ask_reviewers(runtime, client, item, reviewers)

    app.view(ids.NEWS_MODAL)(ack=submitted, lazy=[stored])

    # Organisers' decisions ---------------------------------------------------------------
    def approve(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext,
                respond: Respond) -> None:
        source, news_id = _target(action)
        with runtime.db.transaction() as session:
            item, changed = news.approve(session, context["actor"], news_id, now=now())
        if changed:
            _tell_submitter(runtime, client, item, "news_approved.md.j2", due=_next_issue_day(runtime))
        _refresh(runtime, respond, context["actor"], item, source)

    app.action(ids.NEWS_APPROVE)(ack=ack_only, lazy=[approve])

    def edit_open(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        item, meta = _to_review(runtime, body, action, context["actor"], "edit news")
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(
            views.news_modal(item=item, callback_id=ids.NEWS_EDIT_MODAL, meta=meta)))

    app.action(ids.NEWS_EDIT)(ack=ack_only, lazy=[edit_open])

    def edit_checked(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        if errors := _form_errors(view, editor=context["actor"]):
            ack(response_action="errors", errors=errors)
            return
        ack(response_action="clear")

    def edit_saved(view: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if _form_errors(view, editor=context["actor"]):
            return  # the form showed why
        meta = _review_metadata(view)
        with runtime.db.transaction() as session:
            item, newly = news.edit_and_approve(session, context["actor"], meta["id"], _form(view), now=now())
        if newly:
            _tell_submitter(runtime, client, item, "news_approved.md.j2", due=_next_issue_day(runtime), edited=True)
        _refresh_by_url(runtime, meta, context["actor"], item)

    app.view(ids.NEWS_EDIT_MODAL)(ack=edit_checked, lazy=[edit_saved])

    def reject_open(body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        item, meta = _to_review(runtime, body, action, context["actor"], "reject news")
        client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(views.reject_modal(item, meta)))

    app.action(ids.NEWS_REJECT)(ack=ack_only, lazy=[reject_open])

    def reject_checked(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        if errors := _reason_errors(view):
            ack(response_action="errors", errors=errors)
            return
        ack(response_action="clear")

    def rejected(view: dict[str, Any], body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        if _reason_errors(view):
            return  # the form showed why
        meta = _review_metadata(view)
        with runtime.db.transaction() as session:
            item, changed = news.reject(session, context["actor"], meta["id"],
                                        typed(values(view), ids.NEWS_REASON) or "", now=now())
        if changed:
            _tell_submitter(runtime, client, item, "news_rejected.md.j2")
        _refresh_by_url(runtime, meta, context["actor"], item)

    app.view(ids.NEWS_REJECT_MODAL)(ack=reject_checked, lazy=[rejected])

    runtime.home_sections.append(HomeSection(60, "news for the e-zine", lambda rt, actor: _home(rt, actor)))


# Helpers ------------------------------------------------------------------------------

def _form(view: dict[str, Any]) -> news.NewsForm:
    given = values(view)
    return news.NewsForm(title=typed(given, ids.NEWS_TITLE) or "", body=typed(given, ids.NEWS_BODY) or "",
                         link=typed(given, ids.NEWS_LINK), category=chosen(given, ids.NEWS_CATEGORY))


def _form_errors(view: dict[str, Any], *, editor: Actor | None = None) -> dict[str, str]:
    """What the news form's ack shows by its fields, {} when it is accepted. The work after
    the ack asks again and does nothing for a refused form (Bolt runs it whatever the ack
    answered), so a refusal shows once, on the form, and never also arrives as a DM."""
    try:
        if editor is not None:
            editor.require(Role.ORGANISER, "edit news")
        news.check_form(_form(view))
    except DomainError as e:
        return field_errors(view, {e.field or ids.NEWS_TITLE: e.message})
    return {}


def _reason_errors(view: dict[str, Any]) -> dict[str, str]:
    """As _form_errors, for the reason a rejection gives (who may reject is checked after the ack)."""
    try:
        news.check_reason(typed(values(view), ids.NEWS_REASON) or "")
    except DomainError as e:
        return {ids.NEWS_REASON: e.message}
    return {}


def _submission_key(view: dict[str, Any], actor: Actor) -> str:
    """Slack's id of the opened modal: a redelivered submission repeats it, a new form gets a new one.

    (The local shell's views carry an id too; a view without one is keyed by its content.)
    """
    if view.get("id"):
        return f"{view['id']}"[:64]
    digest = hashlib.sha256(repr((actor.user_id, sorted(values(view).items()))).encode())
    return digest.hexdigest()[:64]


def _target(action: dict[str, Any]) -> tuple[str, int]:
    source, _, news_id = button_value(action).partition(":")
    return source, payload_id(news_id, "a news button's item")


def _review_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What an edit or reject form carries (_to_review): the item, where the button was, its message's URL."""
    meta = metadata(view)
    url = meta.get("response_url")
    if not isinstance(meta.get("source", ""), str) or not (url is None or isinstance(url, str)):
        raise malformed(f"{view.get('callback_id')}: private_metadata is not a review's")
    return {**meta, "id": payload_id(str(meta.get("id", "")), "a news form's item")}


def _to_review(runtime: Runtime, body: dict[str, Any], action: dict[str, Any], actor: Actor,
               doing: str) -> tuple[news.NewsInfo, dict[str, Any]]:
    """The item a review button is about, and what its form carries to refresh that message once decided."""
    source, news_id = _target(action)
    actor.require(Role.ORGANISER, doing)
    with runtime.db.reading() as session:
        item = news.get(session, news_id)
    return item, {"id": news_id, "source": source, "response_url": body.get("response_url")}


def _next_issue_day(runtime: Runtime) -> str:
    schedule = ezine.Schedule(runtime.settings.digest_cron, runtime.settings.tz)
    due = schedule.next_due(now()).astimezone(runtime.settings.tz)
    return f"{due:%A} {due.day} {due:%B}"


def _ask_reviewers(runtime: Runtime, client: WebClient, item: news.NewsInfo, reviewers: list[str]) -> None:
    request = blocks.message(views.review_request_blocks(item, runtime.settings.tz))
    for user_id in reviewers:
        try:
            client.chat_postMessage(channel=user_id, **request)
        except SlackApiError as e:
            log.warning("could not ask %s to review news %s (%s)", user_id, item.id, e.response.get("error"))


def _tell_submitter(runtime: Runtime, client: WebClient, item: news.NewsInfo, template: str, **values: Any) -> None:
    text = runtime.templates.get_template(template).render(item=item, **values)
    try:
        client.chat_postMessage(channel=item.author_user, **blocks.note(text))
    except SlackApiError as e:
        log.warning("could not tell %s about their news (%s)", item.author_user, e.response.get("error"))


def _refresh(runtime: Runtime, respond: Respond, actor: Actor, item: news.NewsInfo, source: str) -> None:
    """Replace the message the button was on: the queue afresh, or the DM with the decision."""
    respond(replace_original=True, **_refreshed(runtime, actor, item, source))


def _refresh_by_url(runtime: Runtime, meta: dict[str, Any], actor: Actor, item: news.NewsInfo) -> None:
    if not meta.get("response_url"):
        return
    try:
        WebhookClient(meta["response_url"]).send(replace_original=True,
                                                 **_refreshed(runtime, actor, item, meta.get("source", "q")))
    except Exception:
        # Not left to the lazy listener's failure report: the decision is saved, and telling the organiser
        # "nothing was changed" would be wrong. Only the old message stays as it was (its URL may have expired).
        log.warning("could not refresh the news message for item %s", item.id, exc_info=True)


def _refreshed(runtime: Runtime, actor: Actor, item: news.NewsInfo, source: str) -> dict[str, Any]:
    tz = runtime.settings.tz
    if source == "q":
        with runtime.db.reading() as session:
            items, total = news.queue(session, actor), news.pending_count(session)
        return blocks.message(views.queue_blocks(items, tz, total=total))
    with runtime.db.reading() as session:
        name = news.get(session, item.id).reviewed_by or actor.user_id
        reviewer = find_addressed(session, name)
        by = reviewer.name if reviewer else name
    return blocks.message(views.decided_blocks(item, tz, by))


def _home(runtime: Runtime, actor: Actor) -> list[Any]:
    """A button to send news; organisers also see how much waits for review."""
    waiting = 0
    if actor.has(Role.ORGANISER):
        with runtime.db.reading() as session:
            waiting = news.pending_count(session)
    # The Home tab is assembled from Block Kit (handlers/home.py), so this section renders here.
    return blocks.render_all(views.home_blocks(waiting))
