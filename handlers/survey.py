"""`/tech survey`: organisers set up surveys (`new`), list them and read their results (`results <n>`,
with charts and a CSV); members answer from the DM's Take the survey button."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core import ids, ui
from core.commands import split
from core.markup import escape
from core.request import Answer, DirectMessage, FollowUp, OpenForm, Reply, Request, SendDue, SendFile, UpdateForm
from handlers import survey_views as views
from handlers._common import (field_choice, field_choices, field_moment, field_text, malformed, metadata_object,
                              not_known, payload_id, refusal, typed_id)
from storage import ledger, surveys
from storage.clock import now
from storage.errors import DomainError
from storage.members import Role
from storage.privacy import Shown
from storage.report import Chart, ChartKind, Pillar, Point, Series
from storage.surveys.questions import MULTIPLE, TEXT

if TYPE_CHECKING:
    from core.services import Services


def register(runtime: Services) -> None:
    routes = runtime.routes
    tz = runtime.settings.tz
    min_group = runtime.settings.report_min_group

    @routes.command("survey", owner=__name__)
    def survey_command(request: Request) -> Reply:
        verb, argument = split(request.words)
        try:
            if verb in ("", "help"):
                return Answer(ui.note(views.USAGE))
            if verb == "new" and not argument:
                request.actor.require(Role.ORGANISER, "set up a survey")
                return OpenForm(views.survey_form())
            if verb == "list" and not argument:
                with runtime.db.reading() as session:
                    rows = surveys.listing(session, request.actor)
                return Answer(ui.message(views.listing_blocks(rows, tz, now())))
            if verb == "results":
                survey_id = typed_id(argument, "Give the survey's number: `/tech survey results 3`.")
                with runtime.db.reading() as session:
                    found = surveys.results(session, request.actor, survey_id, min_group=min_group)
                return [Answer(ui.message(views.results_blocks(found, tz))),
                        FollowUp(lambda: results_files(found))]
        except DomainError as e:
            return Answer(refusal(e))
        return Answer(ui.message([ui.section(not_known("survey", request.words)), ui.section(views.USAGE)]))

    @routes.form(ids.SURVEY_MODAL)
    def survey_submitted(request: Request) -> Reply:
        given = request.values
        recurrence = field_choice(given, ids.SURVEY_RECURRENCE) or ""
        draft = surveys.SurveyDraft(
            title=field_text(given, ids.SURVEY_TITLE) or "", questions=field_text(given, ids.SURVEY_QUESTIONS) or "",
            anonymous="anonymous" in field_choices(given, ids.SURVEY_ANONYMOUS),
            audience=field_choice(given, ids.SURVEY_AUDIENCE) or "",
            audience_value=field_text(given, ids.SURVEY_AUDIENCE_VALUE) or "",
            opens_at=field_moment(given, ids.SURVEY_OPENS), closes_at=field_moment(given, ids.SURVEY_CLOSES),
            recurrence="" if recurrence == "once" else recurrence)
        try:
            with runtime.db.transaction() as session:
                made = surveys.create(session, request.actor, draft, now=now(), min_group=min_group)
                info = surveys.get(session, made.id)
                due = ledger.scheduled_in(session)
        except surveys.InvalidSurvey as e:
            return ui.FieldErrors(e.errors)
        except DomainError as e:
            return ui.FieldErrors({e.field or ids.SURVEY_TITLE: e.message})
        # Opening now: the invitations go after the ack (the rest of the plan waits for its time).
        return [UpdateForm(views.set_up_form(info, tz)), SendDue(due)]

    @routes.action(ids.SURVEY_TAKE)
    def take(request: Request) -> Reply:
        survey_id = payload_id(request.value, "the survey to take")
        try:
            with runtime.db.reading() as session:
                info, answers = surveys.to_answer(session, request.actor, survey_id, now=now())
        except DomainError as e:
            return Answer(refusal(e))
        return OpenForm(views.answer_form(info, answers))

    @routes.action(ids.SURVEY_EDIT)
    def change(request: Request) -> Reply:
        number, _, key = request.value.partition(":")
        survey_id = payload_id(number, "the survey to change")
        if not key or len(key) > 64:
            raise malformed("a survey's receipt carries no key")
        try:
            with runtime.db.reading() as session:
                info, answers = surveys.to_answer(session, request.actor, survey_id, now=now(), key=key)
        except DomainError as e:
            return Answer(refusal(e))
        return OpenForm(views.answer_form(info, answers, key=key))

    @routes.form(ids.SURVEY_ANSWER_MODAL)
    def answered(request: Request) -> Reply:
        carried = metadata_object(request.metadata, ids.SURVEY_ANSWER_MODAL)
        survey_id = payload_id(str(carried.get("survey", "")), "the answer form's survey")
        key = str(carried.get("key", ""))
        try:
            with runtime.db.transaction() as session:
                info = surveys.get(session, survey_id)
                new_key = surveys.respond(session, request.actor, survey_id, answers_given(request, info), now=now(),
                                          key=key)
        except surveys.InvalidSurvey as e:
            return ui.FieldErrors(e.errors)
        except DomainError as e:
            return ui.FieldErrors({"q0": e.message})
        done: list[Any] = [UpdateForm(views.answered_form(info, tz))]
        if info.anonymous and not key:
            done.append(DirectMessage(request.actor.member_id, views.receipt(info, new_key, tz)))
        return done


def answers_given(request: Request, info: surveys.SurveyInfo) -> dict[str, Any]:
    given: dict[str, Any] = {}
    for index, q in enumerate(info.questions):
        field_id = f"q{index}"
        if q.kind == TEXT:
            given[str(index)] = field_text(request.values, field_id) or ""
        elif q.kind == MULTIPLE:
            given[str(index)] = field_choices(request.values, field_id)
        else:
            given[str(index)] = field_choice(request.values, field_id)
    return given


def results_files(found: surveys.Results) -> Reply:
    """After the ack: the CSV, and a chart per question with choices (drawn only when results show)."""
    name = f"survey-{found.survey.id}-results.csv"
    files = [ui.File(name, surveys.to_csv(found), mime="text/csv", title=name,
                     comment=f"Results of {escape(found.survey.title)}: every figure as shown above.")]
    if found.shown:
        from digests.report_charts import render  # matplotlib loads only when a chart is drawn
        for index, q in enumerate(found.questions):
            chart = question_chart(found, index, q.counts)
            png = render(chart) if chart else None
            if png:
                files.append(ui.File(f"survey-{found.survey.id}-q{index + 1}.png", png, mime="image/png",
                                     title=q.question.text[:100],
                                     alt=f"Answers to “{q.question.text[:200]}”, as counts per choice"))
    return SendFile(files[0], tuple(files[1:]))


def question_chart(found: surveys.Results, index: int, counts: tuple[tuple[str, Shown], ...]) -> Chart | None:
    if not counts:
        return None
    points = tuple(Point(label, shown) for label, shown in counts)
    return Chart(key=f"survey_{found.survey.id}_q{index}", kind=ChartKind.DISTRIBUTION,
                 title=found.questions[index].question.text[:60], x_label="People", y_label="",
                 period_label=found.survey.title[:60], series=(Series("Answers", points),),
                 pillar=Pillar.SUSTAINABILITY)
