"""`/tech register`: the professional registration guide, the guided questions that suggest a register,
each member's status, a registration mentor, and the organisers' uptake figures.

The guide is content/registration.yaml (organisers edit it); the rules are in storage/registration.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ids, ui
from core.commands import split
from core.request import Answer, OpenForm, Reply, Request, UpdateForm
from handlers import register_views as views
from handlers._common import field_choice, field_text, not_known, refusal
from handlers.mentor import find_reply
from storage import registration
from storage.clock import now
from storage.errors import DomainError
from storage.members import Role
from storage.registration import Guide

if TYPE_CHECKING:
    from core.services import Services

SUGGEST_WORDS = ("suggest", "which", "quiz", "questions")


def guide_for(runtime: Services) -> Guide:
    """The registration guide, read once per content directory (restart to pick up edits)."""
    return registration.cached_guide(runtime.settings.content_dir)


def register(runtime: Services) -> None:
    guide_for(runtime)  # a broken registration.yaml stops start-up, not a member's request
    routes = runtime.routes

    @routes.command("register", owner=__name__)
    def register_command(request: Request) -> Reply:
        verb, argument = split(request.words)
        try:
            answer = Answer(register_reply(runtime, request, verb, argument))
        except DomainError as e:
            return Answer(refusal(e))
        if verb == "status" and not argument:
            return [answer, status_form(runtime, request)]
        if verb in SUGGEST_WORDS and not argument:
            return [answer, suggest_form(runtime, request)]
        return answer

    @routes.action(ids.REGISTER_SUGGEST_OPEN)
    def open_suggest(request: Request) -> Reply:
        return suggest_form(runtime, request)

    @routes.action(ids.REGISTER_STATUS_OPEN)
    def open_status(request: Request) -> Reply:
        return status_form(runtime, request)

    @routes.action(ids.REGISTER_FIND_MENTOR)
    def find_mentor(request: Request) -> Reply:
        return Answer(find_reply(runtime, request, "registration"))

    @routes.form(ids.REGISTER_SUGGEST_MODAL)
    def suggested(request: Request) -> Reply:
        given = request.values
        try:
            with runtime.db.transaction() as session:
                suggestion = registration.save_answers(
                    session, request.actor, role=field_choice(given, ids.REGISTER_ROLE),
                    qualification=field_choice(given, ids.REGISTER_QUALIFICATION),
                    years=field_text(given, ids.REGISTER_YEARS), now=now())
        except registration.InvalidAnswers as e:
            return ui.FieldErrors(e.errors)
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.REGISTER_ROLE: e.message})
        return UpdateForm(views.suggestion_form(guide_for(runtime), suggestion))

    @routes.form(ids.REGISTER_STATUS_MODAL)
    def status_saved(request: Request) -> Reply:
        given = request.values
        guide = guide_for(runtime)
        try:
            with runtime.db.transaction() as session:
                info = registration.record_status(session, request.actor,
                                                  status=field_choice(given, ids.REGISTER_STATUS),
                                                  register=field_choice(given, ids.REGISTER_REGISTER), guide=guide,
                                                  now=now())
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.REGISTER_STATUS: e.message})
        return UpdateForm(views.status_saved_form(guide, info))


def register_reply(runtime: Services, request: Request, verb: str, argument: str) -> ui.Message:
    """The answer to `/tech register ...` within the ack: content and database reads."""
    actor = request.actor
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
        return find_reply(runtime, request, "registration")
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


def suggest_form(runtime: Services, request: Request) -> OpenForm:
    with runtime.db.reading() as session:
        status = registration.status_of(session, request.actor.member_id)
    return OpenForm(views.suggest_form(status))


def status_form(runtime: Services, request: Request) -> OpenForm:
    with runtime.db.reading() as session:
        status = registration.status_of(session, request.actor.member_id)
    return OpenForm(views.status_form(guide_for(runtime), status))
