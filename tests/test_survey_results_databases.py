"""The same answers give the same results on SQLite and PostgreSQL (the counts, the suppression, the
averages, the order of written answers, the CSV), and the CSV runs no formula."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from bot.slack_refs import role_grants, slack_identity
from storage import surveys
from storage.db import Database
from storage.members import actor_for, find_member
from storage.models import Member, MemberIdentity
from storage.models.surveys import SurveyInvitation, SurveyResponse
from tests.conftest import PostgresDatabases

T0 = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
DEPARTMENTS = ("Chemistry", "Physics", "Estates", "Medicine")
QUESTIONS = ("scale: How supported do you feel?\nyesno: Would you recommend the network?\n"
             "multiple: Which kit? | SEM | Confocal | NMR\ntext: What should change?")


def results_in(db: Database) -> tuple[surveys.Results, str]:
    rng = random.Random(5)
    with db.transaction() as session:
        session.execute(insert(Member), [{"id": n, "display_name": f"M{n}", "real_name": f"M{n}", "fte": 1.0,
                                          "roles": [], "is_bot": False, "deactivated": False,
                                          "department": DEPARTMENTS[n % 4] if n < 43 else "Estates",
                                          "created_at": T0, "updated_at": T0} for n in range(1, 51)])
        session.execute(insert(MemberIdentity), [{"member_id": n, "surface": "slack", "tenant": "",
                                                  "external_id": f"U{n:05d}"} for n in range(1, 51)])
    with db.transaction() as session:
        actor = actor_for(session, find_member(session, slack_identity("U00001")),  # type: ignore[arg-type]
                          role_grants(organisers=frozenset({"U00001"})))
        survey = surveys.create(session, actor, surveys.SurveyDraft("Pulse", QUESTIONS, True, "all",
                                                                    closes_at=T0 + timedelta(days=7)),
                                now=T0, min_group=5)
        session.add_all(SurveyInvitation(survey_id=survey.id, member_id=n, answered=n <= 40) for n in range(1, 51))
        session.add_all(SurveyResponse(id=f"{n:032x}", survey_id=survey.id, department=DEPARTMENTS[n % 4] if n < 38
                                       else "Dentistry",
                                       answers={"0": rng.randint(1, 5), "1": rng.choice(["yes", "no"]),
                                                "2": rng.sample(["SEM", "Confocal", "NMR"], rng.randint(1, 3)),
                                                **({"3": rng.choice(["=HYPERLINK(\"x\")", "more staff", "Más café",
                                                                     "+44 fewer meetings"])} if n % 3 else {})})
                        for n in range(1, 41))
        survey_id = survey.id
    with db.reading() as session:
        found = surveys.results(session, actor, survey_id, min_group=5)
    return found, surveys.to_csv(found)


def test_results_are_identical_on_sqlite_and_postgresql(tmp_path, sqlite_template: bytes, postgres: PostgresDatabases):
    path = tmp_path / "technet.db"
    path.write_bytes(sqlite_template)
    lite = Database(f"sqlite:///{path}")
    name = postgres.create()
    pg = Database(postgres.url_for(name))
    try:
        on_sqlite, csv_sqlite = results_in(lite)
        on_postgres, csv_postgres = results_in(pg)
    finally:
        lite.dispose()
        pg.dispose()
        postgres.drop(name)
    assert on_sqlite == on_postgres and csv_sqlite == csv_postgres
    # Something of each kind was shown, and some department withheld.
    assert on_sqlite.shown and on_sqlite.questions[0].average is not None and on_sqlite.questions[0].average.exact
    assert any(not d.respondents.exact for d in on_sqlite.departments)
    assert "'=HYPERLINK" in csv_sqlite and "'+44 fewer meetings" in csv_sqlite and "\n=" not in csv_sqlite
    assert ",=" not in csv_sqlite


@pytest.mark.parametrize("department_sizes", [(4, 6), (5, 5)])
def test_a_department_shows_from_5_answers(department_sizes: tuple[int, int]):
    a, b = department_sizes
    info = surveys.SurveyInfo(1, "Pulse", tuple(surveys.parse("scale: Q?")), True, "all", "", T0, T0, "", None)
    answers = [("A", {"0": 3})] * a + [("B", {"0": 4})] * b
    built = surveys.build(info, answers, asked=20, min_group=5)
    shown = {d.department: d.respondents.exact for d in built.departments}
    assert shown == ({"A": False, "B": False} if a < 5 else {"A": True, "B": True})
