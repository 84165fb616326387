"""`/tech actions`: the action plan by pillar with RAG colours; an action's history; owners
post updates (a status and a note)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ids, ui
from core.commands import split
from core.request import Answer, OpenForm, Reply, Request, UpdateForm
from handlers import actions_views as views
from handlers._common import field_choice, field_text, not_known, payload_id, refusal, request_today, typed_id
from storage import actions
from digests.report_files import options_for
from storage.actions.figures import measure_figures
from storage.clock import now
from storage.errors import DomainError

if TYPE_CHECKING:
    from core.services import Services


def register(runtime: Services) -> None:
    routes = runtime.routes

    @routes.command("actions", owner=__name__)
    def actions_command(request: Request) -> Reply:
        verb, argument = split(request.words)
        try:
            if verb == "":
                return Answer(plan_reply(runtime, request))
            if verb == "help":
                return Answer(ui.note(views.USAGE))
            if verb == "update":
                return open_update(runtime, request, typed_id(argument, "Give the action's number: "
                                                                        "`/tech actions update 3`."))
            if not argument:
                return Answer(action_reply(runtime, request, typed_id(verb, "Give the action's number.")))
        except DomainError as e:
            return Answer(refusal(e))
        return Answer(ui.message([ui.section(not_known("actions", f"{verb} {argument}")), ui.section(views.USAGE)]))

    @routes.action(ids.ACTIONS_UPDATE_OPEN)
    def update_pressed(request: Request) -> Reply:
        try:
            return open_update(runtime, request, payload_id(request.value, "the update button's action"))
        except DomainError as e:
            return Answer(refusal(e))

    @routes.form(ids.ACTIONS_UPDATE_MODAL)
    def updated(request: Request) -> Reply:
        action_id = payload_id(request.metadata, "the update form's action")
        today = request_today(request)
        try:
            with runtime.db.transaction() as session:
                info = actions.post_update(session, request.actor, action_id,
                                           field_choice(request.values, ids.ACTIONS_STATUS) or "",
                                           field_text(request.values, ids.ACTIONS_NOTE) or "", now=now(), today=today)
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.ACTIONS_NOTE: e.message})
        return UpdateForm(views.updated_form(info, today))


def plan_reply(runtime: Services, request: Request) -> ui.Message:
    today = request_today(request)
    with runtime.db.reading() as session:
        plan = actions.plan(session, today=today)
        counts = actions.rag_counts(session, today=today)
        figures = measure_figures(session, plan, options=options_for(runtime.settings), now=now())
    mine = [a.id for a in plan if actions.may_update(request.actor, a)]
    return ui.message(views.plan_blocks(plan, counts, figures, mine=mine), title="The action plan")


def action_reply(runtime: Services, request: Request, action_id: int) -> ui.Message:
    today = request_today(request)
    with runtime.db.reading() as session:
        info = actions.action(session, action_id, today=today)
        figures = measure_figures(session, [info], options=options_for(runtime.settings), now=now())
    return ui.message(views.action_blocks(info, figures, can_update=actions.may_update(request.actor, info)))


def open_update(runtime: Services, request: Request, action_id: int) -> Reply:
    with runtime.db.reading() as session:
        info = actions.action(session, action_id, today=request_today(request))
    actions.require_update(request.actor, info)
    return [Answer(ui.note(f":pencil: Opening the update form for action {action_id}…")),
            OpenForm(views.update_form(info))]
