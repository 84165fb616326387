"""Every feature's section of the report against figures worked out in Python from the
generator's records (never through storage/report/), on SQLite and PostgreSQL."""

from __future__ import annotations

import statistics
from collections import Counter
from typing import TypedDict
from datetime import date, datetime, timedelta

import pytest

from bot.slack_refs import role_grants, slack_identity
from storage import awards, members
from storage import events as events_service
from storage import news as news_service
from storage import registration as registration_service
from storage.awards import NominationForm
from storage.db import Database
from storage.report import ChangeKind, Report, State
from tests import report_data
from tests.report_data import Dataset
from tests.test_report_service import LONDON, NOW, UTC, YEAR_2024, YEAR_2025, assert_shows, build, in_network

SPANS = {"now": YEAR_2025, "before": YEAR_2024}
DAYS = {"now": (date(2025, 8, 1), date(2026, 7, 31)), "before": (date(2024, 8, 1), date(2025, 7, 31))}
TODAY = date(2026, 7, 15)
NETWORKING = ("network_meeting", "conference", "showcase")


@pytest.fixture
def loaded(db: Database) -> tuple[Database, Dataset, Report]:
    data = report_data.generate(members=300, seed=11, start=YEAR_2024[0], now=NOW, small_since=YEAR_2025[0])
    with db.transaction() as session:
        report_data.load(session, data)
    return db, data, build(db)


def until(span: tuple[datetime, datetime]) -> datetime:
    return min(span[1], NOW)


def department(data: Dataset, member: int) -> str:
    return data.members[member].department or "Not recorded"


def both(built: Report, key: str) -> tuple[float | None, float | None]:
    figure = built.figure(key)
    return figure.current.value, figure.previous.value


# Events -------------------------------------------------------------------------------------------------------

class ExpectedEvents(TypedDict):
    held: int
    kinds: Counter[str]
    networking: int
    rsvps: int
    attended: int
    attendees: int
    departments: Counter[str]
    months: Counter[str]


def expected_events(data: Dataset, span: tuple[datetime, datetime]) -> ExpectedEvents:
    start, end = span
    held = {i for i, e in enumerate(data.events) if not e.cancelled and start <= e.starts_at < until(span)}
    kinds = Counter(events_service.KINDS[data.events[i].kind] for i in held)
    came = [r for r in data.rsvps if r.event in held
            and (r.attended if data.events[r.event].recorded else r.status == "going")]
    return {
        "held": len(held),
        "kinds": kinds,
        "networking": sum(1 for i in held if data.events[i].kind in NETWORKING),
        "rsvps": sum(1 for r in data.rsvps if r.status == "going" and not data.events[r.event].cancelled
                     and start <= data.events[r.event].starts_at < end),
        "attended": len(came),
        "attendees": len({r.member for r in came}),
        "departments": Counter(department(data, m) for m in {r.member for r in came}),
        "months": Counter(data.events[r.event].starts_at.astimezone(LONDON).strftime("%b") for r in came),
    }


def test_events(loaded: tuple[Database, Dataset, Report]):
    _, data, built = loaded
    now, before = (expected_events(data, SPANS[k]) for k in ("now", "before"))
    assert both(built, "events.held") == (now["held"], before["held"])
    assert both(built, "events.networking") == (now["networking"], before["networking"])
    networking = built.figure("events.networking")
    assert networking.target == 2 and networking.met_target == (now["networking"] >= 2)
    for key in ("rsvps", "attended", "attendees"):
        figure = built.figure(f"events.{key}")
        assert_shows(figure.current, now[key])
        assert_shows(figure.previous, before[key])
    for kind, figure in built.breakdown("events.by_kind").items():
        assert (figure.current.value, figure.previous.value) == (now["kinds"][kind], before["kinds"][kind])
    assert sum(now["kinds"].values()) == now["held"] and set(now["kinds"]) <= set(built.breakdown("events.by_kind"))
    for name, figure in built.breakdown("events.by_department").items():
        assert_shows(figure.current, now["departments"][name])
        assert_shows(figure.previous, before["departments"][name])
    chart = next(c for c in built.charts if c.key == "events.attendance")
    for series, counts in zip(chart.series, (now["months"], before["months"]), strict=True):
        for point in series.points:
            assert_shows(point.shown, counts[point.label])
    assert chart.title == "Attendance at events each month" and chart.pillar == "visibility"


# Awards -------------------------------------------------------------------------------------------------------

class ExpectedAwards(TypedDict):
    nominations: int
    nominees: int
    nominators: int
    departments: int
    share: float
    closed: set[int]


def expected_awards(data: Dataset, span: tuple[datetime, datetime]) -> ExpectedAwards:
    start, end = span
    closed = {i for i, c in enumerate(data.cycles) if start <= c.closes_at < until(span)}
    nominations = [n for n in data.nominations if n.cycle in closed and not n.withdrawn]
    departments = {data.members[n.nominator].department for n in nominations} - {None}
    everywhere = {m.department for m in data.people() if in_network(m, start, end)} - {None}
    return {"nominations": len(nominations), "nominees": len({n.nominee for n in nominations}),
            "nominators": len({n.nominator for n in nominations}), "departments": len(departments),
            "share": len(departments) / len(everywhere), "closed": closed}


def test_awards(loaded: tuple[Database, Dataset, Report]):
    _, data, built = loaded
    now, before = (expected_awards(data, SPANS[k]) for k in ("now", "before"))
    for key in ("nominations", "nominees", "nominators"):
        assert_shows(built.figure(f"awards.{key}").current, now[key])
        assert_shows(built.figure(f"awards.{key}").previous, before[key])
    assert both(built, "awards.departments") == (now["departments"], before["departments"])
    assert both(built, "awards.departments_share") == pytest.approx((now["share"], before["share"]))
    # Each cycle that closed this year against the award's previous one; the open cycles not at all.
    counts = Counter(n.cycle for n in data.nominations if not n.withdrawn)
    per_cycle = built.breakdown("awards.per_cycle")
    assert len(per_cycle) == len(now["closed"]) == 2
    for i in now["closed"]:
        cycle = data.cycles[i]
        earlier = [j for j, c in enumerate(data.cycles) if c.award == cycle.award and c.opens_at < cycle.opens_at]
        figure = per_cycle[f"{cycle.award} {cycle.label} (against {data.cycles[earlier[-1]].label})"]
        assert_shows(figure.current, counts[i])
        assert_shows(figure.previous, counts[earlier[-1]])
    assert not any("next" in name for name in per_cycle)
    years = next(c for c in built.charts if c.key == "awards.years")
    assert [p.shown.value for p in years.series[0].points][-2:] == [before["nominations"], now["nominations"]]


# Registration ---------------------------------------------------------------------------------------------------

def registered_at(data: Dataset, moment: datetime) -> int:
    return sum(1 for r in data.registrations if r.status == "registered" and r.updated_at < moment
               and (not data.members[r.member].deactivated or data.members[r.member].updated_at >= moment))


def test_registration(loaded: tuple[Database, Dataset, Report]):
    _, data, built = loaded
    figure = built.figure("registration.registered")
    at_start, at_end = registered_at(data, YEAR_2025[0]), registered_at(data, NOW)
    assert (figure.current.value, figure.previous.value) == (at_end, at_start)
    assert figure.target == round(at_start * 1.5) and figure.change.delta == at_end - at_start
    here = [i for i, m in enumerate(data.members) if not m.is_bot and not m.deactivated]
    statuses = Counter(registration_service.STATUSES[r.status] for r in data.registrations
                       if r.member in set(here))
    statuses["Not recorded"] = len(here) - sum(statuses.values())
    assert built.figure("registration.members").current.value == len(here)
    for name, shown in built.breakdown("registration.by_status").items():
        assert_shows(shown.current, statuses[name])
        assert shown.previous.state == State.NONE and shown.change.kind == ChangeKind.NONE
    registered = [r for r in data.registrations if r.status == "registered" and r.member in set(here)]
    # This year is under way: "registered now" is the year's own figure, and it counts the same people.
    assert len(registered) == at_end
    assert_shows(build(loaded[0], "last year").figure("registration.registered_now").current, len(registered))
    by_register = Counter(r.register for r in registered)
    names = {r.key: r.name for r in registration_service.load_guide().registers}
    for key, count in by_register.items():
        assert_shows(built.figure("registration.by_register", names[key] if key else "Not recorded").current, count)
    years = next(c for c in built.charts if c.key == "registration.years")
    assert [p.shown.value for p in years.series[0].points][-2:] == [at_start, at_end]


# CPD ----------------------------------------------------------------------------------------------------------------

class ExpectedCpd(TypedDict):
    logged: int
    median: float
    share: tuple[int, int]
    bands: Counter[str]


def expected_cpd(data: Dataset, which: str) -> ExpectedCpd:
    first, last = DAYS[which]
    minutes: Counter[int] = Counter()
    for entry in data.cpd:
        if first <= entry.done_on <= last:
            minutes[entry.member] += entry.minutes
    days = {m: total / 450 / data.members[m].fte for m, total in minutes.items()}
    elapsed = (min(last, TODAY) - first).days + 1
    expected_days = 10 * elapsed / 365
    start, end = SPANS[which]
    members = [i for i, m in enumerate(data.members) if not m.is_bot and in_network(m, start, end)]
    on_track = sum(1 for m in members if days.get(m, 0) + 1e-9 >= expected_days)
    bands: Counter[str] = Counter()
    for value in days.values():
        lower = min(int(value // 2) * 2, 10)
        bands[f"{lower}–{lower + 2} days" if lower < 10 else "10+ days"] += 1
    return {"logged": len(days), "median": round(statistics.median(days.values()), 2),
            "share": (on_track, len(members)), "bands": bands}


def test_cpd(loaded: tuple[Database, Dataset, Report]):
    _, data, built = loaded
    now, before = expected_cpd(data, "now"), expected_cpd(data, "before")
    assert both(built, "cpd.logged") == (now["logged"], before["logged"])
    assert both(built, "cpd.median_days") == pytest.approx((now["median"], before["median"]))
    share = built.figure("cpd.on_track")
    for shown, (yes, of) in ((share.current, now["share"]), (share.previous, before["share"])):
        if 0 < yes < 5 or 0 < of - yes < 5:
            assert shown.state == State.WITHHELD and shown.value is None
        else:
            assert shown.value == pytest.approx(yes / of)
    for band, figure in built.breakdown("cpd.distribution").items():
        assert_shows(figure.current, now["bands"][band])
        assert_shows(figure.previous, before["bands"][band])
    chart = next(c for c in built.charts if c.key == "cpd.distribution")
    assert [p.label for p in chart.series[0].points] == ["0–2 days", "2–4 days", "4–6 days", "6–8 days",
                                                          "8–10 days", "10+ days"]


# Mentoring ------------------------------------------------------------------------------------------------------------

def test_mentoring(loaded: tuple[Database, Dataset, Report]):
    _, data, built = loaded

    def expected(span: tuple[datetime, datetime]) -> tuple[int, int, int]:
        start, end = span
        active = sum(1 for p in data.pairings if p.started_at < until(span)
                     and (p.ended_at is None or p.ended_at >= start))
        started = sum(1 for p in data.pairings if start <= p.started_at < end)
        ended = sum(1 for p in data.pairings if p.ended_at is not None and start <= p.ended_at < end)
        return active, started, ended

    now, before = expected(YEAR_2025), expected(YEAR_2024)
    for i, key in enumerate(("active_pairs", "started", "ended")):
        assert_shows(built.figure(f"mentoring.{key}").current, now[i])
        assert_shows(built.figure(f"mentoring.{key}").previous, before[i])
    ongoing = Counter(p.mentor for p in data.pairings if p.ended_at is None)
    mentors = [m for m in data.mentors if not data.members[m.member].deactivated]
    free = sum(1 for m in mentors if m.capacity > ongoing[m.member]
               and (m.paused_until is None or m.paused_until < TODAY))
    assert_shows(built.figure("mentoring.mentors").current, len(mentors))
    assert_shows(built.figure("mentoring.free_capacity").current, free)
    assert built.figure("mentoring.free_capacity").pillar == "sustainability"


# E-zine, announcements, opportunities ---------------------------------------------------------------------------------

def test_news_and_opportunities(loaded: tuple[Database, Dataset, Report]):
    _, data, built = loaded

    def count(moments: list[datetime], span: tuple[datetime, datetime]) -> int:
        return sum(1 for moment in moments if span[0] <= moment < span[1])

    for key, moments in (("news.issues", data.issues), ("news.announcements", data.announcements),
                         ("opportunities.listed", [o.created_at for o in data.opportunities])):
        assert both(built, key) == (count(moments, YEAR_2025), count(moments, YEAR_2024)), key
    reminders = [r.created_at for r in data.reminders]
    assert_shows(built.figure("opportunities.reminders").current, count(reminders, YEAR_2025))
    assert_shows(built.figure("opportunities.reminders").previous, count(reminders, YEAR_2024))
    approved = [n for n in data.news if n.status == "approved"]
    for name, figure in built.breakdown("news.by_category").items():
        key = next(k for k, label in news_service.CATEGORIES.items() if label == name)
        expected = [count([n.reviewed_at or n.created_at for n in approved if n.category == key], span)
                    for span in (YEAR_2025, YEAR_2024)]
        assert [figure.current.value, figure.previous.value] == expected


def test_every_section_is_there_with_its_pillar(loaded: tuple[Database, Dataset, Report]):
    _, _, built = loaded
    assert [s.key for s in built.sections] == ["members", "events", "awards", "registration", "cpd", "mentoring",
                                               "news", "opportunities", "web", "actions", "surveys",
                                               "research"]
    assert {f.pillar for f in built.figures} == {"visibility", "recognition", "career development",
                                                 "sustainability"}
    # The issue's charts: year-on-year bars (nominations, registrations), a monthly line of attendance, CPD.
    drawn = {c.key for c in built.charts if c.has_data}
    assert {"awards.years", "registration.years", "events.attendance", "cpd.distribution"} <= drawn


def test_open_cycles_are_never_counted_even_as_nominations_arrive(loaded: tuple[Database, Dataset, Report]):
    db, data, built = loaded
    # Nominations to a cycle that has not closed: no figure moves (a live count would give nominators away).
    open_cycles = [i for i, c in enumerate(data.cycles) if c.closes_at > NOW]
    assert open_cycles and any(n.cycle in open_cycles for n in data.nominations)
    later = build(db, now=NOW + timedelta(hours=1))
    assert later.figure("awards.nominations").current == built.figure("awards.nominations").current


# Counts of things, not people: shown as they are, however small.
THINGS = {"events.held", "events.networking", "events.by_kind", "awards.departments", "news.issues",
          "news.announcements", "news.items", "news.by_category", "opportunities.listed"}


def test_no_count_of_people_below_the_threshold_is_shown_anywhere_in_a_small_network(db: Database):
    data = report_data.generate(members=40, seed=5, start=YEAR_2024[0], now=NOW, small_since=YEAR_2025[0])
    with db.transaction() as session:
        report_data.load(session, data)
    built = build(db)
    people = [f for f in built.figures if f.key not in THINGS and f.current.unit == "count"]
    shown = [s for f in people for s in (f.current, f.previous)]
    shown += [p.shown for chart in built.charts for series in chart.series for p in series.points]
    assert any(s.state == State.FEWER for s in shown) and any(s.exact and s.value for s in shown)
    for s in shown:
        assert not s.exact or s.value == 0 or (s.value is not None and s.value >= 5), s
        assert s.exact or s.value is None


def test_a_cycle_of_one_nominee_shows_no_count_that_is_theirs(db: Database):
    opened, closes = datetime(2026, 1, 5, 9, tzinfo=UTC), datetime(2026, 2, 5, 9, tzinfo=UTC)
    grants = role_grants(organisers=frozenset({"U0ORGANISE"}), panel=frozenset({"U0PANEL01"}))
    with db.transaction() as session:
        people = [members.actor_for(session, members.ensure_member(session, slack_identity(f"U0PERSON{i}"),
                                                                   now=opened), grants)
                  for i in range(7)]
        organiser = members.actor_for(session, members.ensure_member(session, slack_identity("U0ORGANISE"),
                                                                     now=opened), grants)
        cycle = awards.open_cycle(session, organiser, name="Papin Prize", closes_at=closes, now=opened,
                                  default_panel=grants.panel)
        # Six colleagues nominate one: "6 nominations" would be that person's count.
        for i, nominator in enumerate(people[1:]):
            awards.submit_nomination(session, nominator, NominationForm(
                cycle_id=cycle.id, nominee=people[0].user_id, citation="x" * awards.CITATION_MIN),
                submission_id=f"s{i}", now=opened + timedelta(days=1))
    built = build(db)
    assert built.figure("awards.nominations").current.state == State.WITHHELD
    assert [f.current.state for f in built.breakdown("awards.per_cycle").values()] == [State.WITHHELD]
    years = next(c for c in built.charts if c.key == "awards.years")
    assert all(not p.shown.exact or p.shown.value == 0 for s in years.series for p in s.points)
    assert built.figure("awards.nominators").current.text == "6"
