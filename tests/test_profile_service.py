"""Profiles and the directory as services: a real database (SQLite and PostgreSQL), no Slack."""

import csv
import io
from datetime import datetime, UTC

import pytest
from sqlalchemy import func, inspect, select

from bot.slack_refs import member_details, role_grants, slack_identity
from storage import profiles
from storage.db import Database
from storage.errors import DomainError, NotFound, PermissionDenied
from storage.members import Actor, actor_for, upsert_member
from storage.models import Member
from storage.models.profiles import PUBLIC_FIELDS, ProfileTag
from storage.profiles import InvalidProfile, NotListed, ProfileChanges

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def person(db: Database, user_id: str, name: str, *, title: str = "", deleted: bool = False,
           bot: bool = False, organiser: bool = False) -> Actor:
    user = {"id": user_id, "name": name.lower(), "real_name": name, "tz": "Europe/London", "deleted": deleted,
            "is_bot": bot, "profile": {"display_name": name, "real_name": name, "title": title}}
    with db.transaction() as session:
        member = upsert_member(session, slack_identity(user_id), member_details(user), now=NOW)
        grants = role_grants(organisers=frozenset({user_id}) if organiser else frozenset())
        return actor_for(session, member, grants)


def save(db: Database, actor: Actor, **fields) -> None:
    values = {"fte": "1", "listed": True, **fields}
    with db.transaction() as session:
        profiles.save_profile(session, actor, ProfileChanges(**values), now=NOW)


def found(db: Database, text: str) -> list[str]:
    with db.reading() as session:
        return [hit.name for hit in profiles.search(session, text).hits]


def refused(db: Database, actor: Actor, **fields) -> dict[str, str]:
    with pytest.raises(InvalidProfile) as caught:
        save(db, actor, **fields)
    return caught.value.errors


# Saving -------------------------------------------------------------------------------

def test_fte_department_and_title_are_written_to_the_member_and_nowhere_else(db: Database):
    ann = person(db, "U0ANN", "Ann", title="Technician")
    save(db, ann, job_title="  Senior   Technician ", department_choice="Chemistry", fte="0.6")
    with db.reading() as session:
        member = session.get_one(Member, ann.member_id)
        assert (member.job_title, member.department, member.fte) == ("Senior Technician", "Chemistry", 0.6)
    columns = {c["name"] for c in inspect(db.engine).get_columns("profiles")}
    assert not columns & {"fte", "department", "job_title"}


@pytest.mark.parametrize("fte", ["0", "-0.5", "1.01", "2", "abc", "", "nan", "inf", "-0", "1e400"])
def test_fte_outside_zero_to_one_is_refused_on_its_field(db: Database, fte: str):
    ann = person(db, "U0ANN", "Ann")
    errors = refused(db, ann, fte=fte)
    assert set(errors) == {"fte"}
    assert "more than 0 and at most 1" in errors["fte"]
    with db.reading() as session:
        assert session.get_one(Member, ann.member_id).fte == 1.0
        assert profiles.find_profile(session, ann.member_id) is None


@pytest.mark.parametrize(("fte", "stored"), [("1", 1.0), ("0.6", 0.6), ("60%", 0.6), ("0,5", 0.5), (".25", 0.25)])
def test_fte_inside_zero_to_one_is_kept(db: Database, fte: str, stored: float):
    ann = person(db, "U0ANN", "Ann")
    save(db, ann, fte=fte)
    with db.reading() as session:
        assert session.get_one(Member, ann.member_id).fte == stored


def test_other_department_needs_its_name_and_then_is_the_department(db: Database):
    ann = person(db, "U0ANN", "Ann")
    errors = refused(db, ann, department_choice=profiles.OTHER_DEPARTMENT, department_other="  ")
    assert set(errors) == {"department_other"}
    save(db, ann, department_choice=profiles.OTHER_DEPARTMENT, department_other="Dental  School")
    with db.reading() as session:
        assert session.get_one(Member, ann.member_id).department == "Dental School"


def test_every_wrong_field_is_reported_at_once(db: Database):
    ann = person(db, "U0ANN", "Ann")
    errors = refused(db, ann, fte="3", bio="x" * (profiles.BIO_LIMIT + 1), skills=[f"s{i}" for i in range(60)],
                     equipment=["y" * 61])
    assert set(errors) == {"fte", "bio", "skills", "equipment"}


def test_hplc_and_hplc_are_one_tag_spelt_as_first_written(db: Database):
    ann, bob = person(db, "U0ANN", "Ann"), person(db, "U0BOB", "Bob")
    save(db, ann, skills=["HPLC", " hplc ", "ＨＰＬＣ", "Mass  spectrometry"])
    save(db, bob, skills=["hplc"])
    with db.reading() as session:
        labels = session.scalars(select(ProfileTag.label).order_by(ProfileTag.label)).all()
        assert labels == ["HPLC", "Mass spectrometry"]
        assert profiles.card_for(session, ann, "U0BOB").skills == ("HPLC",)


def test_two_hundred_tags_are_refused_with_a_reason_and_fifty_are_kept(db: Database):
    ann = person(db, "U0ANN", "Ann")
    errors = refused(db, ann, skills=[f"technique {i}" for i in range(200)])
    assert "200 skills" in errors["skills"] and str(profiles.MAX_TAGS) in errors["skills"]
    save(db, ann, skills=[f"technique {i}" for i in range(profiles.MAX_TAGS)])
    with db.reading() as session:
        assert len(profiles.card_for(session, ann, "U0ANN").skills) == profiles.MAX_TAGS


def test_tags_keep_emoji_markup_and_mentions_as_written(db: Database):
    ann = person(db, "U0ANN", "Ann")
    odd = ["🔬 microscopy", ":microscope: imaging", "*bold* claims", "<@U123> fan", "<!channel>", "a`b"]
    save(db, ann, skills=odd)
    with db.reading() as session:
        assert profiles.card_for(session, ann, "U0ANN").skills == tuple(odd)
    assert found(db, "🔬") == ["Ann"]


def test_resaving_reorders_removes_and_adds_tags(db: Database):
    ann = person(db, "U0ANN", "Ann")
    save(db, ann, skills=["A", "B", "C"], equipment=["B"])
    save(db, ann, skills=["C", "a", "D"], equipment=[])
    with db.reading() as session:
        card = profiles.card_for(session, ann, "U0ANN")
        assert (card.skills, card.equipment) == (("C", "A", "D"), ())


# Finding ------------------------------------------------------------------------------

def test_search_ranks_whole_tags_above_parts_and_skills_above_equipment_and_bio(db: Database):
    people = {name: person(db, f"U0{name.upper()}", name) for name in ("Ann", "Bob", "Cat", "Dee", "Eve")}
    save(db, people["Ann"], skills=["HPLC method development"])
    save(db, people["Bob"], skills=["HPLC"])
    save(db, people["Cat"], equipment=["HPLC"])
    save(db, people["Dee"], bio="I sometimes help with the HPLC.")
    save(db, people["Eve"], skills=["Welding"])
    assert found(db, "hplc") == ["Bob", "Cat", "Ann", "Dee"]


def test_search_prefers_members_matching_more_of_the_words(db: Database):
    ann, bob = person(db, "U0ANN", "Ann"), person(db, "U0BOB", "Bob")
    save(db, ann, skills=["Confocal microscopy"])
    save(db, bob, skills=["Microscopy"], equipment=["Zeiss confocal"])
    assert found(db, "who knows confocal microscopy") == ["Ann", "Bob"]
    assert found(db, "zeiss confocal") == ["Bob", "Ann"]


def test_search_treats_wildcards_literally(db: Database):
    ann, bob = person(db, "U0ANN", "Ann"), person(db, "U0BOB", "Bob")
    save(db, ann, skills=["100% uptime"])
    save(db, bob, skills=["HPLC"])
    assert found(db, "%") == ["Ann"]
    assert found(db, "_") == []


@pytest.mark.parametrize("text", ["", "   ", "the and of", "x" * 201])
def test_search_needs_a_word_and_a_sensible_length(db: Database, text: str):
    with db.reading() as session, pytest.raises(DomainError):
        profiles.search(session, text)


def test_only_listed_reachable_people_and_only_shown_fields_are_found(db: Database):
    ann, bob = person(db, "U0ANN", "Ann"), person(db, "U0BOB", "Bob")
    gone = person(db, "U0GONE", "Gone")
    robot = person(db, "U0BOT", "Robot", bot=True)
    save(db, ann, skills=["NMR"], listed=True)
    save(db, bob, skills=["NMR"], listed=False)
    save(db, gone, skills=["NMR"])
    save(db, robot, skills=["NMR"])
    with db.transaction() as session:
        profiles.refresh_member(session, slack_identity("U0GONE"), member_details({"id": "U0GONE", "name": "gone",
                                                                                   "deleted": True,
                                                        "profile": {"real_name": "Gone"}}), now=NOW)
    assert found(db, "nmr") == ["Ann"]
    save(db, ann, skills=["NMR"], bio="NMR is my life", public_fields=["bio"])
    assert found(db, "nmr") == ["Ann"]
    save(db, ann, skills=["NMR"], bio="Other things", public_fields=["job_title"])
    assert found(db, "nmr") == []


def test_a_slack_change_for_someone_unknown_creates_nobody(db: Database):
    with db.transaction() as session:
        gone = member_details({"id": "U0NEW", "deleted": True})
        assert profiles.refresh_member(session, slack_identity("U0NEW"), gone, now=NOW) is None
        assert session.scalar(select(func.count()).select_from(Member)) == 0


# Cards --------------------------------------------------------------------------------

def test_a_card_shows_only_what_its_owner_chose(db: Database):
    ann, bob = person(db, "U0ANN", "Ann", title="Technician"), person(db, "U0BOB", "Bob")
    save(db, ann, job_title="Technician", department_choice="Physics", skills=["Vacuum"], bio="Hi",
         public_fields=["skills"])
    with db.reading() as session:
        card = profiles.card_for(session, bob, "U0ANN")
    assert (card.name, card.skills, card.job_title, card.department, card.bio) == ("Ann", ("Vacuum",), None, None, None)
    assert not card.own and not card.shows_registration


def test_a_colleague_not_listed_is_politely_refused_but_sees_their_own(db: Database):
    ann, bob = person(db, "U0ANN", "Ann"), person(db, "U0BOB", "Bob")
    save(db, ann, listed=False, skills=["NMR"])
    with db.reading() as session:
        with pytest.raises(NotListed, match="has not chosen to share"):
            profiles.card_for(session, bob, "U0ANN")
        own = profiles.card_for(session, ann, "U0ANN")
        assert own.own and not own.listed and own.skills == ("NMR",)
        with pytest.raises(NotFound):
            profiles.card_for(session, bob, "U0NOBODY")


@pytest.mark.parametrize("text", ["<@U0ANN>", "<@U0ANN|ann>", "@Ann", "ann", "  Ann  ", "U0ANN"])
def test_a_colleague_is_named_by_mention_or_name(db: Database, text: str):
    person(db, "U0ANN", "Ann")
    with db.reading() as session:
        assert profiles.resolve_colleague(session, text) == "U0ANN"


def test_an_unknown_or_ambiguous_name_is_explained(db: Database):
    person(db, "U0ANN", "Ann")
    person(db, "U0ANN2", "Ann")
    with db.reading() as session:
        with pytest.raises(DomainError, match="More than one"):
            profiles.resolve_colleague(session, "Ann")
        with pytest.raises(NotFound, match="couldn't find"):
            profiles.resolve_colleague(session, "Zed")


# Export, spotlight, figures -----------------------------------------------------------

def test_export_is_for_organisers_and_holds_only_the_listed(db: Database):
    org = person(db, "U0ORG", "Org", organiser=True)
    ann, bob, cat = person(db, "U0ANN", "Ann"), person(db, "U0BOB", "Bob"), person(db, "U0CAT", "Cat")
    save(db, ann, department_choice="Chemistry", skills=["=HYPERLINK(\"x\")", "HPLC"], fte="0.5")
    save(db, bob, department_choice="Chemistry", skills=["hplc"], public_fields=["skills", "department"])
    save(db, cat, department_choice="Physics", skills=["HPLC"], listed=False)
    with db.reading() as session:
        with pytest.raises(PermissionDenied):
            profiles.export_directory(session, ann)
        export = profiles.export_directory(session, org)
    rows = list(csv.DictReader(io.StringIO(export.directory_csv)))
    assert [r["name"] for r in rows] == ["Ann", "Bob"] and export.members == 2
    # A spreadsheet would run a cell starting with =; the export defuses it.
    assert rows[0]["skills"] == "'=HYPERLINK(\"x\"); HPLC"
    assert "fte" not in rows[0]
    counts = list(csv.DictReader(io.StringIO(export.skills_by_department_csv)))
    assert {(r["department"], r["skill"], r["members"]) for r in counts} == {
        ("Chemistry", "HPLC", "2"), ("Chemistry", "'=HYPERLINK(\"x\")", "1")}


def test_spotlight_needs_the_opt_in_and_the_listing(db: Database):
    ann, bob, cat = person(db, "U0ANN", "Ann"), person(db, "U0BOB", "Bob"), person(db, "U0CAT", "Cat")
    save(db, ann, spotlight_opt_in=True)
    save(db, bob, spotlight_opt_in=False)
    save(db, cat, spotlight_opt_in=True, listed=False)
    with db.reading() as session:
        assert [m.name for m in profiles.spotlight_candidates(session)] == ["Ann"]
    save(db, ann, spotlight_opt_in=True, listed=False)
    with db.reading() as session:
        assert profiles.spotlight_candidates(session) == []


def test_completeness_counts_what_is_filled_in(db: Database):
    ann = person(db, "U0ANN", "Ann", title="Technician")
    with db.reading() as session:
        fresh = profiles.completeness(session, ann.member_id)
    assert fresh.done == ("job title",) and not fresh.saved and fresh.percent == 17
    save(db, ann, job_title="Technician", department_choice="Physics", skills=["x"], equipment=["y"], bio="z")
    with db.reading() as session:
        full = profiles.completeness(session, ann.member_id)
    assert full.percent == 100 and full.missing == () and full.listed


def test_directory_figures_are_for_organisers(db: Database):
    org = person(db, "U0ORG", "Org", organiser=True)
    ann, bob, cat = person(db, "U0ANN", "Ann"), person(db, "U0BOB", "Bob"), person(db, "U0CAT", "Cat")
    person(db, "U0BOT", "Robot", bot=True)
    save(db, ann, skills=["HPLC", "NMR"], spotlight_opt_in=True)
    save(db, bob, skills=["HPLC"])
    save(db, cat, skills=["Welding"], listed=False)
    with db.reading() as session:
        with pytest.raises(PermissionDenied):
            profiles.headline_figures(session, ann, min_group=5)
        # The arithmetic, with no group too small to show (a threshold of 1).
        figures = profiles.headline_figures(session, org, min_group=1)
        small = profiles.headline_figures(session, org, min_group=5)
    assert [s.value for s in (figures.members, figures.profiles_saved, figures.listed, figures.spotlight)] == [
        4, 3, 2, 1]
    assert [(label, s.value) for label, s in figures.top_skills] == [("HPLC", 2), ("NMR", 1)]
    # With the network's threshold of 5: Ann alone is open to the spotlight, among four members.
    assert {s.text for s in (small.members, small.profiles_saved, small.listed, small.spotlight)} == {
        "fewer than 5"}
    assert [s.text for _, s in small.top_skills] == ["fewer than 5", "fewer than 5"]


def test_suggestions_offer_what_was_typed_then_the_most_used(db: Database):
    ann, bob = person(db, "U0ANN", "Ann"), person(db, "U0BOB", "Bob")
    save(db, ann, skills=["HPLC", "UHPLC"])
    save(db, bob, skills=["HPLC"])
    with db.reading() as session:
        assert profiles.suggest_tags(session, profiles.SKILL, "hplc") == ["HPLC", "UHPLC"]
        assert profiles.suggest_tags(session, profiles.SKILL, "  hp") == ["hp", "HPLC", "UHPLC"]
        assert profiles.suggest_tags(session, profiles.SKILL, "x" * 80) == ["x" * profiles.MAX_TAG_LENGTH]
        assert profiles.suggest_tags(session, profiles.SKILL, "%") == ["%"]


def test_welcome_is_claimed_once_and_can_be_released(db: Database):
    ann = person(db, "U0ANN", "Ann")
    with db.transaction() as session:
        assert profiles.claim_welcome(session, ann.member_id, "C0NET", surface="slack", now=NOW)
        assert not profiles.claim_welcome(session, ann.member_id, "C0NET", surface="slack", now=NOW)
        profiles.release_welcome(session, ann.member_id)
        assert profiles.claim_welcome(session, ann.member_id, "C0NET", surface="slack", now=NOW)


def test_public_fields_default_to_all(db: Database):
    ann = person(db, "U0ANN", "Ann")
    with db.transaction() as session:
        profile = profiles.ensure_profile(session, session.get_one(Member, ann.member_id), now=NOW)
        assert profile.public_fields == list(PUBLIC_FIELDS) and not profile.listed


def test_the_same_first_save_twice_at_once_keeps_one_profile(db: Database):
    import threading

    ann = person(db, "U0ANN", "Ann")
    start, errors = threading.Barrier(2), []

    def submit() -> None:
        start.wait()
        try:
            save(db, ann, skills=["HPLC", "NMR"])
        except Exception as e:  # recorded and asserted on below
            errors.append(e)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    with db.reading() as session:
        assert profiles.card_for(session, ann, "U0ANN").skills == ("HPLC", "NMR")
        assert session.scalar(select(func.count()).select_from(ProfileTag)) == 2


def test_tags_nobody_uses_any_more_are_not_suggested(db: Database):
    ann = person(db, "U0ANN", "Ann")
    save(db, ann, skills=["Old technique"], equipment=["Centrifuge"])
    save(db, ann, skills=[], equipment=["Centrifuge"])
    with db.reading() as session:
        assert profiles.suggest_tags(session, profiles.SKILL, "old") == ["old"]
        assert profiles.suggest_tags(session, profiles.SKILL, "centri") == ["centri", "Centrifuge"]
