"""The CPD record's rules (storage/cpd/) on a real database, SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, UTC
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.config import ConfigError, Settings
from bot.slack_refs import role_grants, slack_identity
from storage import cpd
from storage.clock import now
from storage.cpd import CpdDraft, CpdRules, EntryForm
from storage.db import Database
from storage.errors import DomainError, NotFound, PermissionDenied
from storage.members import Actor, actor_for, ensure_member, get_member
from storage.models.careers import CpdEntry
from storage.privacy import State

RULES = CpdRules()
TODAY = date(2025, 3, 14)


def member(db: Database, user_id: str, *, fte: float = 1.0, organiser: bool = False) -> Actor:
    with db.transaction() as session:
        row = ensure_member(session, slack_identity(user_id), fallback_name=user_id, now=now())
        row.fte = fte
        grants = role_grants(organisers=frozenset({user_id}) if organiser else frozenset())
        return actor_for(session, row, grants)


def log(db: Database, actor: Actor, *, today: date = TODAY, rules: CpdRules = RULES, **fields: Any) -> cpd.EntryInfo:
    values: dict[str, Any] = dict(done_on=today, activity="HPLC course", category="course", amount="3",
                                  unit=cpd.HOURS)
    values.update(fields)
    with db.transaction() as session:
        return cpd.log_entry(session, actor, EntryForm(**values), rules=rules, today=today, now=now())


def refused(db: Database, actor: Actor, **fields: Any) -> dict[str, str]:
    with pytest.raises(cpd.InvalidEntry) as caught:
        log(db, actor, **fields)
    return caught.value.errors


def entry_count(db: Database) -> int:
    with db.reading() as session:
        return session.execute(select(func.count()).select_from(CpdEntry)).scalar_one()


# Time: zero, negative, too much, in the future --------------------------------------------

def test_zero_time_is_refused(db: Database):
    actor = member(db, "U0CPD00001")
    assert "more than nothing" in refused(db, actor, amount="0")["amount"]
    assert "more than nothing" in refused(db, actor, amount="0.001")["amount"]
    assert entry_count(db) == 0


def test_negative_time_is_refused(db: Database):
    actor = member(db, "U0CPD00001")
    assert "can't be negative" in refused(db, actor, amount="-2")["amount"]
    assert "can't be negative" in refused(db, actor, amount="-0.5", unit=cpd.DAYS)["amount"]
    assert entry_count(db) == 0


def test_more_than_ten_days_in_one_entry_is_refused(db: Database):
    actor = member(db, "U0CPD00001")
    assert "at most 10 days (75 hours)" in refused(db, actor, amount="10.5", unit=cpd.DAYS)["amount"]
    assert "at most 10 days" in refused(db, actor, amount="76", unit=cpd.HOURS)["amount"]
    # Exactly ten days is one entry's most, and allowed.
    assert log(db, actor, amount="10", unit=cpd.DAYS).minutes == 10 * 450
    assert log(db, actor, amount="75", unit=cpd.HOURS).minutes == 75 * 60


def test_a_date_in_the_future_is_refused(db: Database):
    actor = member(db, "U0CPD00001")
    errors = refused(db, actor, done_on=date(2025, 3, 15))
    assert errors["done_on"] == "That date is in the future: log CPD once you have done it."
    assert log(db, actor, done_on=TODAY).done_on == TODAY


def test_every_bad_field_is_named_at_once(db: Database):
    actor = member(db, "U0CPD00001")
    errors = refused(db, actor, done_on=None, activity="  ", category="knitting", amount="lots",
                     link="javascript:alert(1)", unit="weeks")
    # An unknown unit is named first: the amount cannot be read without it.
    assert set(errors) == {"done_on", "activity", "category", "unit", "link"}
    assert "Choose hours or days" in errors["unit"]
    assert "not a number" in refused(db, actor, amount="lots")["amount"]
    assert "as a number" in refused(db, actor, amount="nan")["amount"]
    assert "too long ago" in refused(db, actor, done_on=date(1999, 12, 31))["done_on"]


def test_time_is_kept_in_minutes_and_shown_as_given(db: Database):
    actor = member(db, "U0CPD00001")
    days = log(db, actor, amount="1.5", unit=cpd.DAYS)
    hours = log(db, actor, amount="2,5", unit=cpd.HOURS)
    assert (days.minutes, days.amount_text(RULES)) == (675, "1.5 days")
    assert (hours.minutes, hours.amount_text(RULES)) == (150, "2.5 hours")
    # A seven-hour day (a setting) makes the same day shorter.
    seven = log(db, actor, amount="1", unit=cpd.DAYS, rules=CpdRules(day_hours=7))
    assert seven.minutes == 420 and seven.amount_text(CpdRules(day_hours=7)) == "1 day"


# FTE ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fte", [0, 0.0, -0.5, 1.01, 2, float("nan"), float("inf"), None])
def test_an_fte_of_zero_or_above_one_is_refused(fte):
    with pytest.raises(DomainError) as caught:
        cpd.target_days(fte)
    assert caught.value.field == "fte" and "more than 0 and at most 1" in caught.value.message


@pytest.mark.parametrize(("fte", "days"), [(1, 10), (1.0, 10), (0.6, 6), (0.5, 5), (0.2, 2)])
def test_the_target_is_pro_rata_to_fte(fte, days):
    assert cpd.target_days(fte) == pytest.approx(days)


def test_progress_of_a_member_with_an_impossible_fte_is_refused(db: Database):
    for fte in (0.0, 1.5):
        actor = member(db, f"U0FTE{int(fte * 10):05d}", fte=fte)
        with db.reading() as session, pytest.raises(DomainError, match="more than 0 and at most 1"):
            cpd.progress(session, actor.member_id, rules=RULES, today=TODAY)


# The development year ---------------------------------------------------------------------------

def test_31_july_and_1_august_fall_in_different_development_years():
    july, august = cpd.development_year(date(2025, 7, 31)), cpd.development_year(date(2025, 8, 1))
    assert (july.start, july.end, july.label) == (date(2024, 8, 1), date(2025, 8, 1), "2024–25")
    assert (august.start, august.end, august.label) == (date(2025, 8, 1), date(2026, 8, 1), "2025–26")
    assert july.contains(date(2025, 7, 31)) and not july.contains(date(2025, 8, 1))
    # The start month is a setting: April, or a calendar year.
    assert cpd.development_year(date(2025, 3, 31), 4).label == "2024–25"
    assert cpd.development_year(date(2025, 4, 1), 4).label == "2025–26"
    assert cpd.development_year(date(2025, 12, 31), 1).label == "2025"


def test_entries_on_31_july_and_1_august_count_in_their_own_years(db: Database):
    actor = member(db, "U0CPD00001", fte=0.6)
    with freeze_time("2025-07-31 16:00:00"):
        today = now().date()
        log(db, actor, today=today, done_on=date(2025, 7, 31), amount="3", unit=cpd.DAYS, activity="July course")
        with db.reading() as session:
            july = cpd.progress(session, actor.member_id, rules=RULES, today=today)
        # 1 August is tomorrow: not yet.
        assert "done_on" in refused(db, actor, today=today, done_on=date(2025, 8, 1))
    with freeze_time("2025-08-01 09:00:00"):
        today = now().date()
        log(db, actor, today=today, done_on=date(2025, 8, 1), amount="1", unit=cpd.DAYS, activity="August course")
        with db.reading() as session:
            august = cpd.progress(session, actor.member_id, rules=RULES, today=today)
    assert july.year.label == "2024–25" and august.year.label == "2025–26"
    assert [e.activity for e in july.entries] == ["July course"]
    assert [e.activity for e in august.entries] == ["August course"]
    assert (july.logged_days, july.target_days) == (pytest.approx(3), pytest.approx(6))
    assert (august.logged_days, august.target_days) == (pytest.approx(1), pytest.approx(6))


def test_pro_rata_figures_across_the_year_boundary(db: Database):
    """FTE 0.6: a 6-day target; by 31 July all of it is expected, on 1 August a day's share of a new year."""
    actor = member(db, "U0CPD00001", fte=0.6)
    log(db, actor, today=date(2025, 7, 31), done_on=date(2025, 7, 31), amount="3", unit=cpd.DAYS)
    with db.reading() as session:
        last_day = cpd.progress(session, actor.member_id, rules=RULES, today=date(2025, 7, 31))
        first_day = cpd.progress(session, actor.member_id, rules=RULES, today=date(2025, 8, 1))
        middle = cpd.progress(session, actor.member_id, rules=RULES, today=date(2026, 1, 31))
    assert last_day.expected_days == pytest.approx(6.0)
    assert (last_day.percent, last_day.on_track, last_day.remaining_days) == (50, False, pytest.approx(3))
    assert first_day.logged_days == 0 and first_day.expected_days == pytest.approx(6 / 365)
    assert first_day.entry_count == 0 and not first_day.on_track
    # 1 Aug 2025 to 31 Jan 2026 is 184 of the year's 365 days.
    assert middle.expected_days == pytest.approx(6 * 184 / 365)


def test_a_leap_year_has_366_days_in_the_pace():
    year = cpd.development_year(date(2024, 2, 29))
    assert year.length_days == 366 and year.elapsed(date(2024, 7, 31)) == 1.0
    assert year.elapsed(date(2023, 8, 1)) == pytest.approx(1 / 366)


# Once only, and only your own ------------------------------------------------------------------

def test_the_same_submission_saves_one_entry(db: Database):
    actor = member(db, "U0CPD00001")
    form = EntryForm(done_on=TODAY, activity="Workshop", category="workshop", amount="2", unit=cpd.HOURS)
    with db.transaction() as session:
        first = cpd.log_entry(session, actor, form, rules=RULES, today=TODAY, now=now(), submission_id="V0001")
    with db.transaction() as session:
        second = cpd.log_entry(session, actor, form, rules=RULES, today=TODAY, now=now(), submission_id="V0001")
    assert first.id == second.id and entry_count(db) == 1


def test_a_prompted_entry_is_logged_once(db: Database):
    actor = member(db, "U0CPD00001")
    form = EntryForm(done_on=TODAY, activity="Network meeting", category="network_event", amount="2")
    with db.transaction() as session:
        cpd.log_entry(session, actor, form, rules=RULES, today=TODAY, now=now(), source=cpd.EVENT, source_ref="event:7")
        assert cpd.already_logged(session, actor.member_id, cpd.EVENT, "event:7")
    with db.transaction() as session, pytest.raises(DomainError, match="already"):
        cpd.log_entry(session, actor, form, rules=RULES, today=TODAY, now=now(), source=cpd.EVENT,
                      source_ref="event:7")
    # Another member may log the same event.
    other = member(db, "U0CPD00002")
    with db.transaction() as session:
        cpd.log_entry(session, other, form, rules=RULES, today=TODAY, now=now(), source=cpd.EVENT, source_ref="event:7")
    assert entry_count(db) == 2


def test_members_delete_only_their_own_entries(db: Database):
    mine, theirs = member(db, "U0CPD00001"), member(db, "U0CPD00002", organiser=True)
    entry = log(db, mine)
    with db.transaction() as session, pytest.raises(NotFound):
        cpd.delete_entry(session, theirs, entry.id)
    with db.transaction() as session:
        assert cpd.delete_entry(session, mine, entry.id).activity == "HPLC course"
    with db.transaction() as session, pytest.raises(NotFound):
        cpd.delete_entry(session, mine, entry.id)
    assert entry_count(db) == 0


# Export -------------------------------------------------------------------------------------------

def test_the_export_is_this_years_record_and_formula_safe(db: Database):
    actor = member(db, "U0CPD00001")
    log(db, actor, done_on=date(2024, 7, 30), activity="Last year's course")
    log(db, actor, done_on=date(2025, 1, 10), activity="=HYPERLINK(\"http://evil.example\",\"x\")",
        note="+44 01234 567890", amount="1.5", unit=cpd.DAYS)
    log(db, actor, done_on=date(2024, 9, 2), activity="@SUM(A1)", note="-1", link="https://example.ac.uk/notes")
    with db.reading() as session:
        filename, data, count = cpd.export_csv(session, actor, rules=RULES, today=TODAY)
        _, everything, total = cpd.export_csv(session, actor, rules=RULES, today=TODAY, whole_record=True)
    assert filename == "cpd-2024-25-u0cpd00001.csv" and count == 2 and total == 3
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(cpd.EXPORT_COLUMNS)
    assert rows[1] == ["2024-09-02", "'@SUM(A1)", "Training course", "3", "0.4", "'-1", "https://example.ac.uk/notes",
                       "manual"]
    assert rows[2][:6] == ["2025-01-10", "'=HYPERLINK(\"http://evil.example\",\"x\")", "Training course", "11.25",
                           "1.5", "'+44 01234 567890"]
    assert "Last year's course" in everything.decode("utf-8-sig") and "Last year" not in data.decode("utf-8-sig")


# Organisers' aggregates -------------------------------------------------------------------------

def test_the_summary_is_for_organisers_and_shows_only_aggregates(db: Database):
    organiser = member(db, "U0ORGANISE", organiser=True)
    full, part = member(db, "U0CPD00001"), member(db, "U0CPD00002", fte=0.5)
    member(db, "U0CPD00003")  # logs nothing: one of the members, not one of those who logged
    with pytest.raises(PermissionDenied), db.reading() as session:
        cpd.summary(session, full, rules=RULES, today=TODAY, min_group=5)
    # 14 March is 226 days into a 365-day year: FTE 1 expects 6.19 days, FTE 0.5 expects 3.1.
    log(db, full, amount="4", unit=cpd.DAYS)
    log(db, part, amount="3.5", unit=cpd.DAYS)
    log(db, part, amount="7.5", unit=cpd.HOURS, done_on=date(2024, 7, 1))  # last year: does not count
    # The arithmetic, with no group too small to show (a threshold of 1).
    with db.reading() as session:
        summary = cpd.summary(session, organiser, rules=RULES, today=TODAY, min_group=1)
    assert (summary.members.value, summary.logged.value, summary.median_days.value) == (4, 2, pytest.approx(3.75))
    assert (summary.on_track.value, summary.fte_to_check.value, summary.on_track_share.value) == (
        1, 0, pytest.approx(0.25))
    # Counts and a median, nothing about any one member.
    assert set(vars(summary)) == {"year", "members", "logged", "logged_share", "median_days", "on_track",
                                  "on_track_share", "fte_to_check"}
    # With the network's threshold of 5, four members and two who logged are small groups.
    with db.reading() as session:
        summary = cpd.summary(session, organiser, rules=RULES, today=TODAY, min_group=5)
    assert [summary.members.text, summary.logged.text, summary.median_days.text] == [
        "fewer than 5", "fewer than 5", "withheld"]


def test_the_summary_leaves_out_bots_the_deactivated_and_impossible_ftes(db: Database):
    organiser = member(db, "U0ORGANISE", organiser=True)
    member(db, "U0BOTBOT01")
    member(db, "U0LEFT0001")
    member(db, "U0BADFTE01", fte=0.0)
    with db.transaction() as session:
        get_member(session, slack_identity("U0BOTBOT01")).is_bot = True
        get_member(session, slack_identity("U0LEFT0001")).deactivated = True
    with db.reading() as session:
        summary = cpd.summary(session, organiser, rules=RULES, today=date(2025, 8, 1), min_group=1)
    assert (summary.members.value, summary.logged.value, summary.median_days.state) == (2, 0, State.NONE)
    assert (summary.fte_to_check.value, summary.on_track.value) == (1, 0)
    assert summary.on_track_share.value == 0


def test_one_members_total_is_never_shown_as_a_median_or_a_share(db: Database):
    organiser = member(db, "U0ORGANISE", organiser=True)
    others = [member(db, f"U0CPD0000{i}") for i in range(1, 7)]
    log(db, others[0], amount="9", unit=cpd.DAYS)
    with db.reading() as session:
        one = cpd.summary(session, organiser, rules=RULES, today=TODAY, min_group=5)
    # Seven members, one who logged: not that member's 9 days as a median, nor 1 in 7.
    assert one.members.text == "7"
    assert (one.logged.text, one.median_days.text, one.logged_share.exact) == ("fewer than 5", "withheld", False)
    # Six of seven logged: the one who did not would be shown by "6 of 7".
    for other in others[1:]:
        log(db, other, amount="2", unit=cpd.DAYS)
    with db.reading() as session:
        six = cpd.summary(session, organiser, rules=RULES, today=TODAY, min_group=5)
    assert (six.logged.text, six.logged_share.exact) == ("withheld", False)
    assert six.median_days.text == "2.0 days"
    # Five members whose FTE needs checking and two on the way: nothing gives the two away.
    for other in others[1:]:
        with db.transaction() as session:
            get_member(session, other.identity).fte = 2.0
    with db.reading() as session:
        checked = cpd.summary(session, organiser, rules=RULES, today=TODAY, min_group=5)
    assert checked.on_track_share.exact is False and not checked.on_track.exact


# Drafts and settings ---------------------------------------------------------------------------------

def test_a_draft_survives_a_button_value_and_chooses_days_or_hours():
    draft = CpdDraft.for_time("Network meeting: lab sustainability", "network_event", done_on=date(2025, 5, 1),
                              minutes=90, rules=RULES, source=cpd.EVENT, source_ref="event:3")
    assert (draft.amount, draft.unit) == (1.5, cpd.HOURS)
    assert CpdDraft.from_json(draft.to_json()) == draft
    whole_day = CpdDraft.for_time("Conference", "conference", done_on=date(2025, 5, 1), minutes=450, rules=RULES,
                                  source=cpd.EVENT, source_ref="event:4")
    assert (whole_day.amount, whole_day.unit) == (1, cpd.DAYS)
    assert len(draft.to_json()) < 2000
    assert CpdDraft.from_json("{not json") is None and CpdDraft.from_json('{"activity": "x"}') is None


def test_the_year_start_and_the_day_length_are_settings():
    settings = Settings.from_env({"TECHNET_CPD_YEAR_START_MONTH": "April", "TECHNET_CPD_DAY_HOURS": "7"})
    assert (settings.cpd_year_start_month, settings.cpd_day_hours) == (4, 7.0)
    assert (Settings.from_env({}).cpd_year_start_month, Settings.from_env({}).cpd_day_hours) == (8, 7.5)
    for name, value in (("TECHNET_CPD_YEAR_START_MONTH", "13"), ("TECHNET_CPD_YEAR_START_MONTH", "ju"),
                        ("TECHNET_CPD_DAY_HOURS", "0"), ("TECHNET_CPD_DAY_HOURS", "25"),
                        ("TECHNET_CPD_DAY_HOURS", "lots")):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: value})


def test_freezegun_controls_the_clock_the_services_use():
    with freeze_time(datetime(2025, 7, 31, 23, 30, tzinfo=UTC)):
        # 23:30 UTC on 31 July is already 1 August in London.
        assert cpd.development_year(now().astimezone(Settings().tz).date()).label == "2025–26"
