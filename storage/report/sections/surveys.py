"""Surveys and event feedback: surveys that closed in the period, each one's response rate and headline
result (its first 1-5 question's average), and the feedback on events per kind. Every figure about
people goes through the privacy rule; a survey's result shows only from the threshold of answers."""

from __future__ import annotations

from sqlalchemy import select

from storage.models.surveys import Survey, SurveyResponse
from storage.privacy import Shown, State, Unit, exact, share
from storage.report.building import Context
from storage.report.model import Figure, Pillar, Section
from storage.surveys import feedback
from storage.surveys.questions import SCALE
from storage.surveys.service import invitation_counts

SURVEYS = "Surveys and feedback"
MOST_SURVEYS = 20


def surveys_section(ctx: Context) -> Section:
    """Wellbeing and role-review surveys serve retention (sustainability); feedback on events, visibility."""
    none = Shown(State.NONE, None, Unit.COUNT, ctx.k)

    def surveys_in(start: object, end: object) -> list[Survey]:
        return list(ctx.session.scalars(select(Survey).where(
            Survey.audience != feedback.FEEDBACK, Survey.closes_at >= start, Survey.closes_at < end)
            .order_by(Survey.closes_at).limit(MOST_SURVEYS)))
    current = surveys_in(ctx.period.starts_at, ctx.until(ctx.period))
    previous = surveys_in(ctx.previous.starts_at, ctx.until(ctx.previous))
    figures: list[Figure] = [ctx.count_figure("surveys.closed", SURVEYS, "Surveys closed", Pillar.SUSTAINABILITY,
                                              (len(current), len(previous)), of_people=False)]
    counts = invitation_counts(ctx.session, [s.id for s in current])
    # Each survey's headline question (its first 1-5 one), and its ratings, read for every survey at once.
    scales = {s.id: i for s in current
              if (i := next((i for i, q in enumerate(s.questions) if q.get("kind") == SCALE), None)) is not None}
    rated: dict[int, list[int]] = {survey_id: [] for survey_id in scales}
    if scales:
        for survey_id, answers in ctx.session.execute(select(SurveyResponse.survey_id, SurveyResponse.answers)
                                                      .where(SurveyResponse.survey_id.in_(scales))):
            if str(scales[survey_id]) in answers:
                rated[survey_id].append(answers[str(scales[survey_id])])
    for survey in current:
        asked, answered = counts[survey.id]
        figures.append(ctx.figure("surveys.response_rate", SURVEYS, "Response rate", Pillar.SUSTAINABILITY,
                                  share(answered, asked, ctx.k), none, group=survey.title))
        if survey.id not in scales:
            continue
        scale, ratings = scales[survey.id], rated[survey.id]
        average = (exact(sum(ratings) / len(ratings), Unit.COUNT, ctx.k) if len(ratings) >= ctx.k
                   else ctx.withheld())
        label = f"Average: {survey.questions[scale].get('text', '')}"[:200]
        figures.append(ctx.figure("surveys.headline", SURVEYS, label, Pillar.SUSTAINABILITY, average, none,
                                  group=survey.title))
    before = {f.kind: f for f in feedback.by_kind(ctx.session, start=ctx.previous.starts_at,
                                                  end=ctx.until(ctx.previous), min_group=ctx.k)}
    for kind in feedback.by_kind(ctx.session, start=ctx.period.starts_at, end=ctx.until(ctx.period),
                                 min_group=ctx.k):
        earlier = before.get(kind.kind)
        figures.append(ctx.figure("surveys.feedback_answers", SURVEYS, "Event feedback: answers", Pillar.VISIBILITY,
                                  kind.answers, earlier.answers if earlier else none, group=kind.kind))
        figures.append(ctx.figure("surveys.feedback_rating", SURVEYS, "Event feedback: average rating (1-5)",
                                  Pillar.VISIBILITY, kind.average, earlier.average if earlier else none,
                                  group=kind.kind))
    return Section("surveys", SURVEYS, tuple(figures))
