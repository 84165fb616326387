"""CPD topics (content/cpd_topics.yaml) toward the plans' percentage targets: the log form offers
them over signed HTTP, and the report's people and days per topic, this development year against
the last, match figures worked out here from the records, across the year's boundary (1 August,
local time), on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import insert, select

from bot.slack_refs import member_details, slack_identity
from core import ids
from storage import report
from storage.clock import now
from storage.cpd import topics
from storage.db import Database
from storage.members import upsert_member
from storage.models import Member
from storage.models.careers import CpdEntry
from storage.privacy import ChangeKind, State
from storage.report import ReportOptions
from tests.harness import MEMBER, Harness

OPTIONS = ReportOptions()
NOW = datetime(2027, 1, 15, 12, tzinfo=UTC)
# The 2026/27 development year starts on 1 August 2026, local time; 31 July is the year before.
THIS_YEAR = (date(2026, 8, 1), date(2027, 1, 15))
LAST_YEAR = (date(2025, 8, 1), date(2026, 7, 31))


def records(member_ids: list[int]) -> list[dict]:
    """CPD on both sides of the boundary; wellbeing busy both years, leadership new this year, teaching
    done by fewer people than the threshold, and entries with no topic at all."""
    rng = random.Random(18)
    rows = []
    days = {"wellbeing": [date(2025, 9, 3), date(2026, 7, 31), date(2026, 8, 1), date(2026, 12, 1)],
            "leadership": [date(2026, 8, 1), date(2026, 10, 10)],
            "teaching": [date(2026, 8, 2), date(2026, 3, 4)],
            "": [date(2026, 9, 9), date(2026, 2, 2)]}
    for topic, when in days.items():
        people = member_ids if topic != "teaching" else member_ids[:3]
        for member_id in people:
            for day in when:
                if rng.random() < 0.7:
                    rows.append(dict(member_id=member_id, done_on=day, activity=f"{topic or 'general'} CPD",
                                     category="course", minutes=rng.choice([60, 90, 225, 450]), unit="hours",
                                     topic=topic or None, source="manual", created_at=NOW))
    return rows


def expected(rows: list[dict], topic: str, span: tuple[date, date]) -> tuple[int, float]:
    within = [r for r in rows if r["topic"] == topic and span[0] <= r["done_on"] <= span[1]]
    return len({r["member_id"] for r in within}), sum(r["minutes"] for r in within) / (7.5 * 60)


def test_people_and_days_per_topic_against_the_records(db: Database):
    with db.transaction() as session:
        session.execute(insert(Member), [dict(display_name=f"Tech {n}", department="Chemistry", fte=1.0, roles=[],
                                              created_at=NOW - timedelta(days=800), updated_at=NOW)
                                         for n in range(12)])
        member_ids = list(session.scalars(select(Member.id)))
        rows = records(member_ids)
        session.execute(insert(CpdEntry), rows)
    with db.reading() as session:
        period = report.parse_period("this year", now=NOW, options=OPTIONS)
        built = report.build_report(session, None, period, now=NOW, options=OPTIONS, only=["cpd"])
    figures = {(f.key, f.group): f for s in built.sections for f in s.figures}
    labels = dict(topics())
    for topic in ("wellbeing", "leadership"):
        people_now, days_now = expected(rows, topic, THIS_YEAR)
        people_was, days_was = expected(rows, topic, LAST_YEAR)
        people = figures[("cpd.topic_people", labels[topic])]
        days = figures[("cpd.topic_days", labels[topic])]
        assert (people.current.value, people.previous.value) == (people_now, people_was)
        assert days.current.value == round(days_now, 1) and days.previous.value == round(days_was, 1)
        if days_was:
            assert days.change.ratio is not None
            assert abs(days.change.ratio - (round(days_now, 1) - round(days_was, 1)) / round(days_was, 1)) < 1e-9
        else:
            assert days.change.kind == ChangeKind.NEW
    assert expected(rows, "leadership", LAST_YEAR) == (0, 0)
    # Teaching: fewer people than the threshold each year, so neither their number nor their days show.
    teaching_people = figures[("cpd.topic_people", labels["teaching"])]
    teaching_days = figures[("cpd.topic_days", labels["teaching"])]
    assert 0 < expected(rows, "teaching", THIS_YEAR)[0] < OPTIONS.min_group
    assert teaching_people.current.state == State.FEWER and teaching_days.current.state == State.WITHHELD
    assert teaching_days.change.kind == ChangeKind.HIDDEN
    # Entries without a topic count toward no topic; topics nobody chose are not listed.
    assert {g for k, g in figures if k == "cpd.topic_people"} == {labels[t] for t in ("wellbeing", "leadership",
                                                                                         "teaching")}


def test_the_log_form_offers_the_topics_and_keeps_the_choice(technet: Harness):
    with technet.db.transaction() as session:
        upsert_member(session, slack_identity(MEMBER), member_details(technet.standin.state.users[MEMBER]),
                      now=now())
    with freeze_time(NOW):
        technet.command(MEMBER, "cpd log")
        view = technet.opened_view()
        topic = next(b for b in view["blocks"] if b.get("block_id") == ids.CPD_TOPIC)
        offered = [o["value"] for o in topic["element"]["options"]]
        assert offered == [key for key, _ in topics()]
        assert topic.get("optional") is True
        reply = technet.submit(MEMBER, view, {
            ids.CPD_DONE_ON: "2027-01-10", ids.CPD_ACTIVITY: "Mental health first aid", ids.CPD_CATEGORY: "course",
            ids.CPD_AMOUNT: "1", ids.CPD_UNIT: "days", ids.CPD_NOTE: None, ids.CPD_LINK: None,
            ids.CPD_TOPIC: "wellbeing"})
        assert reply.status == 200 and "Logged" in reply.text
    with technet.db.reading() as session:
        assert session.scalars(select(CpdEntry.topic)).all() == ["wellbeing"]
