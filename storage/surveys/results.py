"""A survey's results, through the network report's privacy rule (storage.privacy).

Nothing is shown while fewer than the threshold have answered. A breakdown by department shows
a department only when at least the threshold of its people answered, with complementary
suppression so the other departments and the total cannot give a small one away. Free-text
answers are shown only when the survey has at least the threshold of respondents, in an order
that says nothing of who wrote them (sorted).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import PermissionDenied
from storage.forms import csv_safe
from storage.members import Actor, Role
from storage.models.surveys import SurveyResponse
from storage.privacy import Shown, State, Unit, exact, people, suppress
from storage.surveys.questions import MULTIPLE, SCALE, TEXT, YESNO, Question
from storage.surveys.service import SurveyInfo, get, invitation_counts

NO_DEPARTMENT = "No department given"


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    counts: tuple[tuple[str, Shown], ...]  # each choice: how many picked it
    average: Shown | None  # a scale's mean
    texts: tuple[str, ...]  # free text, when it may be shown
    texts_withheld: bool


@dataclass(frozen=True)
class DepartmentResult:
    department: str
    respondents: Shown
    # A line per question (a scale's mean, the share answering yes, the most picked): only when shown.
    summaries: tuple[str, ...]


@dataclass(frozen=True)
class Results:
    survey: SurveyInfo
    asked: int
    respondents: Shown
    rate: Shown
    shown: bool  # whether anything but the counts may be shown (enough answered)
    questions: tuple[QuestionResult, ...]
    departments: tuple[DepartmentResult, ...]
    min_group: int


def results(session: Session, actor: Actor, survey_id: int, *, min_group: int) -> Results:
    """The results for an organiser (or whoever set the survey up)."""
    survey = get(session, survey_id)
    if not actor.has(Role.ORGANISER) and survey.created_by_id != actor.member_id:
        raise PermissionDenied("Only organisers, and whoever set the survey up, can see its results.")
    answers = [(d, dict(a)) for d, a in session.execute(
        select(SurveyResponse.department, SurveyResponse.answers).where(SurveyResponse.survey_id == survey_id))]
    return build(survey, answers, asked=invitation_counts(session, [survey_id])[survey_id][0], min_group=min_group)


def build(survey: SurveyInfo, answers: list[tuple[str, dict[str, Any]]], *, asked: int, min_group: int) -> Results:
    """The results of these answers (department, answers by question number): plain data, suppressed."""
    total = len(answers)
    enough = total >= min_group
    respondents = people(total, min_group)
    rate = (exact(total / asked, Unit.SHARE, min_group) if enough and asked
            else Shown(State.WITHHELD if total else State.NONE, None, Unit.SHARE, min_group))
    questions = tuple(_question(index, q, [a for _, a in answers], enough, min_group)
                      for index, q in enumerate(survey.questions))
    departments: tuple[DepartmentResult, ...] = ()
    if enough:
        by_department: dict[str, list[dict[str, Any]]] = {}
        for department, a in answers:
            by_department.setdefault(department or NO_DEPARTMENT, []).append(a)
        cells = suppress({d: len(rows) for d, rows in by_department.items()}, min_group, total=respondents)
        departments = tuple(
            DepartmentResult(d, cells.cells[d], _summaries(survey.questions, by_department[d]) if cells.cells[d].exact
                             else ())
            for d in sorted(by_department))
    return Results(survey, asked, respondents, rate, enough, questions, departments, min_group)


def _question(index: int, q: Question, answers: list[dict[str, Any]], enough: bool, k: int) -> QuestionResult:
    given = [a[str(index)] for a in answers if str(index) in a]
    if q.kind == TEXT:
        return QuestionResult(q, (), None, tuple(sorted(given, key=str.casefold)) if enough else (), not enough)
    picked = _tally(q, given)
    withheld = Shown(State.WITHHELD, None, Unit.COUNT, k)
    counts = tuple((c, exact(picked[c], Unit.COUNT, k) if enough else withheld) for c in q.choices)
    average = None
    if q.kind == SCALE:
        average = (exact(sum(int(v) for v in given) / len(given), Unit.COUNT, k) if enough and given
                   else Shown(State.WITHHELD, None, Unit.COUNT, k))
    return QuestionResult(q, counts, average, (), False)


def _tally(q: Question, given: list[Any]) -> Counter[str]:
    """How many picked each choice (a several-choice answer counts once for each it picked)."""
    return Counter(str(choice) for value in given for choice in (value if q.kind == MULTIPLE else [value]))


def _summaries(questions: tuple[Question, ...], answers: list[dict[str, Any]]) -> tuple[str, ...]:
    lines = []
    for index, q in enumerate(questions):
        given = [a[str(index)] for a in answers if str(index) in a]
        if not given or q.kind == TEXT:
            continue
        if q.kind == SCALE:
            lines.append(f"{q.text}: {sum(int(v) for v in given) / len(given):.1f} of 5")
        elif q.kind == YESNO:
            lines.append(f"{q.text}: {round(100 * given.count('yes') / len(given))}% yes")
        else:
            top, count = _tally(q, given).most_common(1)[0]
            lines.append(f"{q.text}: most picked {top} ({count})")
    return tuple(lines)


def to_csv(r: Results) -> str:
    """The results as CSV (cells a spreadsheet would run as formulas are quoted): a row per figure."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["survey", "question", "answer", "value"])
    title = r.survey.title
    writer.writerow([csv_safe(title), "", "asked", r.asked])
    writer.writerow([csv_safe(title), "", "answered", r.respondents.text])
    writer.writerow([csv_safe(title), "", "response rate", r.rate.text])
    for q in r.questions:
        for choice, shown in q.counts:
            writer.writerow([csv_safe(title), csv_safe(q.question.text), csv_safe(choice), shown.text])
        if q.average is not None:
            writer.writerow([csv_safe(title), csv_safe(q.question.text), "average (1-5)",
                             f"{q.average.value:.2f}" if q.average.exact and q.average.value is not None
                             else q.average.text])
        for text in q.texts:
            writer.writerow([csv_safe(title), csv_safe(q.question.text), "text", csv_safe(text)])
    for d in r.departments:
        writer.writerow([csv_safe(title), "", csv_safe(f"department: {d.department}"), d.respondents.text])
        for line in d.summaries:
            writer.writerow([csv_safe(title), "", csv_safe(f"department: {d.department}"), csv_safe(line)])
    return out.getvalue()
