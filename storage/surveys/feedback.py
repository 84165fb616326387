"""Event feedback: after an event ends, one DM to each who attended with a 1-5 rating and an optional
comment, anonymous. It is a survey (audience "feedback", the event's number as its value) set up by
the event's organiser, who sees the average and the comments once the threshold have answered;
no reminders. An event with fewer attendees than the threshold gets none (anonymity would not hold).
The network report counts the answers and averages the ratings per kind of event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from storage import events, ledger
from storage.models import DueItem
from storage.models.events import Event
from storage.models.surveys import Survey, SurveyResponse
from storage.privacy import Shown, State, Unit, exact, people
from storage.surveys.questions import SCALE, TEXT, Question
from storage.surveys.service import SURVEY_CLOSE, audience_ids, open_survey

FEEDBACK = "feedback"
EVENT_FEEDBACK = "event_feedback"
OPEN_FOR = timedelta(days=7)


def plan_feedback(session: Session, *, now: datetime, since: datetime) -> int:
    """A due row per event that ended in (since, now] (not cancelled, not a team meeting): once per event."""
    ended = session.scalars(select(Event).where(Event.ends_at <= now, Event.ends_at > since,
                                                Event.status == events.SCHEDULED, Event.kind != "team_meeting")).all()
    if not ended:
        return 0
    known = set(session.scalars(select(DueItem.subject).where(
        DueItem.kind == EVENT_FEEDBACK, DueItem.subject.in_([f"event:{e.id}" for e in ended]))))
    added = 0
    for event in ended:
        if f"event:{event.id}" in known:
            continue
        ledger.schedule(session, kind=EVENT_FEEDBACK, subject=f"event:{event.id}", occurrence="feedback",
                        due_at=event.ends_at, payload={"event": event.id})
        added += 1
    return added


def start_feedback(session: Session, event_id: int, *, now: datetime, min_group: int) -> list[int]:
    """The event's feedback survey, opened now: the due invitations' ids (none for fewer attendees than
    the threshold, a cancelled event, or one asked already)."""
    event = session.get(Event, event_id)
    if event is None or event.status != events.SCHEDULED:
        return []
    if session.scalar(select(Survey.id).where(Survey.audience == FEEDBACK, Survey.audience_value == str(event_id))):
        return []
    if len(audience_ids(session, FEEDBACK, str(event_id))) < min_group:
        return []
    questions = [Question(SCALE, f"How was {event.title}?"), Question(TEXT, "Anything you'd like to add? (optional)")]
    survey = Survey(title=f"Feedback: {event.title}"[:200], questions=[q.to_json() for q in questions],
                    anonymous=True, audience=FEEDBACK, audience_value=str(event_id), opens_at=now,
                    closes_at=now + OPEN_FOR, recurrence="", created_by_id=event.organiser_id, created_at=now)
    session.add(survey)
    session.flush()
    ledger.schedule(session, kind=SURVEY_CLOSE, subject=f"survey:{survey.id}", occurrence="close",
                    due_at=survey.closes_at, payload={"survey": survey.id})
    return open_survey(session, survey.id, now=now, min_group=min_group)


@dataclass(frozen=True)
class KindFeedback:
    kind: str
    events: int
    answers: Shown
    average: Shown


def by_kind(session: Session, *, start: datetime, end: datetime, min_group: int) -> list[KindFeedback]:
    """Feedback on the events that ended in [start, end), per kind: answers, and the average rating
    (withheld while fewer than the threshold answered about that kind)."""
    rows = session.execute(select(Event.kind, Event.id, SurveyResponse.answers)
                           .join(Survey, Survey.audience_value == cast(Event.id, String))
                           .join(SurveyResponse, SurveyResponse.survey_id == Survey.id)
                           .where(Survey.audience == FEEDBACK, Event.ends_at >= start, Event.ends_at < end)).all()
    kinds: dict[str, tuple[set[int], list[int]]] = {}
    for kind, event_id, answers in rows:
        seen, ratings = kinds.setdefault(kind, (set(), []))
        seen.add(event_id)
        if isinstance(answers.get("0"), int):
            ratings.append(answers["0"])
    result = []
    for kind, (seen, ratings) in sorted(kinds.items()):
        average = (exact(sum(ratings) / len(ratings), Unit.COUNT, min_group) if len(ratings) >= min_group
                   else Shown(State.WITHHELD, None, Unit.COUNT, min_group))
        result.append(KindFeedback(kind, len(seen), people(len(ratings), min_group), average))
    return result

