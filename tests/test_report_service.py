"""The network report's figures, on SQLite and PostgreSQL, against figures the tests work out
themselves from the generator's records (never through storage/report/)."""

from __future__ import annotations

import math
from collections import Counter
from typing import Literal, TypedDict
from datetime import date, datetime, timedelta, UTC
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, update

from storage import report
from storage.db import Database
from storage.errors import DomainError, PermissionDenied
from bot.slack_refs import slack_identity
from storage.members import Actor, Role
from storage.models import Member
from storage.report import ChangeKind, ReportOptions, State
from tests import report_data
from tests.report_data import SMALL_DEPARTMENT, Dataset, MemberRecord

UTC = UTC
LONDON = ZoneInfo("Europe/London")
OPTIONS = ReportOptions()
ORGANISER = Actor(1, slack_identity("U0ORGANISE"), frozenset({Role.MEMBER, Role.ORGANISER}))
ADMIN = Actor(2, slack_identity("U0ADMIN001"), frozenset({Role.MEMBER, Role.ADMIN}))
MEMBER = Actor(3, slack_identity("U0MEMBER01"), frozenset({Role.MEMBER}))
# Mid-July 2026: the 2025/26 development year (from 1 August, local time) is nearly over.
NOW = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)
# 1 August 00:00 in London is 31 July 23:00 UTC (summer time): worked out by hand, not by the code.
YEAR_2025 = (datetime(2025, 7, 31, 23, tzinfo=UTC), datetime(2026, 7, 31, 23, tzinfo=UTC))
YEAR_2024 = (datetime(2024, 7, 31, 23, tzinfo=UTC), datetime(2025, 7, 31, 23, tzinfo=UTC))


def build(db: Database, text: str = "this year", *, now: datetime = NOW, actor: Actor | None = ORGANISER,
          options: ReportOptions = OPTIONS) -> report.Report:
    with db.reading() as session:
        period = report.parse_period(text, now=now, options=options)
        return report.build_report(session, actor, period, now=now, options=options)


def add_members(db: Database, records: list[MemberRecord]) -> None:
    with db.transaction() as session:
        session.execute(insert(Member), [r.row() for r in records])


def member(user: str, created: datetime, *, department: str | None = "Chemistry", active: datetime | None = None,
           left: datetime | None = None) -> MemberRecord:
    return MemberRecord(user, department, created, left or created, active, deactivated=left is not None)


# Expected figures, worked out from the records ------------------------------------------------------

def in_network(m: MemberRecord, start: datetime, end: datetime) -> bool:
    still_there = not m.deactivated or m.updated_at >= start or (m.last_active_at is not None
                                                                and m.last_active_at >= start)
    return m.created_at < end and still_there


class ExpectedMembers(TypedDict):
    total: int
    new: int
    active: int
    departments: Counter[str]
    months: Counter[str]


def expected(data: Dataset, span: tuple[datetime, datetime]) -> ExpectedMembers:
    start, end = span
    people = data.people()
    members = [m for m in people if in_network(m, start, end)]
    return {
        "total": len(members),
        "new": sum(1 for m in people if start <= m.created_at < end),
        "active": sum(1 for m in people if m.last_active_at is not None and start <= m.last_active_at < end),
        "departments": Counter(m.department or "Not recorded" for m in members),
        "months": Counter(m.created_at.astimezone(LONDON).strftime("%b") for m in people
                          if start <= m.created_at < end),
    }


def assert_shows(shown: report.Shown, count: int) -> None:
    """Exactly the count, or suppressed as the rules allow: "fewer than 5" for 1-4, withheld for 5 or more."""
    if shown.state == State.EXACT:
        assert shown.value == count
    elif shown.state == State.FEWER:
        assert 0 < count < 5
    else:
        assert shown.state == State.WITHHELD and count >= 5


@pytest.fixture
def two_years(db: Database) -> Dataset:
    data = report_data.generate(members=300, seed=4, start=YEAR_2024[0], now=NOW, small_since=YEAR_2025[0])
    with db.transaction() as session:
        report_data.load(session, data)
    return data


def test_the_members_figures_equal_those_worked_out_from_the_data(db: Database, two_years: Dataset):
    built = build(db)
    now, before = expected(two_years, YEAR_2025), expected(two_years, YEAR_2024)
    assert built.period.label == "2025/26 development year" and built.previous.label == "2024/25 development year"
    keys: tuple[Literal["total", "new", "active"], ...] = ("total", "new", "active")
    for key in keys:
        figure = built.figure(f"members.{key}")
        assert (figure.current.value, figure.previous.value) == (now[key], before[key]), key
        assert figure.pillar == report.Pillar.VISIBILITY
        delta = now[key] - before[key]
        assert figure.change.delta == delta and figure.change.ratio == pytest.approx(delta / before[key])
    departments = built.breakdown("members.by_department")
    assert set(departments) == set(now["departments"]) | set(before["departments"])
    for name, figure in departments.items():
        assert_shows(figure.current, now["departments"][name])
        assert_shows(figure.previous, before["departments"][name])
    # Most departments are large enough to be shown as they are.
    assert sum(f.current.exact for f in departments.values()) >= len(departments) - 2


def test_last_year_is_the_year_before_and_its_previous_has_no_data(db: Database, two_years: Dataset):
    built = build(db, "last year")
    before = expected(two_years, YEAR_2024)
    assert built.period.range_text == "1 Aug 2024 to 31 Jul 2025"
    assert built.figure("members.new").current.value == before["new"]
    assert built.figure("members.new").previous.value == 0
    assert built.figure("members.new").change.kind == ChangeKind.NEW
    assert built.figure("members.new").change.text == "new"


def test_the_charts_carry_the_same_figures(db: Database, two_years: Dataset):
    built = build(db)
    now, before = expected(two_years, YEAR_2025), expected(two_years, YEAR_2024)
    members_section = built.section("members")
    assert members_section is not None
    years = members_section.charts[0]
    assert [p.label for p in years.series[0].points] == ["2024/25", "2025/26"]
    assert [p.shown.value for p in years.series[0].points] == [before["total"], now["total"]]
    assert [p.shown.value for p in years.series[1].points] == [before["new"], now["new"]]
    monthly = next(c for c in built.charts if c.key == "members.monthly")
    assert [p.label for p in monthly.series[0].points][:3] == ["Aug", "Sep", "Oct"]
    for series, counts in zip(monthly.series, (now["months"], before["months"]), strict=True):
        for point in series.points:
            assert_shows(point.shown, counts[point.label])
    assert all(c.title and c.x_label and c.y_label and c.period_label for c in built.charts)


def test_one_department_of_three_members_is_suppressed_and_cannot_be_worked_out(db: Database, two_years: Dataset):
    built = build(db)
    small = built.figure("members.by_department", SMALL_DEPARTMENT)
    assert small.current.text == "fewer than 5" and small.current.value is None
    assert small.change.kind == ChangeKind.HIDDEN
    # The total is shown, so a second department is withheld: total minus the rest no longer gives 3.
    departments = built.breakdown("members.by_department")
    assert any(f.current.state == State.WITHHELD for f in departments.values())
    total = built.figure("members.total").current.value
    shown = sum(f.current.value for f in departments.values() if f.current.exact and f.current.value is not None)
    assert total is not None and total - shown != report_data.SMALL_SIZE
    # The same holds in the chart: no bar for the small department.
    chart = next(c for c in built.charts if c.key == "members.departments")
    assert next(p for p in chart.series[0].points if p.label == SMALL_DEPARTMENT).shown.value is None


def test_an_empty_database_says_there_is_nothing_yet(db: Database):
    built = build(db)
    assert built.empty
    assert built.sections and all(f.change.kind == ChangeKind.NONE for f in built.figures)
    # Counts are 0; medians, shares and other measures of nobody are "–", never 0 or an error.
    assert {f.current.text for f in built.figures} <= {"0", "–"}
    assert not any(chart.has_data for chart in built.charts)


def test_with_fewer_members_than_the_threshold_there_is_nothing_to_report_yet(db: Database):
    add_members(db, [member(f"U0FEW{i:05d}", datetime(2025, 9, 1, tzinfo=UTC)) for i in range(4)])
    built = build(db)
    assert built.empty and built.figure("members.total").current.text == "fewer than 5"
    add_members(db, [member("U0FIFTH001", datetime(2025, 9, 2, tzinfo=UTC))])
    assert not build(db).empty


def test_a_period_with_no_previous_data_shows_new_never_infinity(db: Database):
    add_members(db, [member(f"U0NEW{i:05d}", datetime(2025, 9, 1, tzinfo=UTC) + timedelta(days=i))
                     for i in range(8)])
    built = build(db)
    for key in ("members.total", "members.new"):
        figure = built.figure(key)
        assert figure.previous.value == 0 and figure.current.value == 8
        assert figure.change.kind == ChangeKind.NEW and figure.change.ratio is None and figure.change.text == "new"
    assert all(math.isfinite(f.change.ratio) for f in built.figures if f.change.ratio is not None)


def test_a_member_who_left_is_counted_in_the_period_they_were_active(db: Database):
    joined = datetime(2024, 9, 1, tzinfo=UTC)
    stayers = [member(f"U0STAY{i:04d}", joined, active=datetime(2026, 1, 5, tzinfo=UTC)) for i in range(6)]
    leaver = member("U0LEAVER01", joined, active=datetime(2025, 3, 1, tzinfo=UTC),
                    left=datetime(2025, 4, 1, tzinfo=UTC))
    add_members(db, [*stayers, leaver])
    built = build(db)
    assert built.figure("members.total").previous.value == 7 and built.figure("members.total").current.value == 6
    # Active last year (one member: "fewer than 5"); the six who stayed were active this year.
    assert built.figure("members.active").previous.text == "fewer than 5"
    assert built.figure("members.active").current.value == 6
    last_year = build(db, "last year")
    assert last_year.figure("members.total").current.value == 7
    # They were active then: one of "fewer than 5" active members that year.
    assert last_year.figure("members.active").current.text == "fewer than 5"


def test_daylight_saving_edges_put_each_moment_in_the_right_period(db: Database):
    # 1 August 2025 begins at 23:00 UTC on 31 July (summer time). Six join just before, six just after.
    before_edge = [member(f"U0BEF{i:05d}", datetime(2025, 7, 31, 22, 30, tzinfo=UTC)) for i in range(6)]
    after_edge = [member(f"U0AFT{i:05d}", datetime(2025, 7, 31, 23, 30, tzinfo=UTC)) for i in range(7)]
    # The day the clocks go back (26 October 2025) has 25 hours; its last hour is 23:00-24:00 UTC.
    long_day = [member(f"U0OCT{i:05d}", datetime(2025, 10, 26, 23, 30, tzinfo=UTC)) for i in range(5)]
    add_members(db, [*before_edge, *after_edge, *long_day])
    built = build(db)
    assert built.figure("members.new").current.value == 12
    assert built.figure("members.new").previous.value == 6
    ending_on_the_long_day = build(db, "2025-10-01..2025-10-26")
    assert ending_on_the_long_day.period.ends_at == datetime(2025, 10, 27, 0, 0, tzinfo=UTC)
    assert ending_on_the_long_day.figure("members.new").current.value == 5
    # 30 March 2025 (clocks go forward) begins at 00:00 UTC; a period from then holds the 23-hour day.
    spring = build(db, "2025-03-30..2025-07-31")
    assert spring.period.starts_at == datetime(2025, 3, 30, 0, 0, tzinfo=UTC)
    assert spring.figure("members.new").current.value == 6


def test_only_organisers_may_see_the_report(db: Database):
    with pytest.raises(PermissionDenied, match="Only network organisers can see the network report"):
        build(db, actor=MEMBER)
    with db.reading() as session, pytest.raises(PermissionDenied):
        report.headline(session, MEMBER, now=NOW, options=OPTIONS)
    assert build(db, actor=ADMIN).figures
    assert build(db, actor=None).figures


def test_the_threshold_is_a_setting(db: Database):
    add_members(db, [member(f"U0TEN{i:05d}", datetime(2025, 9, 1, tzinfo=UTC)) for i in range(7)])
    assert build(db).figure("members.new").current.value == 7
    strict = build(db, options=ReportOptions(min_group=10))
    assert strict.figure("members.new").current.text == "fewer than 10"


# Periods ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, first, last", [
    ("", date(2025, 8, 1), date(2026, 7, 31)),
    ("this year", date(2025, 8, 1), date(2026, 7, 31)),
    ("  This   YEAR ", date(2025, 8, 1), date(2026, 7, 31)),
    ("last year", date(2024, 8, 1), date(2025, 7, 31)),
    ("2025-01-01..2025-03-31", date(2025, 1, 1), date(2025, 3, 31)),
    ("2025-1-1 .. 2025-1-1", date(2025, 1, 1), date(2025, 1, 1)),
])
def test_periods_are_read(text: str, first: date, last: date):
    period = report.parse_period(text, now=NOW, options=OPTIONS)
    assert (period.first_day, period.last_day) == (first, last)


def test_the_previous_period_has_the_same_length():
    quarter = report.parse_period("2025-01-01..2025-03-31", now=NOW, options=OPTIONS)
    assert (quarter.previous().first_day, quarter.previous().last_day) == (date(2024, 10, 3), date(2024, 12, 31))
    assert quarter.previous().days == quarter.days == 90
    year = report.parse_period("2025-08-01..2026-07-31", now=NOW, options=OPTIONS)
    assert year.is_development_year and year.previous().label == "2024/25 development year"


def test_the_development_year_follows_the_shared_setting():
    april = ReportOptions(year_start_month=4)
    period = report.parse_period("this year", now=NOW, options=april)
    assert (period.first_day, period.last_day) == (date(2026, 4, 1), date(2027, 3, 31))
    assert report.parse_period("", now=NOW, options=ReportOptions(year_start_month=1)).label == "2026 development year"


@pytest.mark.parametrize("text, says", [
    ("2026-01-01..2025-01-01", "The period ends (2025-01-01) before it starts (2026-01-01)"),
    ("2025-02-30..2025-03-01", "2025-02-30 is not a day in the calendar"),
    ("next week", "I can't read “next week” as a period"),
    ("2025-01-01", "I can't read “2025-01-01” as a period"),
    ("2025/01/01..2025/02/01", "as a period"),
    ("1900-01-01..2025-01-01", "at most 10 years"),
    ("2026-07-16..2026-12-31", "The period starts after today (2026-07-15): it has no figures yet."),
])
def test_bad_periods_get_a_clear_error(text: str, says: str):
    with pytest.raises(DomainError) as caught:
        report.parse_period(text, now=NOW, options=OPTIONS)
    assert says in caught.value.message
    assert caught.value.field == "period"


def test_the_period_edges_are_local_midnights():
    winter = report.period_between(date(2025, 12, 1), date(2025, 12, 31), OPTIONS)
    summer = report.period_between(date(2025, 6, 1), date(2025, 6, 30), OPTIONS)
    assert winter.starts_at == datetime(2025, 12, 1, 0, tzinfo=UTC)
    assert summer.starts_at == datetime(2025, 5, 31, 23, tzinfo=UTC)
    assert summer.ends_at == datetime(2025, 6, 30, 23, tzinfo=UTC)


def test_changes_never_divide_by_nothing():
    shown = {n: report.exact(n) for n in (0, 4, 8)}
    assert report.change_between(shown[8], shown[0]).kind == ChangeKind.NEW
    assert report.change_between(shown[0], shown[0]).kind == ChangeKind.NONE
    assert report.change_between(shown[4], shown[8]).text == "−4 (−50%)"
    assert report.change_between(shown[8], shown[4]).text == "+4 (+100%)"
    small = report.people(3, 5)
    assert report.change_between(small, shown[8]).text == "not shown"
    share = report.change_between(report.exact(0.6, report.Unit.SHARE), report.exact(0.5, report.Unit.SHARE))
    assert share.text == "+10 points"


def test_members_made_at_the_edges_of_the_data_window_come_from_the_generator():
    # The generator itself: bots are not people, and the small department is exactly SMALL_SIZE.
    data = report_data.generate(members=50, seed=1, start=YEAR_2024[0], now=NOW, small_since=YEAR_2025[0])
    assert len(data.people()) == 50 and len(data.members) == 52
    assert sum(m.department == SMALL_DEPARTMENT for m in data.members) == report_data.SMALL_SIZE
    assert all(YEAR_2024[0] <= m.created_at < NOW for m in data.members)


def test_a_renamed_department_is_read_fresh(db: Database):
    add_members(db, [member(f"U0REN{i:05d}", datetime(2025, 9, 1, tzinfo=UTC)) for i in range(6)])
    with db.transaction() as session:
        session.execute(update(Member).values(department="Chemistry and Materials"))
    assert set(build(db).breakdown("members.by_department")) == {"Chemistry and Materials"}
