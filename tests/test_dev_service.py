"""Development opportunities (storage/opportunities/) on a real database, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta, UTC
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.slack_refs import role_grants, slack_identity
from storage import ledger, opportunities
from storage.db import Database
from storage.errors import DomainError, PermissionDenied
from storage.members import Actor, actor_for, ensure_member
from storage.models import DueItem
from storage.models.careers import Opportunity
from storage.opportunities import OpportunityForm

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
TODAY = date(2025, 3, 3)
HEADER = "title,kind,description,provider,link,cost,starts,ends,deadline,tags"


def person(db: Database, user_id: str, *, organiser: bool = False) -> Actor:
    with db.transaction() as session:
        row = ensure_member(session, slack_identity(user_id), fallback_name=user_id, now=NOW)
        return actor_for(session, row, role_grants(organisers=frozenset({user_id}) if organiser else frozenset()))


def add(db: Database, actor: Actor | None, **fields: Any) -> opportunities.OpportunityInfo:
    values: dict[str, Any] = dict(title="HPLC troubleshooting", kind="course", description="A day on HPLC faults.",
                                     deadline=date(2025, 3, 20), tags="hplc, chromatography")
    values.update(fields)
    with db.transaction() as session:
        return opportunities.save_opportunity(session, actor, OpportunityForm(**values), now=NOW,
                                              tz=LONDON)


def catalogue_size(db: Database) -> int:
    with db.reading() as session:
        return session.execute(select(func.count()).select_from(Opportunity)).scalar_one()


def due(db: Database, kind: str) -> list[DueItem]:
    with db.reading() as session:
        rows = session.scalars(select(DueItem).where(DueItem.kind == kind).order_by(DueItem.id)).all()
        session.expunge_all()
        return list(rows)


def import_text(db: Database, text: str) -> opportunities.ImportReport:
    with db.transaction() as session:
        return opportunities.import_csv(session, text, now=NOW, tz=LONDON)


def refused_import(db: Database, text: str) -> list[str]:
    with pytest.raises(opportunities.ImportRefused) as caught:
        import_text(db, text)
    assert catalogue_size(db) == 0, "a refused file imported something"
    return caught.value.problems


# The catalogue ----------------------------------------------------------------------------------

def test_only_organisers_add_and_edit(db: Database):
    member, organiser = person(db, "U0MEMBER01"), person(db, "U0ORGANISE", organiser=True)
    with pytest.raises(PermissionDenied, match="Only network organisers"):
        add(db, member)
    added = add(db, organiser)
    with pytest.raises(PermissionDenied):
        with db.transaction() as session:
            opportunities.save_opportunity(session, member, OpportunityForm(title="x"), now=NOW, tz=LONDON,
                                           opportunity_id=added.id)
    assert catalogue_size(db) == 1


def test_the_form_names_each_problem(db: Database):
    organiser = person(db, "U0ORGANISE", organiser=True)
    with pytest.raises(opportunities.InvalidOpportunity) as caught:
        add(db, organiser, title=" ", kind="knitting", description="", link="not a link", starts_on="2025-05-02",
            ends_on="2025-05-01", tags=",".join(f"t{i}" for i in range(12)))
    assert set(caught.value.errors) == {"title", "kind", "description", "link", "ends_on", "tags"}
    with pytest.raises(opportunities.InvalidOpportunity) as caught:
        add(db, organiser, deadline="31/02/2025")
    assert caught.value.errors == {"deadline": "The application deadline “31/02/2025” is not a date: write it as "
                                               "YYYY-MM-DD, e.g. 2025-03-31."}


def test_kinds_tags_and_dates_are_normalised(db: Database):
    organiser = person(db, "U0ORGANISE", organiser=True)
    added = add(db, organiser, kind="Peer-to-peer", tags="#Cell  Culture; microscopy, cell culture",
                starts_on="02/05/2025", deadline="2025-04-20")
    assert (added.kind, added.kind_label) == ("peer_session", "Peer-to-peer session")
    assert added.tags == ("cell culture", "microscopy")
    assert (added.starts_on, added.deadline) == (date(2025, 5, 2), date(2025, 4, 20))


def test_the_same_opportunity_twice_is_refused(db: Database):
    organiser = person(db, "U0ORGANISE", organiser=True)
    add(db, organiser, provider="Chromatography Society", starts_on=date(2025, 4, 1))
    with pytest.raises(opportunities.InvalidOpportunity, match="in the catalogue already"):
        add(db, organiser, title="HPLC  TROUBLESHOOTING", provider="chromatography society",
            starts_on=date(2025, 4, 1))
    # Another run of the course (another start date) is another opportunity.
    add(db, organiser, provider="Chromatography Society", starts_on=date(2025, 6, 1))
    assert catalogue_size(db) == 2


def test_current_lists_open_ones_soonest_deadline_first(db: Database):
    organiser = person(db, "U0ORGANISE", organiser=True)
    add(db, organiser, title="Closed yesterday", deadline=date(2025, 3, 2))
    add(db, organiser, title="Ended", deadline=None, starts_on=date(2025, 2, 1), ends_on=date(2025, 3, 2))
    add(db, organiser, title="Later", deadline=date(2025, 5, 1))
    add(db, organiser, title="Sooner", deadline=date(2025, 3, 10))
    add(db, organiser, title="Today is the last day", deadline=TODAY)
    add(db, organiser, title="Ongoing coaching", kind="coaching", deadline=None)
    with db.reading() as session:
        page = opportunities.current(session, today=TODAY, limit=3)
        rest = opportunities.current(session, today=TODAY, offset=3, limit=3)
    assert [o.title for o in page.items] == ["Today is the last day", "Sooner", "Later"]
    assert [o.title for o in rest.items] == ["Ongoing coaching"] and page.total == rest.total == 4


# Search -----------------------------------------------------------------------------------------

def test_search_ranks_title_and_tags_above_a_mention_in_the_description(db: Database):
    organiser = person(db, "U0ORGANISE", organiser=True)
    add(db, organiser, title="Leadership for technicians", tags="leadership",
        description="Leading a team; includes a short session on microscopy facility management.")
    add(db, organiser, title="Electron microscopy secondment", kind="secondment", tags="microscopy, tem",
        description="Three months in the EM facility.")
    add(db, organiser, title="Confocal imaging workshop", kind="workshop", tags="microscopy",
        description="Hands-on confocal imaging.")
    add(db, organiser, title="Closed microscopy course", tags="microscopy", deadline=date(2025, 3, 1))
    with db.reading() as session:
        found = opportunities.search(session, "microscopy", today=TODAY)
        two_words = opportunities.search(session, "microscopy secondment", today=TODAY)
        prefix = opportunities.search(session, "microscop", today=TODAY)
        kind = opportunities.search(session, "workshop", today=TODAY)
    assert [o.title for o in found] == ["Electron microscopy secondment", "Confocal imaging workshop",
                                        "Leadership for technicians"]
    assert two_words[0].title == "Electron microscopy secondment"
    assert {o.title for o in prefix} == {o.title for o in found}
    # The kind counts too: the workshop first, then the description that mentions one.
    assert [o.title for o in kind] == ["Confocal imaging workshop"]


def test_search_with_no_words_is_refused_and_no_match_is_empty(db: Database):
    organiser = person(db, "U0ORGANISE", organiser=True)
    add(db, organiser)
    with db.reading() as session:
        for nothing in ("?!", "the and of", "   "):
            with pytest.raises(DomainError, match="Search with a word or two"):
                opportunities.search(session, nothing, today=TODAY)
        assert opportunities.search(session, "glassblowing", today=TODAY) == []
        assert opportunities.search(session, "HPLC!", today=TODAY)[0].title == "HPLC troubleshooting"


# Reminders ----------------------------------------------------------------------------------------

def test_remind_me_schedules_one_dm_two_days_before_at_nine(db: Database):
    organiser, member = person(db, "U0ORGANISE", organiser=True), person(db, "U0MEMBER01")
    added = add(db, organiser, deadline=date(2025, 3, 20))
    for expected_already in (False, True):
        with db.transaction() as session:
            done = opportunities.remind_me(session, member, added.id, now=NOW, tz=LONDON)
        assert done.already is expected_already
    assert done.due_at == datetime(2025, 3, 18, 9, 0, tzinfo=LONDON)
    rows = due(db, opportunities.DEADLINE_REMINDER)
    assert len(rows) == 1 and rows[0].occurrence == "2025-03-20" and rows[0].payload["member"] == "U0MEMBER01"
    with db.reading() as session:
        assert opportunities.current(session, today=TODAY, member_id=member.member_id).items[0].reminder_set


def test_a_reminder_that_cannot_come_in_time_is_refused(db: Database):
    organiser, member = person(db, "U0ORGANISE", organiser=True), person(db, "U0MEMBER01")
    close = add(db, organiser, title="Closes in two days", deadline=date(2025, 3, 5))
    none = add(db, organiser, title="No deadline", deadline=None)
    with db.transaction() as session, pytest.raises(DomainError, match="too close for a reminder"):
        opportunities.remind_me(session, member, close.id, now=NOW, tz=LONDON)
    with db.transaction() as session, pytest.raises(DomainError, match="no application deadline"):
        opportunities.remind_me(session, member, none.id, now=NOW, tz=LONDON)
    assert due(db, opportunities.DEADLINE_REMINDER) == []


def test_a_moved_deadline_moves_the_reminder(db: Database):
    organiser, member = person(db, "U0ORGANISE", organiser=True), person(db, "U0MEMBER01")
    added = add(db, organiser, deadline=date(2025, 3, 20))
    with db.transaction() as session:
        opportunities.remind_me(session, member, added.id, now=NOW, tz=LONDON)
    add_form = dict(title="HPLC troubleshooting", kind="course", description="A day on HPLC faults.",
                    tags="hplc")
    with db.transaction() as session:
        opportunities.save_opportunity(session, organiser, OpportunityForm(**add_form, deadline=date(2025, 4, 2)),
                                       now=NOW, tz=LONDON, opportunity_id=added.id)
    rows = due(db, opportunities.DEADLINE_REMINDER)
    assert [(r.occurrence, r.status) for r in rows] == [("2025-03-20", ledger.CANCELLED),
                                                         ("2025-04-02", ledger.PENDING)]
    assert rows[1].due_at == datetime(2025, 3, 31, 9, 0, tzinfo=LONDON)
    # Back to the first date: the first row is the one to post again.
    with db.transaction() as session:
        opportunities.save_opportunity(session, organiser, OpportunityForm(**add_form, deadline=date(2025, 3, 20)),
                                       now=NOW, tz=LONDON, opportunity_id=added.id)
    assert [(r.occurrence, r.status) for r in due(db, opportunities.DEADLINE_REMINDER)] == [
        ("2025-03-20", ledger.PENDING), ("2025-04-02", ledger.CANCELLED)]


# Follows --------------------------------------------------------------------------------------------

def test_following_a_tag_is_normalised_and_idempotent(db: Database):
    member = person(db, "U0MEMBER01")
    with db.transaction() as session:
        assert opportunities.follow(session, member, "#Cell  Culture", now=NOW) == ("cell culture", True)
        assert opportunities.follow(session, member, "cell culture", now=NOW) == ("cell culture", False)
        with pytest.raises(DomainError, match="Say which tag"):
            opportunities.follow(session, member, " # ", now=NOW)
        with pytest.raises(DomainError, match="at most 60"):
            opportunities.follow(session, member, "x" * 61, now=NOW)
        assert opportunities.follows(session, member.member_id) == ["cell culture"]
        assert opportunities.unfollow(session, member, "CELL culture") == ("cell culture", True)
        assert opportunities.unfollow(session, member, "cell culture") == ("cell culture", False)


def test_followers_of_a_tag_are_told_once_of_a_new_opportunity(db: Database):
    organiser, member, other = (person(db, "U0ORGANISE", organiser=True), person(db, "U0MEMBER01"),
                                person(db, "U0MEMBER02"))
    with db.transaction() as session:
        opportunities.follow(session, member, "microscopy", now=NOW)
        opportunities.follow(session, member, "tem", now=NOW)
        opportunities.follow(session, other, "welding", now=NOW)
        opportunities.follow(session, organiser, "microscopy", now=NOW)
    added = add(db, organiser, title="EM secondment", tags="microscopy, tem")
    add(db, organiser, title="Closed already", tags="microscopy", deadline=date(2025, 3, 1))
    notices = due(db, opportunities.FOLLOWED_TAG)
    # One for the member (not two for two tags); none for the organiser who added it, none for a closed one.
    assert [(n.subject, n.occurrence, n.payload["member"]) for n in notices] == [
        (f"opportunity:{added.id}", f"member:{member.member_id}", "U0MEMBER01")]
    # Editing it (even adding a tag the other member follows) tells nobody a second time.
    with db.transaction() as session:
        opportunities.save_opportunity(session, organiser, OpportunityForm(
            title="EM secondment", kind="course", description="A day on HPLC faults.", deadline=date(2025, 3, 20),
            tags="microscopy, tem, welding"), now=NOW, tz=LONDON, opportunity_id=added.id)
    assert [n.payload["member"] for n in due(db, opportunities.FOLLOWED_TAG)] == ["U0MEMBER01", "U0MEMBER02"]


# CSV import -------------------------------------------------------------------------------------------

GOOD_ROWS = [
    'HPLC troubleshooting,course,"A day on faults, peaks and baselines.",Chromatography Society,'
    'https://example.ac.uk/hplc,£180,2025-04-01,2025-04-01,2025-03-20,"hplc, chromatography"',
    'EM secondment,Secondment,Three months in the EM facility.,Faculty of Science,,Free,2025-06-01,2025-08-31,'
    '15/04/2025,microscopy',
    "Development fund,funding call,Up to £1000 towards a course.,,,,,,2025-05-01,funding",
]


def test_a_good_file_imports_every_row_and_a_second_run_updates(db: Database):
    report = import_text(db, "\n".join([HEADER, *GOOD_ROWS, ""]))
    assert (report.added, report.updated) == (3, 0) and catalogue_size(db) == 3
    changed = GOOD_ROWS[2].replace("Up to £1000", "Up to £1500")
    report = import_text(db, "\n".join([HEADER, *GOOD_ROWS[:2], changed]))
    assert (report.added, report.updated) == (0, 3) and catalogue_size(db) == 3
    with db.reading() as session:
        fund = session.execute(select(Opportunity).where(Opportunity.title == "Development fund")).scalar_one()
        assert fund.description == "Up to £1500 towards a course." and fund.kind == "funding_call"


def test_a_missing_column_refuses_the_file(db: Database):
    header = "title,kind,description,provider,link,cost,starts,ends,tags"
    problems = refused_import(db, "\n".join([header, "Development fund,funding call,Up to £1000.,,,,,,funding"]))
    assert problems == ["line 1: missing column deadline (the first line must name: title, kind, description, "
                        "provider, link, cost, starts, ends, deadline, tags)"]


def test_a_row_missing_a_cell_is_reported_by_line(db: Database):
    short = "Short row,course,Too few cells,,,,2025-04-01,2025-04-02"
    problems = refused_import(db, "\n".join([HEADER, *GOOD_ROWS, short]))
    assert problems == ["line 5: has 8 cells but the header has 10 columns (a missing or extra cell; check the "
                        "commas and quotes)"]


def test_a_bad_date_refuses_the_file_naming_the_line(db: Database):
    bad = GOOD_ROWS[1].replace("15/04/2025", "31/04/2025")
    problems = refused_import(db, "\n".join([HEADER, GOOD_ROWS[0], bad, GOOD_ROWS[2]]))
    assert problems == ["line 3: deadline: The application deadline “31/04/2025” is not a date: write it as "
                        "YYYY-MM-DD, e.g. 2025-03-31."]


def test_a_duplicate_row_refuses_the_file(db: Database):
    repeated = GOOD_ROWS[0].replace("HPLC troubleshooting", "HPLC Troubleshooting ")
    problems = refused_import(db, "\n".join([HEADER, *GOOD_ROWS, repeated]))
    assert problems == ["line 5: repeats line 2 (the same title, provider and start date); keep one of them"]


def test_a_formula_like_cell_refuses_the_file(db: Database):
    formula = GOOD_ROWS[2].replace("Up to £1000 towards a course.", '"=HYPERLINK(""http://evil.example"")"')
    at_sign = GOOD_ROWS[1].replace("Faculty of Science", "@SUM(A1:A9)")
    problems = refused_import(db, "\n".join([HEADER, GOOD_ROWS[0], at_sign, formula]))
    assert problems == [
        "line 3: the provider cell begins with “@”, which a spreadsheet runs as a formula; reword it so it starts "
        "with a letter or digit",
        "line 4: the description cell begins with “=”, which a spreadsheet runs as a formula; reword it so it "
        "starts with a letter or digit",
    ]


def test_every_problem_is_listed_with_its_line_and_multiline_cells_count(db: Database):
    multiline = ('Multi-line,course,"First line\nsecond line\nthird line",,,,,,2025-05-01,x')
    problems = refused_import(db, "\n".join([
        HEADER, multiline, "No kind,,A description.,,,,,,2025-05-01,",
        "Bad dates,course,Desc.,,,,2025-06-02,2025-06-01,2025-13-01,", "+cost,course,Desc.,,,,,,,"]))
    assert problems == [
        "line 5: kind: Choose a kind: Course, Workshop, Peer-to-peer session, Secondment, Shadowing, Conference, "
        "Funding call, Coaching, Award.",
        "line 6: ends: The end date is before the start date.",
        "line 6: deadline: The application deadline “2025-13-01” is not a date: write it as YYYY-MM-DD, e.g. "
        "2025-03-31.",
        "line 7: the title cell begins with “+”, which a spreadsheet runs as a formula; reword it so it starts with a "
        "letter or digit",
    ]


def test_an_empty_file_or_unknown_columns_are_refused(db: Database):
    assert refused_import(db, "") == ["line 1: the file is empty; the first line must name the columns: title, "
                                      "kind, description, provider, link, cost, starts, ends, deadline, tags"]
    problems = refused_import(db, HEADER + ",notes\n")
    assert problems == ["line 1: unknown column 'notes' (expected: title, kind, description, provider, link, cost, "
                        "starts, ends, deadline, tags)"]


def test_an_import_tells_followers(db: Database):
    member = person(db, "U0MEMBER01")
    with db.transaction() as session:
        opportunities.follow(session, member, "Microscopy", now=NOW)
    import_text(db, "\n".join([HEADER, *GOOD_ROWS]))
    assert [n.payload for n in due(db, opportunities.FOLLOWED_TAG)] == [{"member": "U0MEMBER01", "tag": "microscopy"}]
    assert due(db, opportunities.FOLLOWED_TAG)[0].due_at == NOW


def test_formula_safe_cells():
    assert opportunities.csv_safe("=1+1") == "'=1+1"
    assert opportunities.csv_safe("  @x") == "'  @x"
    assert opportunities.csv_safe("－1") == "'－1"
    assert opportunities.csv_safe("Plain") == "Plain" and opportunities.csv_safe(None) == ""


def test_reminders_are_at_nine_local_time_across_the_clock_change():
    # The clocks go forward on 30 March 2025: 09:00 is 09:00 UTC before, 08:00 UTC after.
    assert opportunities.reminder_due_at(date(2025, 3, 30), LONDON) == datetime(2025, 3, 28, 9, tzinfo=UTC)
    assert opportunities.reminder_due_at(date(2025, 4, 2), LONDON) == datetime(2025, 3, 31, 8, tzinfo=UTC)


def test_the_demo_catalogue_and_cpd_record_are_added_once(db: Database):
    from bot.demo import load_demo_data
    from storage.models.careers import CpdEntry

    def counts() -> tuple[int, int]:
        with db.reading() as session:
            return (session.execute(select(func.count()).select_from(Opportunity)).scalar_one(),
                    session.execute(select(func.count()).select_from(CpdEntry)).scalar_one())

    load_demo_data(db, now=NOW)
    first = counts()
    load_demo_data(db, now=NOW + timedelta(days=3))
    assert first == counts() and first[0] >= 4 and first[1] == 3
