"""The Slack adapter of the route table: one Bolt listener per kind of request.

Each listener parses Slack's payload into a core.request.Request, finds its handler with one
lookup (core.routes) and carries out the effects it returns: what belongs in the
acknowledgement goes in it (a command's answer, a form's errors or next step, options), and
what needs the Web API (opening a form, answering a click, a file) follows the ack
(bot.listeners.after_ack), so nothing calls Slack before Slack has its answer.

A refusal (storage.errors.DomainError) raised by a handler reaches the app's error handler
like any listener's: the person hears it, by the form's field when it came from a form.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import time
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import blocks
from bot.listeners import after_ack
from bot.runtime import Runtime
from bot.slack_refs import member_details, slack_identity, slack_ref
from core import ui
from core.commands import COMMAND, split
from core.delivery import DeliveryError, Kept, Outgoing
from core.request import (Answer, CloseForm, Container, DirectMessage, Effect, FollowUp, Kind, LookUp, OpenForm,
                          Options, RefreshHome, Request, SendDue, SendFile, UpdateForm, UpdateMessage, Where, effects)
from core.routes import Route
from bot.slack_payloads import button_value, date_picked, field_errors, is_user_id, moment_picked, state, values
from handlers._common import malformed, member_tz
from digests.runner import send_due_now
from storage import members
from storage.clock import now
from storage.members import Actor
from storage.models import Member

log = logging.getLogger(__name__)
SURFACE = "slack"
_ANY = re.compile(".*")


def register(app: App, runtime: Runtime) -> None:
    """The four listeners; register them before any Bolt listener of a feature not yet routed."""
    routes = runtime.routes

    def action_is_routed(body: dict[str, Any]) -> bool:
        return routes.find(Kind.ACTION, _action(body).get("action_id", "")) is not None

    def form_is_routed(body: dict[str, Any]) -> bool:
        return routes.find(Kind.FORM, str(body["view"].get("callback_id", ""))) is not None

    def options_are_routed(body: dict[str, Any]) -> bool:
        return routes.find(Kind.OPTIONS, str(body.get("action_id", ""))) is not None

    def shortcut_is_routed(body: dict[str, Any]) -> bool:
        return routes.find(Kind.SHORTCUT, str(body.get("callback_id", ""))) is not None

    def command(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
        subcommand, words = split(body.get("text"))
        request = _request(runtime, context, Kind.COMMAND, body.get("channel_id"), subcommand=subcommand,
                           words=words.strip())
        _carry_out(runtime, routes.find(Kind.COMMAND, subcommand), request, ack, body, client, context, respond)

    def action(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
        pressed = _action(body)
        view = body["view"] if isinstance(body.get("view"), dict) else {}
        # A control in a form carries the form with it: its id, metadata and what is filled in so far.
        form: dict[str, Any] = view if view.get("type") == "modal" else {}
        request = _request(runtime, context, Kind.ACTION, (body.get("channel") or {}).get("id"), clicked=body,
                           action_id=str(pressed.get("action_id", "")), value=button_value(pressed),
                           form_id=str(form.get("callback_id") or ""), metadata=str(form.get("private_metadata") or ""),
                           values=form_values(form) if form.get("state") else {})
        _carry_out(runtime, routes.find(Kind.ACTION, request.action_id), request, ack, body, client, context,
                   respond)

    def form(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
        view = body["view"]
        request = _request(runtime, context, Kind.FORM, None, form_id=str(view.get("callback_id", "")),
                           metadata=str(view.get("private_metadata") or ""), values=form_values(view),
                           submission=str(view.get("id") or ""))
        _carry_out(runtime, routes.find(Kind.FORM, request.form_id), request, ack, body, client, context, respond)

    def options(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext,
                respond: Respond) -> None:
        typed = body.get("value")
        request = _request(runtime, context, Kind.OPTIONS, None, action_id=str(body.get("action_id", "")),
                           query=typed if isinstance(typed, str) else "")
        _carry_out(runtime, routes.find(Kind.OPTIONS, request.action_id), request, ack, body, client, context,
                   respond)

    def shortcut(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext,
                 respond: Respond) -> None:
        request = _request(runtime, context, Kind.SHORTCUT, (body.get("channel") or {}).get("id"),
                           action_id=str(body.get("callback_id", "")), author=_author(body, context))
        _carry_out(runtime, routes.find(Kind.SHORTCUT, request.action_id), request, ack, body, client, context,
                   respond)

    def home_opened(ack: Ack, body: dict[str, Any], event: dict[str, Any], client: WebClient,
                    context: BoltContext) -> None:
        ack()
        # Slack sends this for the Messages and About tabs too; only Home has a page of ours.
        if event.get("tab") == "home" and context.get("actor") is not None:
            request = _request(runtime, context, Kind.HOME, None)
            after_ack(runtime, body, client, context, lambda: publish_home(runtime, client, request))

    # No matcher for commands: every subcommand has a route (one nobody claimed goes to help's fallback).
    app.command(COMMAND)(command)
    app.action(_ANY, matchers=[action_is_routed])(action)
    app.view_submission(_ANY, matchers=[form_is_routed])(form)
    app.options(_ANY, matchers=[options_are_routed])(options)
    app.shortcut(_ANY, matchers=[shortcut_is_routed])(shortcut)
    app.event("app_home_opened")(home_opened)


def _request(runtime: Runtime, context: BoltContext, kind: Kind, conversation: object, *,
             clicked: dict[str, Any] | None = None, **what: Any) -> Request:
    actor: Actor = context["actor"]
    team = context.team_id  # Bolt's reading of the workspace, whichever field the payload names it in
    where = Where(SURFACE, conversation if isinstance(conversation, str) else None,
                  tenant=team if isinstance(team, str) else None)
    if clicked is not None:
        where = _clicked_in(clicked, where)
    return Request(kind=kind, actor=actor, where=where, tz=member_tz(runtime, actor), **what)


def _clicked_in(body: dict[str, Any], where: Where) -> Where:
    """What an action's control sits in: a message (which one), the Home tab or a modal; and how to answer it."""
    if isinstance(url := body.get("response_url"), str):
        where = replace(where, reply_to=url)
    container: dict[str, Any] = body["container"] if isinstance(body.get("container"), dict) else {}
    if container.get("type") == "view":
        view: dict[str, Any] = body["view"] if isinstance(body.get("view"), dict) else {}
        return replace(where, container=Container.HOME if view.get("type") == "home" else Container.FORM)
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if isinstance(channel, str) and isinstance(ts, str):
        return replace(where, conversation=channel, container=Container.MESSAGE, message=slack_ref(channel, ts))
    if container.get("type") == "message":  # a message, though Slack did not say which
        return replace(where, container=Container.MESSAGE)
    return where


def _author(body: dict[str, Any], context: BoltContext) -> str:
    """Who wrote the message a shortcut was used on: '' for a bot, an app or the bot itself."""
    message = body.get("message") or {}
    if not isinstance(message, dict) or not (message.get("user") is None or is_user_id(message["user"])):
        raise malformed("the message shortcut's message has no author's id")
    author = message.get("user")
    if message.get("bot_id") or not author or author == context.get("bot_user_id"):
        return ""
    return str(author)




def _action(body: dict[str, Any]) -> dict[str, Any]:
    pressed = next(iter(body.get("actions") or []), None)
    return pressed if isinstance(pressed, dict) else {}


def form_values(view: dict[str, Any]) -> dict[str, ui.FieldValue]:
    """A submitted modal's inputs by block id, typed by the kind of element that holds each."""
    found = values(view)
    return {block_id: _typed_value(found, block_id) for block_id in found}


def _typed_value(found: dict[str, Any], block_id: str) -> ui.FieldValue:  # noqa: C901 - one branch per element
    element = state(found, block_id)
    kind = element["type"]
    if kind in ("plain_text_input", "url_text_input", "email_text_input", "number_input"):
        value = element.get("value")
        if value is not None and not isinstance(value, str):
            raise malformed(f"input {block_id}: the value is not text")
        return value or None
    if kind == "datepicker":
        return date_picked(found, block_id)
    if kind == "timepicker":
        picked = element.get("selected_time")
        try:
            return time.fromisoformat(picked) if isinstance(picked, str) else None
        except ValueError as e:
            raise malformed(f"input {block_id}: selected_time is not a time") from e
    if kind == "datetimepicker":
        return moment_picked(found, block_id)
    if kind in ("static_select", "radio_buttons", "external_select"):
        option = element.get("selected_option")
        return _option(option, block_id) if option is not None else None
    if kind in ("multi_static_select", "checkboxes", "multi_external_select"):
        chosen = element.get("selected_options") or []
        if not isinstance(chosen, list):
            raise malformed(f"input {block_id}: selected_options is not a list")
        return tuple(_option(o, block_id) for o in chosen)
    if kind == "users_select":
        return _text_or_none(element.get("selected_user"), block_id)
    if kind == "multi_users_select":
        users = element.get("selected_users") or []
        if not isinstance(users, list) or not all(isinstance(u, str) for u in users):
            raise malformed(f"input {block_id}: selected_users is not a list of ids")
        return tuple(users)
    if kind == "conversations_select":
        return _text_or_none(element.get("selected_conversation"), block_id)
    raise malformed(f"input {block_id} is a {kind}, which no form of ours has")


def _option(option: object, block_id: str) -> ui.Option:
    if not isinstance(option, dict) or not isinstance(option.get("value"), str):
        raise malformed(f"input {block_id}: an option without a value")
    label = (option.get("text") or {}).get("text") if isinstance(option.get("text"), dict) else None
    return ui.Option(label=label if isinstance(label, str) else option["value"], value=option["value"])


def _text_or_none(value: object, block_id: str) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    raise malformed(f"input {block_id}: the choice is not an id")


# Carrying out what a handler returned ------------------------------------------------------------

def _carry_out(runtime: Runtime, route: Route | None, request: Request, ack: Ack, body: dict[str, Any],
               client: WebClient, context: BoltContext, respond: Respond) -> None:
    if route is None:  # the matcher found it a moment ago; nothing registered since can remove it
        raise malformed(f"no route for the {request.kind}")
    if route.after_ack:
        ack()
        after_ack(runtime, body, client, context,
                  lambda: _send(effects(route.handler(request)), request, body, runtime, client, respond))
        return
    later = _acknowledge(effects(route.handler(request)), request, ack, body)
    if later:
        after_ack(runtime, body, client, context, lambda: _send(later, request, body, runtime, client, respond))


def _acknowledge(done: list[Effect], request: Request, ack: Ack, body: dict[str, Any]) -> list[Effect]:
    """Answer the request in its ack where Slack allows; the effects left need the Web API."""
    first = done[0] if done else None
    if request.kind is Kind.OPTIONS:
        options = first.options if isinstance(first, Options) else ()
        ack(options=[blocks.render_option(o).to_dict() for o in options])
        return []
    if request.kind is Kind.FORM and isinstance(first, ui.FieldErrors):
        ack(response_action="errors", errors=field_errors(body["view"], first.errors))
        return done[1:]
    if request.kind is Kind.FORM and isinstance(first, UpdateForm):
        ack(response_action="update", view=blocks.render_form(first.form))
        return done[1:]
    if request.kind is Kind.FORM and isinstance(first, CloseForm):
        ack(response_action="clear")
        return done[1:]
    if request.kind is Kind.COMMAND and isinstance(first, Answer):
        ack(**_answer(first))
        return done[1:]
    ack()
    return done


def _send(later: list[Effect], request: Request, body: dict[str, Any], runtime: Runtime, client: WebClient,
          respond: Respond) -> None:
    for effect in later:
        if isinstance(effect, SendDue):
            send_due_now(runtime, effect.due)
        elif isinstance(effect, OpenForm):
            client.views_open(trigger_id=body["trigger_id"], view=blocks.render_form(effect.form))
        elif isinstance(effect, UpdateForm):
            # An action inside a form changes that form; `hash` makes Slack refuse a stale change. After a
            # submitted form's ack there is no hash to give: the ack's own update changed it.
            view = body["view"] if isinstance(body.get("view"), dict) else {}
            if not isinstance(view.get("id"), str):
                raise malformed(f"{request.action_id or request.form_id}: no form to update")
            stale_check = {"hash": view.get("hash")} if request.kind is Kind.ACTION else {}
            client.views_update(view_id=view["id"], view=blocks.render_form(effect.form), **stale_check)
        elif isinstance(effect, FollowUp):
            _send(effects(effect.work()), request, body, runtime, client, respond)
        elif isinstance(effect, RefreshHome):
            publish_home(runtime, client, request)
        elif isinstance(effect, LookUp):
            _look_up(runtime, client, effect.members)
        elif isinstance(effect, Answer) and effect.to:
            _answer_earlier(effect)
        elif isinstance(effect, Answer) and body.get("response_url"):
            respond(replace_original=effect.replace, **_answer(effect))
        elif isinstance(effect, Answer):
            # A click on the Home tab or a submitted form has nowhere to answer but the person's DMs.
            runtime.delivery.dm(request.actor.user_id, effect.message)
        elif isinstance(effect, DirectMessage):
            with runtime.db.reading() as session:
                member = session.get(Member, effect.member_id)
                user_id = member.user_id if member is not None else None
            if user_id is not None:
                runtime.delivery.dm(user_id, effect.message)
        elif isinstance(effect, UpdateMessage):
            _update(runtime, effect, body)
        elif isinstance(effect, SendFile):
            runtime.delivery.upload(request.actor.user_id, effect.file, *effect.more)
        else:
            raise TypeError(f"{type(effect).__name__} cannot follow a {request.kind}'s ack")


def _answer_earlier(answer: Answer) -> None:
    try:
        WebhookClient(answer.to).send(replace_original=answer.replace, **_answer(answer))
    except Exception:
        # Not a failure to report: what the request did is saved; only the earlier message stays as it
        # was (its response_url may have expired, 30 minutes after the click).
        log.warning("could not answer an earlier request by its response_url", exc_info=True)


def _look_up(runtime: Runtime, client: WebClient, user_ids: tuple[str, ...]) -> None:
    """Bring these members up to date from users.info; one that Slack will not tell of keeps what we know."""
    for user_id in sorted(set(user_ids)):
        try:
            user = client.users_info(user=user_id)["user"]
        except SlackApiError as e:
            log.warning("users.info for %s failed (%s); kept as the store knows them", user_id,
                        e.response.get("error"))
            continue
        with runtime.db.transaction() as session:
            members.upsert_member(session, slack_identity(user_id), member_details(user), now=now())


def _update(runtime: Runtime, update: UpdateMessage, body: dict[str, Any]) -> None:
    message: Outgoing = update.message
    clicked: dict[str, Any] = body["message"] if isinstance(body.get("message"), dict) else {}
    lead = next(iter(clicked.get("blocks") or []), None) if clicked.get("ts") == update.ref.message_id else None
    if update.keep_lead and isinstance(lead, dict):
        # The lead as Slack shows it, which only Block Kit can carry: the message goes rendered here.
        rendered = blocks.message([lead, *update.message.blocks], title=update.message.title)
        message = Kept(rendered["text"], rendered["blocks"])
    try:
        runtime.delivery.update(update.ref, message)
    except DeliveryError as e:
        log.warning("could not update message %s in %s: %s", update.ref.message_id, update.ref.conversation,
                    e.reason)


def publish_home(runtime: Runtime, client: WebClient, request: Request) -> None:
    """The asker's Home tab, built by the route table's home builder."""
    if runtime.routes.home is not None:
        home = runtime.routes.home(replace(request, kind=Kind.HOME))
        client.views_publish(user_id=request.actor.user_id, view=blocks.render_home(home))


def _answer(answer: Answer) -> dict[str, Any]:
    if answer.public:
        return {"response_type": "in_channel", **blocks.message(answer.message)}
    return blocks.ephemeral(answer.message)

