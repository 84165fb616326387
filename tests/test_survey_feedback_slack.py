"""Event feedback after an event with 6 attendees (signed HTTP, the stand-in, freezegun; SQLite and
PostgreSQL): one DM each, anonymous; the organiser sees the average and comments once 5 answered."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from core import ids
from digests import surveys as survey_digest
from digests.runner import run_due
from storage import report
from storage.clock import now
from storage.models.surveys import Survey
from storage.surveys import feedback
from tests.harness import ORGANISER, Harness, all_text, buttons
from tests.test_cpd_events import ENDS, T0, event

OPTIONS = report.ReportOptions()
ATTENDEES = tuple(f"U0ATTEND{n:02d}" for n in range(6))


def tick(technet: Harness) -> None:
    survey_digest.plan(technet.runtime, now())
    run_due(technet.runtime, now())


def asked(technet: Harness) -> list[str]:
    return ["U" + c.args["channel"][1:] for c in technet.standin.calls_to("chat.postMessage")
            if buttons(c.blocks(), ids.SURVEY_TAKE)]


def rate(technet: Harness, user: str, survey_id: int, stars: str, comment: str) -> None:
    technet.action(user, ids.SURVEY_TAKE, str(survey_id))
    view = technet.opened_view()
    assert "How was Network meeting: sustainable labs?" in all_text(view)
    technet.submit(user, view, {"q0": stars, "q1": comment})


def test_feedback_after_an_event_with_6_attendees(technet: Harness):
    for user in ATTENDEES:
        technet.standin.add_user(user, f"Attendee {user[-2:]}")
    with freeze_time(T0) as clock:
        event_id = event(technet, going=ATTENDEES, maybe=())
        tick(technet)
        assert not asked(technet)  # not before it ends
        clock.move_to(ENDS + timedelta(minutes=5))
        tick(technet)
        tick(technet)  # once only
        assert sorted(asked(technet)) == sorted(ATTENDEES)
        dm = all_text(technet.standin.calls_to("chat.postMessage")[-1].blocks())
        assert "Thank you for coming to *Network meeting: sustainable labs*" in dm and "Anonymous" in dm
        with technet.db.reading() as session:
            survey = session.scalars(select(Survey).where(Survey.audience == feedback.FEEDBACK)).one()
            survey_id = survey.id
        for n, user in enumerate(ATTENDEES[:4]):
            rate(technet, user, survey_id, str(2 + n % 4), f"Comment {n}" if n % 2 else "")
        four = technet.command(ORGANISER, f"survey results {survey_id}").text
        rate(technet, ATTENDEES[4], survey_id, "5", "Great <!channel> talk")
        five = technet.command(ORGANISER, f"survey results {survey_id}").text
        clock.move_to(ENDS + timedelta(days=8))
        tick(technet)
        assert sorted(asked(technet)) == sorted(ATTENDEES)  # no reminders for feedback
        with technet.db.reading() as session:
            figures = feedback.by_kind(session, start=T0, end=T0 + timedelta(days=30), min_group=5)
            network = report.build_report(session, None, report.parse_period("", now=now(), options=OPTIONS),
                                          now=now(), options=OPTIONS)
    assert event_id
    assert "Results show once 5 people have answered" in four and "Comment 1" not in four
    assert "Average 3.8 of 5" in five and "Comment 1" in five and "Comment 3" in five
    assert "Great &lt;!channel&gt; talk" in five
    rating = network.figure("surveys.feedback_rating", "network_meeting")
    assert rating.current.exact and round(rating.current.value or 0, 1) == 3.8 and rating.pillar == "visibility"
    assert network.figure("surveys.feedback_answers", "network_meeting").current.value == 5
    [meeting] = figures
    assert (meeting.kind, meeting.events, meeting.answers.value, round(meeting.average.value or 0, 1)) == (
        "network_meeting", 1, 5, 3.8)


def test_an_event_with_fewer_than_5_attendees_asks_nobody(technet: Harness):
    for user in ATTENDEES:
        technet.standin.add_user(user, f"Attendee {user[-2:]}")
    with freeze_time(T0) as clock:
        event(technet, going=ATTENDEES[:4], maybe=())
        clock.move_to(ENDS + timedelta(minutes=5))
        tick(technet)
    assert not asked(technet)
    with technet.db.reading() as session:
        assert session.scalars(select(Survey)).first() is None
