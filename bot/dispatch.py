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

import re
from dataclasses import replace
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import blocks
from bot.listeners import after_ack
from bot.runtime import Runtime
from core import ui
from core.commands import COMMAND, split
from core.request import (Answer, Container, DirectMessage, Effect, FollowUp, Kind, MessageRef, OpenForm, Options,
                          RefreshHome, Request, SendDue, SendFile, UpdateForm, UpdateMessage, Where, effects)
from core.routes import Route
from handlers._common import button_value, date_picked, field_errors, malformed, moment_picked, state, values
from digests.runner import send_due_now
from storage.members import Actor
from storage.models import Member

SURFACE = "slack"
_ANY = re.compile(".*")


def register(app: App, runtime: Runtime) -> None:
    """The four listeners; register them before any Bolt listener of a feature not yet routed."""
    routes = runtime.routes

    def command_is_routed(body: dict[str, Any]) -> bool:
        return routes.find(Kind.COMMAND, split(body.get("text"))[0]) is not None

    def action_is_routed(body: dict[str, Any]) -> bool:
        return routes.find(Kind.ACTION, _action(body).get("action_id", "")) is not None

    def form_is_routed(body: dict[str, Any]) -> bool:
        return routes.find(Kind.FORM, str(body["view"].get("callback_id", ""))) is not None

    def options_are_routed(body: dict[str, Any]) -> bool:
        return routes.find(Kind.OPTIONS, str(body.get("action_id", ""))) is not None

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
        request = _request(runtime, context, Kind.OPTIONS, None, action_id=str(body.get("action_id", "")),
                           query=str(body.get("value") or ""))
        _carry_out(runtime, routes.find(Kind.OPTIONS, request.action_id), request, ack, body, client, context,
                   respond)

    runtime.subcommands.matchers.append(command_is_routed)  # one of the `/tech` listeners, tried first
    app.command(COMMAND, matchers=[command_is_routed])(command)
    app.action(_ANY, matchers=[action_is_routed])(action)
    app.view_submission(_ANY, matchers=[form_is_routed])(form)
    app.options(_ANY, matchers=[options_are_routed])(options)


def _request(runtime: Runtime, context: BoltContext, kind: Kind, conversation: object, *,
             clicked: dict[str, Any] | None = None, **what: Any) -> Request:
    actor: Actor = context["actor"]
    where = Where(SURFACE, conversation if isinstance(conversation, str) else None)
    if clicked is not None:
        where = _clicked_in(clicked, where)
    return Request(kind=kind, actor=actor, where=where, tz=_zone(actor.timezone, runtime.settings.tz), **what)


def _clicked_in(body: dict[str, Any], where: Where) -> Where:
    """What an action's control sits in: a message (which one), the Home tab or a modal."""
    container: dict[str, Any] = body["container"] if isinstance(body.get("container"), dict) else {}
    if container.get("type") == "view":
        view: dict[str, Any] = body["view"] if isinstance(body.get("view"), dict) else {}
        return replace(where, container=Container.HOME if view.get("type") == "home" else Container.FORM)
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if isinstance(channel, str) and isinstance(ts, str):
        return replace(where, conversation=channel, container=Container.MESSAGE, message=MessageRef(channel, ts))
    return where


def _zone(name: str | None, network: ZoneInfo) -> ZoneInfo:
    """The member's zone as Slack gave it; the network's when it gave none we know."""
    try:
        return ZoneInfo(name) if name else network
    except (ZoneInfoNotFoundError, ValueError):
        return network


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
            # An action inside a form changes that form; `hash` makes Slack refuse a stale change.
            view = body["view"]
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=blocks.render_form(effect.form))
        elif isinstance(effect, FollowUp):
            _send(effects(effect.work()), request, body, runtime, client, respond)
        elif isinstance(effect, RefreshHome):
            publish_home(runtime, client, request)
        elif isinstance(effect, Answer) and body.get("response_url"):
            respond(replace_original=effect.replace, **_answer(effect))
        elif isinstance(effect, Answer):
            # A click on the Home tab or a submitted form has nowhere to answer but the person's DMs.
            runtime.delivery.dm(request.actor.slack_user_id, effect.message)
        elif isinstance(effect, DirectMessage):
            with runtime.db.reading() as session:
                # Read within the session: its objects are expired once it closes.
                member = session.get(Member, effect.member_id)
                to = member.slack_user_id if member is not None else None
            if to is not None:
                runtime.delivery.dm(to, effect.message)
        elif isinstance(effect, UpdateMessage):
            runtime.delivery.update(effect.ref, effect.message)
        elif isinstance(effect, SendFile):
            runtime.delivery.upload(request.actor.slack_user_id, effect.file, more=effect.more)
        else:
            raise TypeError(f"{type(effect).__name__} cannot follow a {request.kind}'s ack")


def publish_home(runtime: Runtime, client: WebClient, request: Request) -> None:
    """The asker's Home tab, built by the route table's home builder."""
    if runtime.routes.home is not None:
        home = runtime.routes.home(replace(request, kind=Kind.HOME))
        client.views_publish(user_id=request.actor.slack_user_id, view=blocks.render_home(home))


def _answer(answer: Answer) -> dict[str, Any]:
    if answer.public:
        return {"response_type": "in_channel", **blocks.message(answer.message)}
    return blocks.ephemeral(answer.message)

