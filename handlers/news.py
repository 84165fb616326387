"""News for the e-zine: `/tech news` (a form), `/tech news mine`, and organisers' `/tech news queue`.

A member's item waits for an organiser; each organiser gets a DM with Approve / Edit /
Reject, and the queue lists what is still waiting. The submitter hears the decision by
DM. Every rule is in storage/news.py.
"""

from __future__ import annotations

import hashlib
import logging
from typing import TYPE_CHECKING, Any

from core import ids, ui
from core.delivery import DeliveryError
from core.request import Answer, CloseForm, FollowUp, OpenForm, Reply, Request, UpdateForm
from core.services import HomeSection
from handlers import news_views as views
from handlers._common import (field_choice, field_text, malformed, metadata_object, not_known, payload_id,
                              refusal)
from storage import ezine, news
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role, find_addressed, organiser_ids

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)
USAGE = ("`/tech news` sends news for the e-zine (a form) · `/tech news mine` shows what you sent and what "
         "became of it · organisers: `/tech news queue` lists what waits for review.")


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("news", owner=__name__)
    def news_command(request: Request) -> Reply:
        rest = request.words.lower()
        if rest == "":
            return [Answer(ui.note("Opening the news form… " + USAGE)), OpenForm(views.news_modal())]
        if rest == "help":
            return Answer(ui.note(USAGE))
        if rest == "mine":
            with runtime.db.reading() as session:
                items = news.mine(session, request.actor)
            return Answer(ui.message(views.mine_blocks(items, runtime.settings.tz)))
        if rest == "queue":
            try:
                with runtime.db.reading() as session:
                    items = news.queue(session, request.actor)
                    total = news.pending_count(session)
            except DomainError as e:
                return Answer(refusal(e))
            return Answer(ui.message(views.queue_blocks(items, runtime.settings.tz, total=total)))
        return Answer(ui.note(f"{not_known('news', rest)} {USAGE}"))

    @routes.action(ids.NEWS_OPEN)
    def open_form(request: Request) -> Reply:
        return OpenForm(views.news_modal())

    # The member's form -------------------------------------------------------------------
    @routes.form(ids.NEWS_MODAL)
    def submitted(request: Request) -> Reply:
        if errors := _form_errors(request):
            return errors

        def stored() -> None:
            with runtime.db.transaction() as session:
                item, created = news.submit(session, request.actor, _form(request),
                                            submission_key=_submission_key(request), now=now())
                reviewers = organiser_ids(session, runtime.grants.organisers)
            if created:
                _ask_reviewers(runtime, item, reviewers)

        return [UpdateForm(views.done_modal(
            "Thank you", "Your news is with the organisers. You'll hear by direct message when it is approved; "
                         "`/tech news mine` shows it meanwhile.")), FollowUp(stored)]

    # Organisers' decisions ---------------------------------------------------------------
    @routes.action(ids.NEWS_APPROVE, after_ack=True)  # the submitter is told by DM
    def approve(request: Request) -> Reply:
        source, news_id = _target(request.value)
        with runtime.db.transaction() as session:
            item, changed = news.approve(session, request.actor, news_id, now=now())
        if changed:
            _tell_submitter(runtime, item, "news_approved.md.j2", due=_next_issue_day(runtime))
        # The message the button was on: the queue afresh, or the DM with the decision.
        return Answer(_refreshed(runtime, request.actor, item, source), replace=True)

    @routes.action(ids.NEWS_EDIT)
    def edit_open(request: Request) -> Reply:
        item, meta = _to_review(runtime, request, "edit news")
        return OpenForm(views.news_modal(item=item, callback_id=ids.NEWS_EDIT_MODAL, meta=meta))

    @routes.form(ids.NEWS_EDIT_MODAL)
    def edit_saved(request: Request) -> Reply:
        if errors := _form_errors(request, editor=request.actor):
            return errors
        meta = _review_metadata(request)

        def saved() -> Reply:
            with runtime.db.transaction() as session:
                item, newly = news.edit_and_approve(session, request.actor, meta["id"], _form(request), now=now())
            if newly:
                _tell_submitter(runtime, item, "news_approved.md.j2", due=_next_issue_day(runtime), edited=True)
            return _refresh_reviewed(runtime, meta, request.actor, item)

        return [CloseForm(), FollowUp(saved)]

    @routes.action(ids.NEWS_REJECT)
    def reject_open(request: Request) -> Reply:
        item, meta = _to_review(runtime, request, "reject news")
        return OpenForm(views.reject_modal(item, meta))

    @routes.form(ids.NEWS_REJECT_MODAL)
    def rejected(request: Request) -> Reply:
        # Who may reject is the rule's to say, after the ack: a refusal then reaches the person by DM.
        reason = field_text(request.values, ids.NEWS_REASON) or ""
        try:
            news.check_reason(reason)
        except DomainError as e:
            return ui.FieldErrors({ids.NEWS_REASON: e.message})
        meta = _review_metadata(request)

        def decided() -> Reply:
            with runtime.db.transaction() as session:
                item, changed = news.reject(session, request.actor, meta["id"], reason, now=now())
            if changed:
                _tell_submitter(runtime, item, "news_rejected.md.j2")
            return _refresh_reviewed(runtime, meta, request.actor, item)

        return [CloseForm(), FollowUp(decided)]

    runtime.home_sections.append(HomeSection(60, "news for the e-zine", lambda rt, actor: _home(rt, actor)))


# Helpers ------------------------------------------------------------------------------

def _form(request: Request) -> news.NewsForm:
    given = request.values
    return news.NewsForm(title=field_text(given, ids.NEWS_TITLE) or "", body=field_text(given, ids.NEWS_BODY) or "",
                         link=field_text(given, ids.NEWS_LINK), category=field_choice(given, ids.NEWS_CATEGORY))


def _form_errors(request: Request, *, editor: Actor | None = None) -> ui.FieldErrors | None:
    """What the news form's ack shows by its fields, None when it is accepted: a refusal shows
    once, on the form, and never also arrives as a DM."""
    try:
        if editor is not None:
            editor.require(Role.ORGANISER, "edit news")
        news.check_form(_form(request))
    except DomainError as e:
        return ui.FieldErrors({e.field or ids.NEWS_TITLE: e.message})
    return None


def _submission_key(request: Request) -> str:
    """The surface's id of the opened form: a redelivered submission repeats it, a new form gets a new one.

    (The local shell's forms carry an id too; a form without one is keyed by its content.)
    """
    if request.submission:
        return request.submission[:64]
    digest = hashlib.sha256(repr((request.actor.member_id, sorted(request.values.items()))).encode())
    return digest.hexdigest()[:64]


def _target(value: str) -> tuple[str, int]:
    source, _, news_id = value.partition(":")
    return source, payload_id(news_id, "a news button's item")


def _review_metadata(request: Request) -> dict[str, Any]:
    """What an edit or reject form carries (_to_review): the item, where the button was, how to answer it."""
    meta = metadata_object(request.metadata, request.form_id)
    if not isinstance(meta.get("source", ""), str) or not isinstance(meta.get("reply_to", ""), str):
        raise malformed(f"{request.form_id}: private_metadata is not a review's")
    return {**meta, "id": payload_id(str(meta.get("id", "")), "a news form's item")}


def _to_review(runtime: Services, request: Request, doing: str) -> tuple[news.NewsInfo, dict[str, Any]]:
    """The item a review button is about, and what its form carries to refresh that message once decided."""
    source, news_id = _target(request.value)
    request.actor.require(Role.ORGANISER, doing)
    with runtime.db.reading() as session:
        item = news.get(session, news_id)
    return item, {"id": news_id, "source": source, "reply_to": request.where.reply_to}


def _next_issue_day(runtime: Services) -> str:
    schedule = ezine.Schedule(runtime.settings.digest_cron, runtime.settings.tz)
    due = schedule.next_due(now()).astimezone(runtime.settings.tz)
    return f"{due:%A} {due.day} {due:%B}"


def _ask_reviewers(runtime: Services, item: news.NewsInfo, reviewers: list[str]) -> None:
    request = ui.message(views.review_request_blocks(item, runtime.settings.tz))
    for user_id in reviewers:
        try:
            runtime.delivery.dm(user_id, request)
        except DeliveryError as e:
            log.warning("could not ask %s to review news %s (%s)", user_id, item.id, e.reason)


def _tell_submitter(runtime: Services, item: news.NewsInfo, template: str, **values: Any) -> None:
    text = runtime.templates.get_template(template).render(item=item, **values)
    try:
        runtime.delivery.dm(item.author_user, ui.note(text))
    except DeliveryError as e:
        log.warning("could not tell %s about their news (%s)", item.author_user, e.reason)


def _refresh_reviewed(runtime: Services, meta: dict[str, Any], actor: Actor, item: news.NewsInfo) -> Reply:
    """The message whose button opened the decided form, shown afresh (when the surface said how to reach it)."""
    if not meta.get("reply_to"):
        return None
    return Answer(_refreshed(runtime, actor, item, meta.get("source", "q")), replace=True, to=meta["reply_to"])


def _refreshed(runtime: Services, actor: Actor, item: news.NewsInfo, source: str) -> ui.Message:
    tz = runtime.settings.tz
    if source == "q":
        with runtime.db.reading() as session:
            items, total = news.queue(session, actor), news.pending_count(session)
        return ui.message(views.queue_blocks(items, tz, total=total))
    with runtime.db.reading() as session:
        name = news.get(session, item.id).reviewed_by or actor.user_id
        reviewer = find_addressed(session, name)
        by = reviewer.name if reviewer else name
    return ui.message(views.decided_blocks(item, tz, by))


def _home(runtime: Services, actor: Actor) -> list[ui.Block]:
    """A button to send news; organisers also see how much waits for review."""
    waiting = 0
    if actor.has(Role.ORGANISER):
        with runtime.db.reading() as session:
            waiting = news.pending_count(session)
    return views.home_blocks(waiting)
