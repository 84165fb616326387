"""storage/registration.py: the guide from content, the suggestion rules, status and uptake (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, UTC
from pathlib import Path

import pytest

from content import ContentError
from bot.slack_refs import member_details, role_grants, slack_identity
from storage import registration
from storage.db import Database
from storage.errors import DomainError, PermissionDenied
from storage.members import actor_for, get_member, upsert_member
from storage.privacy import Shown
from storage.registration import LADDERS, SUGGESTED_KEYS, load_guide, suggest

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def test_the_shipped_guide_has_every_register_the_rules_suggest():
    guide = load_guide()
    keys = {r.key for r in guide.registers}
    assert SUGGESTED_KEYS <= keys
    assert {"rscitech", "rsci", "csci", "engtech", "ieng", "ceng"} <= keys
    assert guide.get("rscitech").body.name == "Science Council"
    assert guide.get("ceng").body.name == "Engineering Council"
    assert "fee" in guide.fee_support.lower() and guide.intro
    assert guide.find("RSciTech").key == "rscitech"
    assert guide.find("Chartered Engineer").key == "ceng"
    assert guide.find("astrologer") is None


def test_a_deployment_can_edit_the_guide(tmp_path: Path):
    (tmp_path / "registration.yaml").write_text(
        "intro: Ours.\nfee_support: We pay everything.\nbodies:\n  sc: {name: Science Council, link: https://x}\n"
        "registers:\n  - {key: rscitech, name: RSciTech, title: Registered Science Technician, body: sc}\n",
        encoding="utf-8")
    guide = load_guide(tmp_path)
    assert guide.fee_support == "We pay everything." and [r.key for r in guide.registers] == ["rscitech"]
    assert guide.name("csci") == "CSCI"  # a register the content no longer lists is still named


@pytest.mark.parametrize(("text", "problem"), [
    ("intro: x\nfee_support: y\nregisters:\n  - {key: a, name: A, title: A, body: nowhere}\n", "unknown body"),
    ("intro: x\nfee_support: y\nbodies: {b: {name: B}}\nregisters:\n  - {key: a, name: A, title: A, body: b}\n"
     "  - {key: a, name: A, title: A, body: b}\n", "must differ"),
    ("intro: x\nfee_support: y\nregisters: []\n", "at least one register"),
    ("fee_support: y\nbodies: {b: {name: B}}\nregisters:\n  - {key: a, name: A, title: A, body: b}\n",
     "missing or malformed 'intro'"),
])
def test_a_broken_guide_says_what_is_wrong(tmp_path: Path, text: str, problem: str):
    (tmp_path / "registration.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=problem):
        load_guide(tmp_path)


@pytest.mark.parametrize(("role", "qualification", "years", "register", "next_register"), [
    # Science: RSciTech to start; RSci with level 5 and 2 years, or 8 years from level 3; CSci with a master's and 4.
    ("science", "none", 0, "rscitech", "rsci"),
    ("science", "level3", 1, "rscitech", "rsci"),
    ("science", "level5", 1, "rscitech", "rsci"),
    ("science", "level5", 2, "rsci", "csci"),
    ("science", "level3", 8, "rsci", "csci"),
    ("science", "level2", 20, "rscitech", "rsci"),
    ("science", "level7", 3, "rsci", "csci"),
    ("science", "level7", 4, "csci", None),
    ("science", "level6", 8, "csci", None),
    ("science", "level8", 10, "csci", None),
    ("teaching", "level6", 2, "rsci", "csci"),
    # Engineering: EngTech, then IEng with a bachelor's (or 8 years from level 3), then CEng.
    ("engineering", "level3", 5, "engtech", "ieng"),
    ("engineering", "level5", 4, "engtech", "ieng"),
    ("engineering", "level6", 2, "ieng", "ceng"),
    ("engineering", "level4", 9, "ieng", "ceng"),
    ("engineering", "level7", 4, "ceng", None),
    # IT: ICTTech first, RITTech as the alternative.
    ("digital", "level3", 3, "icttech", "ieng"),
    ("digital", "level6", 3, "ieng", "ceng"),
])
def test_the_suggestion_rules(role, qualification, years, register, next_register):
    s = suggest(role, qualification, years)
    assert (s.register, s.next_register) == (register, next_register)
    assert s.register in LADDERS[role] and s.reason
    assert (s.next_step is None) == (next_register is None)


def test_alternatives_and_refusals():
    assert suggest("digital", "level3", 3).alternatives == ("rittech",)
    assert suggest("teaching", "level3", 3).alternatives == ("afhea", "csciteach")
    assert "experiential" in suggest("science", "level3", 8).reason
    with pytest.raises(DomainError, match="kind of work"):
        suggest("astronaut", "level3", 3)
    with pytest.raises(DomainError, match="qualification"):
        suggest("science", "level9", 3)


@pytest.mark.parametrize(("years", "message"), [
    ("", "Give your years"), ("-1", "can't be negative"), ("61", "At most 60"), ("lots", "not a number")])
def test_years_must_be_sensible(years: str, message: str):
    with pytest.raises(DomainError, match=message):
        registration.parse_years(years)
    assert registration.parse_years("4.5") == 4


def actor(session, user_id: str, *, department: str | None = None, organiser: bool = False):
    user = {"id": user_id, "name": user_id.lower(), "real_name": user_id, "profile": {"display_name": user_id}}
    member = upsert_member(session, slack_identity(user_id), member_details(user), now=T0)
    member.department = department
    return actor_for(session, member, role_grants(organisers=frozenset({user_id} if organiser else set())))


def test_answers_and_status_are_kept_with_the_member(db: Database):
    guide = load_guide()
    with db.transaction() as session:
        ann = actor(session, "U0ANN")
        s = registration.save_answers(session, ann, role="science", qualification="level3", years="6", now=T0)
        assert s.register == "rscitech"
        with pytest.raises(registration.InvalidAnswers) as bad:
            registration.save_answers(session, ann, role=None, qualification="x", years="-2", now=T0)
        assert set(bad.value.errors) == {"role", "qualification", "years"}
        with pytest.raises(DomainError, match="needs one") as no_register:
            registration.record_status(session, ann, status="preparing", register=None, guide=guide, now=T0)
        assert no_register.value.field == "register"
        with pytest.raises(DomainError, match="from the list"):
            registration.record_status(session, ann, status="done", register="rscitech", guide=guide, now=T0)
        with pytest.raises(DomainError, match="Choose a register"):
            registration.record_status(session, ann, status="preparing", register="xyz", guide=guide, now=T0)
        info = registration.record_status(session, ann, status="preparing", register="rscitech", guide=guide, now=T0)
        assert (info.status, info.register, info.suggested, info.years) == ("preparing", "rscitech", "rscitech", 6)
        assert registration.status_label(session, ann.member_id, guide) == "Preparing: RSciTech"
        registration.record_status(session, ann, status="not_started", register=None, guide=guide, now=T0)
        assert registration.status_label(session, ann.member_id, guide) is None


def test_uptake_by_status_and_department_for_organisers_only(db: Database):
    guide = load_guide()
    with db.transaction() as session:
        people = [actor(session, "U0A", department="Chemistry"), actor(session, "U0B", department="Chemistry"),
                  actor(session, "U0C", department="Engineering"), actor(session, "U0D"),
                  actor(session, "U0E", department="Engineering")]
        organiser = actor(session, "U0ORG", department="Physics", organiser=True)
        for person, status, register in ((people[0], "registered", "rscitech"), (people[1], "preparing", "rsci"),
                                         (people[2], "registered", "engtech"), (people[3], "submitted", "rscitech"),
                                         (people[4], "registered", "engtech")):
            registration.record_status(session, person, status=status, register=register, guide=guide, now=T0)
        left = actor(session, "U0GONE", department="Chemistry")
        registration.record_status(session, left, status="registered", register="csci", guide=guide, now=T0)
        get_member(session, slack_identity("U0GONE")).deactivated = True
    with db.reading() as session:
        with pytest.raises(PermissionDenied):
            registration.uptake(session, people[0], guide, min_group=5)
        # The arithmetic, with no group too small to show (a threshold of 1).
        u = registration.uptake(session, organiser, guide, min_group=1)
    assert u.members.value == 6 and (u.registered.value, u.in_progress.value) == (3, 2)
    assert values(u.by_status) == {"Not started": 0, "Preparing": 1, "Submitted": 1, "Registered": 3,
                                   "Not recorded": 1}
    assert {d: values(c) for d, c in u.by_department.items()} == {
        "Chemistry": {"Preparing": 1, "Registered": 1}, "Engineering": {"Registered": 2},
        "Physics": {"Not recorded": 1}, "(no department)": {"Submitted": 1}}
    assert {r: values(c) for r, c in u.by_register.items()} == {
        "EngTech": {"Registered": 2}, "RSci": {"Preparing": 1}, "RSciTech": {"Registered": 1, "Submitted": 1}}
    # With the network's threshold of 5: every group here is smaller, and so is every department.
    with db.reading() as session:
        u = registration.uptake(session, organiser, guide, min_group=5)
    assert u.members.text == "6" and {s.text for s in u.by_status.values()} == {"0", "fewer than 5"}
    assert (u.registered.text, u.registered_share.exact, u.in_progress.text) == ("fewer than 5", False, "fewer than 5")
    assert list(u.by_department) == ["(departments of fewer than 5 members)"]


def values(cells: dict[str, Shown]) -> dict[str, float | None]:
    return {name: shown.value for name, shown in cells.items()}


def test_a_department_of_one_is_never_shown_and_no_small_group_can_be_worked_out(db: Database):
    guide = load_guide()
    with db.transaction() as session:
        organiser = actor(session, "U0ORG", department="Chemistry", organiser=True)
        chemists = [actor(session, f"U0CHEM{i}", department="Chemistry") for i in range(8)]
        physicist = actor(session, "U0PHYS", department="Physics")
        for person in chemists[:6]:
            registration.record_status(session, person, status="registered", register="rscitech", guide=guide,
                                       now=T0)
        registration.record_status(session, chemists[6], status="preparing", register="rsci", guide=guide, now=T0)
        registration.record_status(session, physicist, status="registered", register="rscitech", guide=guide, now=T0)
    with db.reading() as session:
        u = registration.uptake(session, organiser, guide, min_group=5)
    # Physics has one member: not "Physics: Registered 1", nor found as 7 registered minus Chemistry's 6.
    assert "Physics" not in u.by_department
    chemistry = u.by_department["Chemistry"]
    assert chemistry["Registered"].text == "withheld" and chemistry["Preparing"].text == "fewer than 5"
    assert u.by_status["Registered"].text == "7"
    assert u.by_department["(departments of fewer than 5 members)"]["Registered"].text == "fewer than 5"
