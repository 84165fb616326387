"""Surveys over signed HTTP against the served app and the Slack stand-in (SQLite and PostgreSQL):
set up, invitations by DM, answers, reminders to non-respondents only, results through the privacy
rule, and a database in which no anonymous answer can be joined to anyone."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from freezegun import freeze_time
from sqlalchemy import inspect, select, text

from bot.slack_refs import member_details, slack_identity
from core import ids
from digests.runner import run_due
from storage import report
from storage.clock import now
from storage.members import upsert_member
from storage.models import Member
from storage.models.surveys import Survey, SurveyInvitation, SurveyResponse
from tests.harness import MEMBER, ORGANISER, Harness, all_text, buttons

OPTIONS = report.ReportOptions()
T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
CLOSES = T0 + timedelta(days=9)
CHEMISTRY = [f"U0CHEM{n:04d}" for n in range(12)]
PHYSICS = [f"U0PHYS{n:04d}" for n in range(6)]
QUESTIONS = "scale: How supported do you feel?\nyesno: Would you recommend the network?\ntext: What should change?"


def people(technet: Harness) -> None:
    for users, department in ((CHEMISTRY, "Chemistry"), (PHYSICS, "Physics")):
        for user in users:
            technet.standin.add_user(user, f"Person {user[-6:]}")
            with technet.db.transaction() as session:
                member = upsert_member(session, slack_identity(user),
                                       member_details(technet.standin.state.users[user]), now=now())
                member.department = department


def set_up(technet: Harness, **changes: Any) -> dict[str, Any]:
    technet.command(ORGANISER, "survey new")
    view = technet.opened_view()
    assert view["callback_id"] == ids.SURVEY_MODAL
    answers = {ids.SURVEY_TITLE: "Quarterly pulse", ids.SURVEY_QUESTIONS: QUESTIONS,
               ids.SURVEY_AUDIENCE: "department", ids.SURVEY_AUDIENCE_VALUE: "Chemistry",
               ids.SURVEY_ANONYMOUS: ["anonymous"], ids.SURVEY_OPENS: None,
               ids.SURVEY_CLOSES: int(CLOSES.timestamp()), ids.SURVEY_RECURRENCE: "quarterly", **changes}
    return technet.submit(ORGANISER, view, answers).json()


def invited(technet: Harness, since: int, *, reminder: bool) -> list[str]:
    """Who got a survey DM (an invitation, or a reminder) since the mark."""
    found = []
    for call in technet.standin.since(since):
        if call.method == "chat.postMessage" and buttons(call.blocks(), ids.SURVEY_TAKE):
            if ("A reminder" in all_text(call.blocks())) == reminder:
                found.append("U" + call.args["channel"][1:])
    return found


def answer(technet: Harness, user: str, survey_id: int, values: dict[str, Any]) -> dict[str, Any]:
    technet.action(user, ids.SURVEY_TAKE, str(survey_id))
    view = technet.opened_view()
    assert view["callback_id"] == ids.SURVEY_ANSWER_MODAL
    return technet.submit(user, view, values).json()


def survey_row(technet: Harness) -> Survey:
    with technet.db.reading() as session:
        survey = session.scalars(select(Survey).order_by(Survey.id)).first()
        assert survey is not None
        session.expunge(survey)
        return survey


def test_a_quarterly_anonymous_survey_to_a_department_of_12_reminds_only_those_who_have_not_answered(
        technet: Harness):
    people(technet)
    with freeze_time(T0) as clock:
        mark = technet.standin.mark()
        done = set_up(technet)
        assert "goes to the Chemistry department" in all_text(done) and "repeats every quarter" in all_text(done)
        survey = survey_row(technet)
        assert sorted(invited(technet, mark, reminder=False)) == sorted(CHEMISTRY)

        for n, user in enumerate(CHEMISTRY[:6]):
            thanks = answer(technet, user, survey.id, {"q0": str(1 + n % 5), "q1": "yes", "q2": f"More training {n}"})
            assert "your answers to *Quarterly pulse* are in" in all_text(thanks)
        # The anonymous answer's receipt carries the only way to change it.
        receipts = [c for c in technet.standin.calls_to("chat.postMessage") if buttons(c.blocks(), ids.SURVEY_EDIT)]
        assert len(receipts) == 6
        # Answering twice is refused: the receipt changes it.
        technet.action(CHEMISTRY[0], ids.SURVEY_TAKE, str(survey.id))
        assert "You have answered this survey" in all_text(technet.standin.calls_to("response_url")[-1].args)
        key_value = buttons(receipts[0].blocks(), ids.SURVEY_EDIT)[0]["value"]
        technet.action(CHEMISTRY[0], ids.SURVEY_EDIT, key_value)
        view = technet.opened_view()
        technet.submit(CHEMISTRY[0], view, {"q0": "5", "q1": "no", "q2": "Changed my mind"})

        clock.move_to(T0 + timedelta(days=3, minutes=1))
        mark = technet.standin.mark()
        run_due(technet.runtime, now())
        assert sorted(invited(technet, mark, reminder=True)) == sorted(CHEMISTRY[6:])

        for user in CHEMISTRY[6:8]:
            answer(technet, user, survey.id, {"q0": "3", "q1": "yes", "q2": ""})
        clock.move_to(T0 + timedelta(days=6, minutes=1))
        mark = technet.standin.mark()
        run_due(technet.runtime, now())
        assert sorted(invited(technet, mark, reminder=True)) == sorted(CHEMISTRY[8:])

        clock.move_to(CLOSES + timedelta(minutes=1))
        mark = technet.standin.mark()
        run_due(technet.runtime, now())
        assert not invited(technet, mark, reminder=True)  # two reminders at most
        results = technet.command(ORGANISER, f"survey results {survey.id}")
        with technet.db.reading() as session:
            network = report.build_report(session, None, report.parse_period("", now=now(), options=OPTIONS),
                                          now=now(), options=OPTIONS)

    reminders = Counter(u for c in technet.standin.calls_to("chat.postMessage") if buttons(c.blocks(), ids.SURVEY_TAKE)
                        and "A reminder" in all_text(c.blocks()) for u in ["U" + c.args["channel"][1:]])
    assert max(reminders.values()) == 2 and not set(reminders) & set(CHEMISTRY[:6])
    shown = results.text
    assert "Results: Quarterly pulse" in shown and "Changed my mind" in shown and "More training 1" in shown
    assert "More training 0" not in shown  # changed, not added
    assert "*Chemistry* (8 answered)" in shown
    with technet.db.reading() as session:
        pulses = session.scalars(select(Survey).order_by(Survey.id)).all()
        assert [(s.opens_at.month, s.closes_at.month, s.follows_id) for s in pulses] == [
            (3, 3, None), (6, 6, pulses[0].id)]
        assert session.scalars(select(SurveyResponse)).all() and all(
            r.member_id is None for r in session.scalars(select(SurveyResponse)))
    # The network report: the survey closed; its rate is withheld (4 did not answer: fewer than 5), its
    # headline (the 1-5 question's average of 8 answers) shown.
    assert network.figure("surveys.closed").current.value == 1
    assert network.figure("surveys.response_rate", "Quarterly pulse").current.text == "withheld"
    headline = network.figure("surveys.headline", "Quarterly pulse")
    assert headline.current.exact and headline.label == "Average: How supported do you feel?"
    csv_file = technet.standin.calls_to("files.completeUploadExternal")
    assert csv_file  # the CSV (and the charts) went to the organiser


def test_nothing_in_the_database_joins_an_anonymous_answer_to_a_member(technet: Harness):
    people(technet)
    with freeze_time(T0) as clock:
        set_up(technet, **{ids.SURVEY_RECURRENCE: "once"})
        survey = survey_row(technet)
        for n, user in enumerate(CHEMISTRY[:7]):
            clock.tick(17)
            answer(technet, user, survey.id, {"q0": str(1 + n % 5), "q1": "yes", "q2": f"Note {n}"})
        # One answer from another department: at the close its department is blanked (one of one).
        with technet.db.transaction() as session:
            [odd] = [m for m in session.scalars(select(Member)) if m.user_id == CHEMISTRY[7]]
            odd.department = "Physics"
        answer(technet, CHEMISTRY[7], survey.id, {"q0": "2", "q1": "no", "q2": ""})
        clock.move_to(CLOSES + timedelta(minutes=1))
        run_due(technet.runtime, now())

    engine = technet.db.engine
    columns = {c["name"]: c for c in inspect(engine).get_columns("survey_responses")}
    invitation_columns = {c["name"] for c in inspect(engine).get_columns("survey_invitations")}
    with technet.db.reading() as session:
        members = session.scalars(select(Member)).all()
        names = {m.user_id for m in members} | {m.name for m in members} | {str(m.id) for m in members}
        answers = session.scalars(select(SurveyResponse)).all()
        invitations = session.scalars(select(SurveyInvitation)).all()
        assert len(answers) == 8 and sum(i.answered for i in invitations) == 8
        assert sorted(a.department for a in answers) == [""] + ["Chemistry"] * 7
        for a in answers:
            # No member, no time, no key left; an id that is random, not an order.
            assert a.member_id is None and a.updated_at is None and a.edit_key is None
            assert a.id not in names and not any(str(v) in names for v in a.answers.values() if isinstance(v, str))
        assert not any(len(a.id) < 32 for a in answers)
        # Invitations say who answered, never when: no time column at all.
        assert not any("at" in name.split("_") for name in invitation_columns)
        assert {"survey_id", "department", "answers"} <= set(columns)
        shared = set(columns) & invitation_columns
        # Each table's own id, the survey, and the member (empty in every anonymous answer): nothing else in common.
        assert shared == {"id", "survey_id", "member_id"}
        assert not {a.id for a in answers} & {str(i.id) for i in invitations}
        if engine.dialect.name == "postgresql":
            # The shuffle rewrote every answer and touched every invitation in one transaction:
            # the transaction that wrote a row cannot pair an answer with a person either.
            answer_xmin = {r[0] for r in session.execute(text("SELECT xmin::text FROM survey_responses"))}
            invitation_xmin = {r[0] for r in session.execute(text("SELECT xmin::text FROM survey_invitations"))}
            assert len(answer_xmin) == 1 and answer_xmin == invitation_xmin
    # The member's copy of their data has no anonymous answer (nobody's does).


def test_results_by_department_are_withheld_under_5_and_shown_at_5(technet: Harness):
    people(technet)
    with freeze_time(T0):
        set_up(technet, **{ids.SURVEY_AUDIENCE: "all", ids.SURVEY_AUDIENCE_VALUE: None,
                           ids.SURVEY_RECURRENCE: "once"})
        survey = survey_row(technet)
        for user in CHEMISTRY[:4]:
            answer(technet, user, survey.id, {"q0": "4", "q1": "yes", "q2": "Secret words"})
        early = technet.command(ORGANISER, f"survey results {survey.id}").text
        assert "Results show once 5 people have answered" in early and "Secret words" not in early
        for user in CHEMISTRY[4:10] + PHYSICS[:4]:
            answer(technet, user, survey.id, {"q0": "2", "q1": "no", "q2": ""})
        four = technet.command(ORGANISER, f"survey results {survey.id}").text
        answer(technet, PHYSICS[4], survey.id, {"q0": "1", "q1": "no", "q2": ""})
        five = technet.command(ORGANISER, f"survey results {survey.id}").text
        refused = technet.command(MEMBER, f"survey results {survey.id}").text
    assert "*Physics*: fewer than 5 answered, withheld" in four
    # With Physics withheld, Chemistry's figures would give it away from the total: withheld too.
    assert "*Chemistry*: withheld answered, withheld" in four
    assert "Secret words" in four  # 14 respondents: free text shows
    assert "*Physics* (5 answered): How supported do you feel?: 1.8 of 5" in five
    assert "*Chemistry* (10 answered)" in five
    assert "Only organisers" in refused


def test_an_audience_under_5_is_refused(technet: Harness):
    people(technet)
    reply = set_up(technet, **{ids.SURVEY_AUDIENCE: "department", ids.SURVEY_AUDIENCE_VALUE: "Nowhere"})
    assert "That audience is 0 people: a survey goes to at least 5" in reply["errors"][ids.SURVEY_AUDIENCE]
    bad = set_up(technet, **{ids.SURVEY_QUESTIONS: "How are you?"})
    assert "does not start with a kind of question" in bad["errors"][ids.SURVEY_QUESTIONS]
    assert "Only network organisers can set up a survey" in technet.command(MEMBER, "survey new").text
