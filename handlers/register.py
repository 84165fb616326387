"""`/tech register`: the professional registration guide, the guided questions that suggest a register,
each member's status, a registration mentor, and the organisers' uptake figures.

The guide is content/registration.yaml (organisers edit it); the rules are in storage/registration.py.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot import blocks
from core import ids, ui
from core.commands import COMMAND
from bot.listeners import ack_only
from bot.runtime import Runtime
from handlers import register_views as views
from handlers._common import chosen, not_known, refused, typed, values, verb_and_argument
from handlers.mentor import find_reply
from storage import registration
from storage.clock import now
from storage.errors import DomainError
from storage.members import Actor, Role
from storage.registration import Guide

SUGGEST_WORDS = ("suggest", "which", "quiz", "questions")


def guide_for(runtime: Runtime) -> Guide:
    """The registration guide, read once per content directory (restart to pick up edits)."""
    return registration.cached_guide(runtime.settings.content_dir)


def register(app: App, runtime: Runtime) -> None:
    guide_for(runtime)  # a broken registration.yaml stops start-up, not a member's request

    def register_ack(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        try:
            ack(**blocks.ephemeral(register_reply(runtime, context["actor"], *verb_and_argument(body))))
        except DomainError as e:
            ack(**refused(e))

    def register_lazy(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        verb, argument = verb_and_argument(body)
        if argument:
            return
        if verb == "status":
            open_status_form(runtime, client, context["actor"], body["trigger_id"])
        elif verb in SUGGEST_WORDS:
            open_suggest_form(runtime, client, context["actor"], body["trigger_id"])

    app.command(COMMAND, matchers=[runtime.subcommands.matcher("register", owner=__name__)])(
        ack=register_ack, lazy=[register_lazy])

    def open_suggest(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        open_suggest_form(runtime, client, context["actor"], body["trigger_id"])

    def open_status(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        open_status_form(runtime, client, context["actor"], body["trigger_id"])

    def find_mentor(body: dict[str, Any], client: WebClient, context: BoltContext, respond: Respond) -> None:
        actor: Actor = context["actor"]
        reply = find_reply(runtime, actor, "registration")
        if body.get("response_url"):
            respond(replace_original=False, **blocks.ephemeral(reply))
        else:
            client.chat_postMessage(channel=actor.slack_user_id, **blocks.message(reply))

    def suggested(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        given = values(view)
        try:
            with runtime.db.transaction() as session:
                suggestion = registration.save_answers(
                    session, context["actor"], role=chosen(given, ids.REGISTER_ROLE),
                    qualification=chosen(given, ids.REGISTER_QUALIFICATION),
                    years=typed(given, ids.REGISTER_YEARS), now=now())
        except registration.InvalidAnswers as e:
            ack(response_action="errors", errors=e.errors)
            return
        except DomainError as e:
            ack(response_action="errors", errors={e.field or ids.REGISTER_ROLE: e.message})
            return
        ack(response_action="update", view=blocks.render_form(views.suggestion_form(guide_for(runtime), suggestion)))

    def status_saved(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        given = values(view)
        guide = guide_for(runtime)
        try:
            with runtime.db.transaction() as session:
                info = registration.record_status(session, context["actor"],
                                                  status=chosen(given, ids.REGISTER_STATUS),
                                                  register=chosen(given, ids.REGISTER_REGISTER), guide=guide,
                                                  now=now())
        except DomainError as e:
            ack(response_action="errors", errors={e.field or ids.REGISTER_STATUS: e.message})
            return
        ack(response_action="update", view=blocks.render_form(views.status_saved_form(guide, info)))

    app.action(ids.REGISTER_SUGGEST_OPEN)(ack=ack_only, lazy=[open_suggest])
    app.action(ids.REGISTER_STATUS_OPEN)(ack=ack_only, lazy=[open_status])
    app.action(ids.REGISTER_FIND_MENTOR)(ack=ack_only, lazy=[find_mentor])
    app.view(ids.REGISTER_SUGGEST_MODAL)(suggested)
    app.view(ids.REGISTER_STATUS_MODAL)(status_saved)


def register_reply(runtime: Runtime, actor: Actor, verb: str, argument: str) -> ui.Message:
    """The answer to `/tech register ...` within the ack: content and database reads."""
    guide = guide_for(runtime)
    organiser = actor.has(Role.ORGANISER)
    if verb == "" and not argument:
        with runtime.db.reading() as session:
            status = registration.status_of(session, actor.member_id)
        return ui.message(views.guide_blocks(guide, status, organiser=organiser))
    if verb == "help" and not argument:
        return ui.note(views.usage(organiser))
    if verb == "status" and not argument:
        return ui.note(":pencil: Opening the form to record your registration status…")
    if verb in SUGGEST_WORDS and not argument:
        return ui.note(":pencil: Opening three questions about your work…")
    if verb == "mentor" and not argument:
        return find_reply(runtime, actor, "registration")
    if verb == "summary" and not argument:
        with runtime.db.reading() as session:
            figures = registration.uptake(session, actor, guide, min_group=runtime.settings.report_min_group)
        return ui.message(views.uptake_blocks(figures))
    found = guide.find(f"{verb} {argument}")
    if found is not None:
        return ui.message(views.register_blocks(guide, found))
    unknown = not_known("register", f"{verb} {argument}")
    names = ", ".join(f"`{r.key}`" for r in guide.registers)
    return ui.message([ui.section(f"{unknown} The registers are {names}."), ui.section(views.usage(organiser))])


def open_suggest_form(runtime: Runtime, client: WebClient, actor: Actor, trigger_id: str) -> None:
    with runtime.db.reading() as session:
        status = registration.status_of(session, actor.member_id)
    client.views_open(trigger_id=trigger_id, view=blocks.render_form(views.suggest_form(status)))


def open_status_form(runtime: Runtime, client: WebClient, actor: Actor, trigger_id: str) -> None:
    with runtime.db.reading() as session:
        status = registration.status_of(session, actor.member_id)
    client.views_open(trigger_id=trigger_id, view=blocks.render_form(views.status_form(guide_for(runtime), status)))
