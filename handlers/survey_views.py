"""Surveys' forms and replies: the organiser's form, the answer form, the confirmation, the list and
the results (every figure as storage.surveys.results decided it may be shown)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from core import ids, ui
from core.markup import escape, truncate
from storage import surveys
from storage.surveys import Question, Results, SurveyInfo
from storage.surveys.questions import HOW_TO_WRITE, MULTIPLE, SCALE, TEXT
from storage.words import plural

USAGE = (
    "*Surveys*\n"
    "A survey comes to you as a direct message with a *Take the survey* button.\n"
    "`/tech survey new`  set one up (organisers): questions, anonymous or named, who it is for, when it opens "
    "and closes, quarterly or once\n"
    "`/tech survey list`  the surveys, with how many answered (organisers)\n"
    "`/tech survey results <number>`  the results, with charts and a CSV (organisers)"
)


def when(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%a %-d %b %Y, %H:%M}"


def survey_form() -> ui.Form:
    audiences = tuple(ui.option(label[0].upper() + label[1:], key) for key, label in surveys.AUDIENCES.items())
    anonymous = ui.option("Anonymous: nobody can tell who answered what", "anonymous")
    once, quarterly = ui.option("Once", "once"), ui.option("Every quarter (a pulse)", surveys.QUARTERLY)
    body: list[ui.Block] = [
        ui.Field(id=ids.SURVEY_TITLE, label="Title", max_length=200),
        ui.Field(id=ids.SURVEY_QUESTIONS, label="Questions", multiline=True, hint=HOW_TO_WRITE.replace("`", "")),
        ui.Field(id=ids.SURVEY_AUDIENCE, label="Who it is for", kind=ui.FieldKind.SELECT, options=audiences,
                 initial=audiences[0]),
        ui.Field(id=ids.SURVEY_AUDIENCE_VALUE, label="The department, or the event's number", required=False),
        ui.Field(id=ids.SURVEY_ANONYMOUS, label="Anonymity", kind=ui.FieldKind.CHECKBOXES, required=False,
                 options=(anonymous,), initial=(anonymous,)),
        ui.Field(id=ids.SURVEY_OPENS, label="Opens", kind=ui.FieldKind.DATETIME, required=False,
                 hint="Now, if you leave it empty"),
        ui.Field(id=ids.SURVEY_CLOSES, label="Closes", kind=ui.FieldKind.DATETIME),
        ui.Field(id=ids.SURVEY_RECURRENCE, label="Repeats", kind=ui.FieldKind.RADIO, options=(once, quarterly),
                 initial=once),
    ]
    return ui.Form(id=ids.SURVEY_MODAL, title="New survey", submit="Set it up", blocks=tuple(body))


def set_up_form(survey: SurveyInfo, tz: ZoneInfo) -> ui.Form:
    repeat = " It repeats every quarter." if survey.recurrence == surveys.QUARTERLY else ""
    text = (f":white_check_mark: *{escape(survey.title)}* (survey {survey.id}) goes to {escape(survey.audience_label)} "
            f"on {when(survey.opens_at, tz)} and closes {when(survey.closes_at, tz)}.{repeat} Those who have not "
            "answered are reminded twice. `/tech survey results " + str(survey.id) + "` shows how it goes.")
    return ui.Form(id="", title="Survey set up", close="Close", blocks=(ui.section(text),))


def answer_form(survey: SurveyInfo, answers: Mapping[str, Any], *, key: str = "") -> ui.Form:
    body: list[ui.Block] = [ui.context("Anonymous: what you answer is kept with no link to you." if survey.anonymous
                                       else "Named: the organisers see your answers with your name.")]
    for index, q in enumerate(survey.questions):
        body.append(_field(index, q, answers.get(str(index))))
    metadata = json.dumps({"survey": survey.id, "key": key} if key else {"survey": survey.id})
    return ui.Form(id=ids.SURVEY_ANSWER_MODAL, title=truncate(survey.title, 24), submit="Send",
                   metadata=metadata, blocks=tuple(body))


def _field(index: int, q: Question, given: Any) -> ui.Field:
    label = truncate(q.text, 2000)
    field_id = f"q{index}"
    if q.kind == TEXT:
        return ui.Field(id=field_id, label=label, required=False, multiline=True, max_length=2000,
                        initial=given if isinstance(given, str) else None)
    names = {"1": "1 (not at all)", "5": "5 (very much)"} if q.kind == SCALE else {"yes": "Yes", "no": "No"}
    options = tuple(ui.option(names.get(c, c), c) for c in q.choices)
    if q.kind == MULTIPLE:
        chosen = tuple(o for o in options if isinstance(given, list) and o.value in given)
        return ui.Field(id=field_id, label=label, kind=ui.FieldKind.CHECKBOXES, options=options,
                        initial=chosen or None)
    initial = next((o for o in options if o.value == str(given)), None)
    return ui.Field(id=field_id, label=label, kind=ui.FieldKind.RADIO, options=options, initial=initial)


def answered_form(survey: SurveyInfo, tz: ZoneInfo) -> ui.Form:
    change = ("Use *Change my answers* in the message I've just sent you" if survey.anonymous
              else "Press *Take the survey* again")
    text = (f":white_check_mark: Thank you: your answers to *{escape(survey.title)}* are in. {change} to change "
            f"them until {when(survey.closes_at, tz)}.")
    return ui.Form(id="", title="Thank you", close="Close", blocks=(ui.section(text),))


def receipt(survey: SurveyInfo, key: str, tz: ZoneInfo) -> ui.Message:
    """The anonymous answer's receipt: the only place its key is kept (the database has a hash of it)."""
    return ui.message([
        ui.section(f":lock: Your anonymous answers to *{escape(survey.title)}* are in. Only this message can "
                   f"change them, until {when(survey.closes_at, tz)}."),
        ui.actions(ui.button("Change my answers", ids.SURVEY_EDIT, f"{survey.id}:{key}"),
                   block_id=f"survey_receipt_{survey.id}"),
    ], title=f"Your answers to {survey.title} are in")


def listing_blocks(rows: Sequence[tuple[SurveyInfo, int, int]], tz: ZoneInfo, now: datetime) -> list[ui.Block]:
    if not rows:
        return [ui.section("No surveys yet. `/tech survey new` sets one up.")]
    blocks: list[ui.Block] = [ui.header("Surveys")]
    for s, asked, answered in rows:
        state = ("open" if s.is_open(now) else "closed" if now >= s.closes_at else "opens " + when(s.opens_at, tz))
        kind = "anonymous" if s.anonymous else "named"
        blocks.append(ui.section(f"*{s.id}. {escape(s.title)}* ({kind}, {state})\nFor {escape(s.audience_label)}; "
                                 f"{answered} of {plural(asked, 'person', 'people')} asked have answered; closes "
                                 f"{when(s.closes_at, tz)}"))
    return blocks[:ui.MESSAGE_BLOCK_LIMIT]


def results_blocks(r: Results, tz: ZoneInfo) -> list[ui.Block]:
    s = r.survey
    blocks: list[ui.Block] = [
        ui.header(truncate(f"Results: {s.title}", 150)),
        ui.section(fields=[f"*Asked*\n{r.asked}", f"*Answered*\n{r.respondents.text}",
                           f"*Response rate*\n{r.rate.text}",
                           f"*Closes*\n{when(s.closes_at, tz)}"]),
    ]
    if not r.shown:
        blocks.append(ui.section(f"Results show once {r.min_group} people have answered, so that no answer can be "
                                 "told apart."))
        return blocks
    for q in r.questions:
        text = f"*{escape(q.question.text)}*"
        if q.question.kind == TEXT:
            shown = [f"• _{escape(truncate(t, 280))}_" for t in q.texts[:15]]
            more = len(q.texts) - len(shown)
            text += "\n" + ("\n".join(shown) if shown else "No written answers.") + (
                f"\n…and {more} more in the CSV" if more > 0 else "")
        else:
            text += "\n" + "\n".join(f"{escape(c)}: {shown.text}" for c, shown in q.counts)
            if q.average is not None and q.average.exact and q.average.value is not None:
                text += f"\nAverage {q.average.value:.1f} of 5"
        blocks.append(ui.section(truncate(text, ui.SECTION_TEXT_LIMIT)))
    if r.departments:
        lines = []
        for d in r.departments:
            if d.respondents.exact:
                lines.append(f"*{escape(d.department)}* ({d.respondents.text} answered): "
                             + "; ".join(escape(x) for x in d.summaries))
            else:
                lines.append(f"*{escape(d.department)}*: {d.respondents.text} answered, withheld")
        blocks.append(ui.section(truncate("*By department*\n" + "\n".join(lines), ui.SECTION_TEXT_LIMIT)))
    blocks.append(ui.context(f"A department with fewer than {r.min_group} answers is withheld, and so is one that "
                             "would let it be worked out; written answers show only with "
                             f"{r.min_group} or more respondents."))
    return blocks[:ui.MESSAGE_BLOCK_LIMIT]
