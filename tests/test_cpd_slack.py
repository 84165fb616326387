"""`/tech cpd` over signed HTTP against the served app and the Slack stand-in (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, UTC
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from bot.blocks import render_all
from bot.standin import SlackStandIn
from bot.slack_refs import member_details, slack_identity
from core import ids
from core.views.cpd import prompt_blocks
from storage import cpd
from storage.clock import now
from storage.cpd import CpdDraft, CpdRules
from storage.members import upsert_member
from storage.models import Member, MemberIdentity
from storage.models.careers import CpdEntry
from tests.harness import MEMBER, ORGANISER, OTHER, Harness, all_text, buttons, settings_for

T0 = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
GOOD = {
    ids.CPD_DONE_ON: "2025-03-12",
    ids.CPD_ACTIVITY: "HPLC troubleshooting course",
    ids.CPD_CATEGORY: "course",
    ids.CPD_AMOUNT: "1",
    ids.CPD_UNIT: cpd.DAYS,
    ids.CPD_NOTE: "Column care and pressure faults.",
    ids.CPD_LINK: None,
}


def known(technet: Harness, user: str, *, fte: float = 1.0) -> None:
    with technet.db.transaction() as session:
        member = upsert_member(session, slack_identity(user), member_details(technet.standin.state.users[user]),
                               now=now())
        member.fte = fte


def open_log(technet: Harness, user: str = MEMBER) -> dict[str, Any]:
    mark = technet.standin.mark()
    reply = technet.command(user, "cpd log")
    assert "Opening the CPD form" in reply.text
    assert [c.method for c in technet.standin.since(mark)].count("views.open") == 1
    view = technet.opened_view()
    assert view["callback_id"] == ids.CPD_MODAL
    return view


def log(technet: Harness, user: str = MEMBER, **changes: Any) -> dict[str, Any]:
    reply = technet.submit(user, open_log(technet, user), {**GOOD, **changes})
    assert reply.status == 200
    return reply.json()


def entries(technet: Harness) -> list[CpdEntry]:
    with technet.db.reading() as session:
        rows = session.scalars(select(CpdEntry).order_by(CpdEntry.id)).all()
        session.expunge_all()
        return list(rows)


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


# /tech cpd ---------------------------------------------------------------------------------------

def test_tech_cpd_alone_shows_progress_and_the_usage(technet: Harness):
    with freeze_time(T0):
        reply = technet.command(MEMBER, "cpd")
    assert reply.json()["response_type"] == "ephemeral"
    assert "Your CPD, 2024–25" in reply.text and "*0 of 10 days* (0%)" in reply.text
    assert "Nothing logged this development year yet" in reply.text
    assert "/tech cpd log" in reply.text and "/tech cpd export" in reply.text
    assert "/tech cpd summary" not in reply.text


def test_help_and_unknown_input(technet: Harness):
    assert "/tech cpd export" in technet.command(MEMBER, "cpd help").text
    assert "/tech cpd summary" in technet.command(ORGANISER, "cpd help").text
    unknown = technet.command(MEMBER, "cpd frobnicate <!here>")
    assert "I don't know `/tech cpd frobnicate &lt;!here&gt;`" in unknown.text and "/tech cpd log" in unknown.text


def test_logging_cpd_in_the_form(technet: Harness):
    with freeze_time(T0):
        view = open_log(technet)
        assert block(view, ids.CPD_DONE_ON)["element"]["initial_date"] == "2025-03-14"
        assert block(view, ids.CPD_UNIT)["element"]["initial_option"]["value"] == cpd.HOURS
        result = log(technet)
        shown = technet.command(MEMBER, "cpd")
    assert result["response_action"] == "update"
    assert "Logged *HPLC troubleshooting course*: 1 day on 12 March 2025" in all_text(result)
    assert "*1 of 10 days* (10%)" in all_text(result)
    [entry] = entries(technet)
    assert (entry.done_on, entry.minutes, entry.unit, entry.category) == (date(2025, 3, 12), 450, "days", "course")
    assert "HPLC troubleshooting course" in shown.text and "Training course · 1 day" in shown.text
    assert len(buttons(shown.json()["blocks"], ids.CPD_DELETE)) == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({ids.CPD_AMOUNT: "0"}, ids.CPD_AMOUNT, "more than nothing"),
    ({ids.CPD_AMOUNT: "-3"}, ids.CPD_AMOUNT, "can't be negative"),
    ({ids.CPD_AMOUNT: "11"}, ids.CPD_AMOUNT, "at most 10 days (75 hours)"),
    ({ids.CPD_AMOUNT: "80", ids.CPD_UNIT: cpd.HOURS}, ids.CPD_AMOUNT, "at most 10 days"),
    ({ids.CPD_DONE_ON: "2025-03-15"}, ids.CPD_DONE_ON, "in the future"),
    ({ids.CPD_ACTIVITY: ""}, ids.CPD_ACTIVITY, "Say what you did"),
    ({ids.CPD_CATEGORY: None}, ids.CPD_CATEGORY, "Choose a category"),
    ({ids.CPD_LINK: "javascript:alert(1)"}, ids.CPD_LINK, "https://"),
])
def test_the_form_refuses_bad_entries_by_the_field(technet: Harness, changes, field, message):
    with freeze_time(T0):
        result = log(technet, **changes)
    assert result["response_action"] == "errors"
    assert message in result["errors"][field]
    assert entries(technet) == []


def test_a_form_submitted_twice_saves_one_entry(technet: Harness):
    with freeze_time(T0):
        view = open_log(technet)
        technet.submit(MEMBER, view, GOOD)
        technet.submit(MEMBER, view, GOOD)
    assert len(entries(technet)) == 1


def test_pro_rata_figures_across_the_year_boundary(technet: Harness):
    """FTE 0.6 (a 6-day target): 31 July ends 2024–25, 1 August starts 2025–26 from nothing."""
    known(technet, MEMBER, fte=0.6)
    with freeze_time("2025-07-31 15:00:00") as frozen:
        log(technet, **{ids.CPD_DONE_ON: "2025-07-31", ids.CPD_AMOUNT: "3", ids.CPD_ACTIVITY: "July course"})
        future = log(technet, **{ids.CPD_DONE_ON: "2025-08-01"})
        assert "in the future" in future["errors"][ids.CPD_DONE_ON]
        july = technet.command(MEMBER, "cpd")
        frozen.move_to("2025-08-01 09:00:00")
        first = technet.command(MEMBER, "cpd")
        log(technet, **{ids.CPD_DONE_ON: "2025-08-01", ids.CPD_AMOUNT: "1", ids.CPD_ACTIVITY: "August course"})
        august = technet.command(MEMBER, "cpd")
    assert "Your CPD, 2024–25" in july.text and "*3 of 6 days* (50%)" in july.text
    assert "3 days behind the pace (6 days expected by today)" in july.text
    assert "Target 10 days × FTE 0.6" in july.text and "Thu 31 Jul 2025" in july.text
    assert "Your CPD, 2025–26" in first.text and "*0 of 6 days* (0%)" in first.text
    assert "0.02 days behind the pace (0.02 days expected by today)" in first.text
    assert "July course" not in first.text
    assert "*1 of 6 days* (17%)" in august.text and "On track" in august.text
    assert "August course" in august.text and "July course" not in august.text


def test_an_impossible_fte_is_refused_with_a_way_to_fix_it(technet: Harness):
    for fte in (0.0, 1.25):
        known(technet, MEMBER, fte=fte)
        reply = technet.command(MEMBER, "cpd")
        assert "An FTE is more than 0 and at most 1" in reply.text and "/tech profile" in reply.text


def test_delete_takes_an_entry_out_and_shows_the_record_again(technet: Harness):
    with freeze_time(T0):
        log(technet)
        log(technet, **{ids.CPD_ACTIVITY: "Safety seminar", ids.CPD_AMOUNT: "2", ids.CPD_UNIT: cpd.HOURS})
        shown = technet.command(MEMBER, "cpd")
        first, second = buttons(shown.json()["blocks"], ids.CPD_DELETE)
        assert first["confirm"]["confirm"]["text"] == "Delete"
        technet.action(MEMBER, ids.CPD_DELETE, first["value"])
        # Someone else's entry cannot be deleted, even with a crafted payload.
        technet.action(OTHER, ids.CPD_DELETE, second["value"])
    responses = technet.standin.calls_to("response_url")
    assert responses[-2].args["replace_original"] is True
    assert "Deleted *Safety seminar* (2 hours)" in all_text(responses[-2].args)
    assert "*1 of 10 days*" in all_text(responses[-2].args)
    assert "not in your CPD record" in all_text(responses[-1].args)
    assert [e.activity for e in entries(technet)] == ["HPLC troubleshooting course"]


# Export ------------------------------------------------------------------------------------------

def test_the_export_arrives_as_a_formula_safe_csv_through_the_upload_flow(technet: Harness):
    with freeze_time(T0):
        log(technet, **{ids.CPD_ACTIVITY: "=HYPERLINK(\"http://evil.example\")", ids.CPD_NOTE: "@risk"})
        log(technet, **{ids.CPD_ACTIVITY: "Safety seminar", ids.CPD_AMOUNT: "2", ids.CPD_UNIT: cpd.HOURS})
        reply = technet.command(MEMBER, "cpd export")
    assert "Sending your 2 entries as CSV" in reply.text
    get_url = technet.standin.calls_to("files.getUploadURLExternal")[-1]
    file_id = get_url.result["file_id"]
    assert [c.args["file_id"] for c in technet.standin.calls_to("upload")] == [file_id]
    completed = technet.standin.calls_to("files.completeUploadExternal")[-1]
    dm = technet.standin.calls_to("conversations.open")[-1]
    assert dm.args["users"] == MEMBER and completed.args["channel_id"] == dm.result["channel"]["id"]
    assert technet.standin.state.uploads[file_id]["filename"] == "cpd-2024-25-morgan-member.csv"
    rows = list(csv.reader(io.StringIO(technet.standin.state.uploads[file_id]["content"].decode("utf-8-sig"))))
    assert rows[0] == list(cpd.EXPORT_COLUMNS)
    assert rows[1][:6] == ["2025-03-12", "'=HYPERLINK(\"http://evil.example\")", "Training course", "7.5", "1",
                           "'@risk"]
    assert rows[2][1] == "Safety seminar" and len(rows) == 3


def test_an_empty_record_has_nothing_to_export(technet: Harness):
    mark = technet.standin.mark()
    reply = technet.command(MEMBER, "cpd export")
    assert "Nothing to export" in reply.text
    assert [c.method for c in technet.standin.since(mark) if c.method.startswith("files.")] == []


# Organisers -----------------------------------------------------------------------------------------

def test_organisers_see_aggregates_and_members_are_refused(technet: Harness):
    known(technet, OTHER, fte=0.5)
    with freeze_time(T0):
        log(technet, MEMBER, **{ids.CPD_AMOUNT: "8"})
        log(technet, OTHER, **{ids.CPD_AMOUNT: "1"})
        summary = technet.command(ORGANISER, "cpd summary")
        refused = technet.command(MEMBER, "cpd summary")
    text = summary.text
    assert "CPD across the network, 2024–25" in text
    # Three members (the organiser too), two of whom logged (8 and 1 days): groups too small to show
    # (fewer than 5), so no count, no median that is one of theirs, no share.
    assert "*Members*\nfewer than 5" in text and "*Logged anything this year*\nfewer than 5" in text
    assert "*Median days (of those who logged)*\nwithheld" in text and "4.5" not in text
    assert "*On track for their pro-rata target*\nfewer than 5" in text and "%" not in text
    assert "HPLC troubleshooting course" not in text
    assert "Only network organisers can see the network's CPD figures" in refused.text


# The Home tab ------------------------------------------------------------------------------------------

def test_the_home_tab_shows_progress_as_a_bar_and_what_closes_soon(technet: Harness):
    with freeze_time(T0):
        log(technet, **{ids.CPD_AMOUNT: "4"})
        technet.command(ORGANISER, "dev add")
        technet.submit(ORGANISER, technet.opened_view(), {
            ids.DEV_TITLE: "EM secondment", ids.DEV_KIND: "secondment", ids.DEV_DESCRIPTION: "Three months.",
            ids.DEV_DEADLINE: "2025-03-21"})
        technet.event({"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": "home"},
                      event_id="EvHome0001")
    home = technet.standin.calls_to("views.publish")[-1]
    text = all_text(home.args)
    assert "Your CPD, 2024–25" in text and "▰▰▰▰▱▱▱▱▱▱  *4 of 10 days* (40%)" in text
    assert "Development opportunities closing soon" in text
    assert "*EM secondment* (Secondment), apply by Fri 21 Mar" in text
    assert len(buttons(home.blocks(), ids.CPD_LOG_OPEN)) == 1
    technet.action(MEMBER, ids.CPD_LOG_OPEN, container={"type": "view", "view_id": home.result["view"]["id"]})
    assert technet.opened_view()["callback_id"] == ids.CPD_MODAL


# Prompts from other features ------------------------------------------------------------------------------

def test_a_prompt_opens_the_form_prefilled_and_logs_once(technet: Harness):
    draft = CpdDraft.for_time("Network meeting: sustainable labs", "network_event", done_on=date(2025, 3, 11),
                              minutes=90, rules=CpdRules(), source=cpd.EVENT, source_ref="event:9")
    [_, actions] = [b.to_dict() for b in render_all(prompt_blocks("Did you attend? Log it as CPD", draft))]
    [button] = actions["elements"]
    assert button["text"]["text"] == "Log it as CPD"
    with freeze_time(T0):
        technet.action(MEMBER, ids.CPD_LOG_DRAFT, button["value"])
        view = technet.opened_view()
        assert block(view, ids.CPD_ACTIVITY)["element"]["initial_value"] == "Network meeting: sustainable labs"
        assert block(view, ids.CPD_AMOUNT)["element"]["initial_value"] == "1.5"
        assert block(view, ids.CPD_DONE_ON)["element"]["initial_date"] == "2025-03-11"
        assert block(view, ids.CPD_CATEGORY)["element"]["initial_option"]["value"] == "network_event"
        answers = {ids.CPD_DONE_ON: "2025-03-11", ids.CPD_ACTIVITY: "Network meeting: sustainable labs",
                   ids.CPD_CATEGORY: "network_event", ids.CPD_AMOUNT: "1.5", ids.CPD_UNIT: cpd.HOURS}
        assert technet.submit(MEMBER, view, answers).json()["response_action"] == "update"
        mark = technet.standin.mark()
        technet.action(MEMBER, ids.CPD_LOG_DRAFT, button["value"])
        assert "views.open" not in [c.method for c in technet.standin.since(mark)]
        # The form opened before the first save is refused too.
        second = technet.submit(MEMBER, {**view, "id": "V-another"}, answers)
    assert "in your CPD record already" in all_text(technet.standin.calls_to("response_url")[-1].args)
    assert "logged this in your CPD record already" in second.json()["errors"][ids.CPD_ACTIVITY]
    [entry] = entries(technet)
    assert (entry.source, entry.source_ref, entry.minutes) == ("event", "event:9", 90)


# Settings ----------------------------------------------------------------------------------------------

@pytest.fixture
def april_seven_hours(database_url: str, standin: SlackStandIn) -> Iterator[Harness]:
    harness = Harness(settings_for(standin, database_url, cpd_year_start_month=4, cpd_day_hours=7.0), standin)
    yield harness
    harness.close()


def test_the_year_start_and_the_day_are_settings(april_seven_hours: Harness):
    technet = april_seven_hours
    with freeze_time(datetime(2025, 4, 2, 12, tzinfo=UTC)):
        log(technet, **{ids.CPD_DONE_ON: "2025-03-31", ids.CPD_ACTIVITY: "March course", ids.CPD_AMOUNT: "1"})
        log(technet, **{ids.CPD_DONE_ON: "2025-04-01", ids.CPD_ACTIVITY: "April course", ids.CPD_AMOUNT: "7",
                        ids.CPD_UNIT: cpd.HOURS})
        reply = technet.command(MEMBER, "cpd")
    assert "Your CPD, 2025–26" in reply.text and "a day is 7 hours" in reply.text
    assert "*1 of 10 days*" in reply.text and "April course" in reply.text and "March course" not in reply.text
    with technet.db.reading() as session:
        assert session.scalar(select(func.sum(CpdEntry.minutes))) == 7 * 60 * 2
        fte = select(Member.fte).join(MemberIdentity).where(MemberIdentity.external_id == MEMBER)
        assert session.scalar(fte) == 1.0
