"""`/tech report` over signed HTTP against the served app: the ack, the DM with its charts
through Slack's upload flow, refusals, and the organisers' Home section."""

from __future__ import annotations

import json

import pytest
from freezegun import freeze_time

from tests import report_data
from tests.harness import MEMBER, ORGANISER, Harness, all_text
from tests.test_report_files import png_size
from tests.test_report_service import NOW, YEAR_2024, YEAR_2025
from tests.test_home import open_home


@pytest.fixture
def with_data(technet: Harness) -> Harness:
    data = report_data.generate(members=120, seed=7, start=YEAR_2024[0], now=NOW, small_since=YEAR_2025[0])
    with technet.db.transaction() as session:
        report_data.load(session, data)
    return technet


def dm_to(technet: Harness, user: str) -> list[dict]:
    channel = technet.standin.calls_to("conversations.open")[-1].result["channel"]["id"]
    assert technet.standin.calls_to("conversations.open")[-1].args["users"] == user
    return [c.args for c in technet.standin.calls_to("chat.postMessage") if c.args["channel"] == channel]


def test_an_organiser_gets_the_report_in_their_dm_with_the_charts(with_data: Harness):
    technet = with_data
    with freeze_time(NOW):
        reply = technet.command(ORGANISER, "report")
    body = reply.json()
    assert body["response_type"] == "ephemeral"
    assert "Preparing the network report for the 2025/26 development year" in reply.text
    # No period given: the usage says what else can be asked for.
    assert "YYYY-MM-DD..YYYY-MM-DD" in reply.text
    [message] = dm_to(technet, ORGANISER)
    text = all_text(json.loads(message["blocks"]) if isinstance(message["blocks"], str) else message["blocks"])
    assert "Network report: 2025/26 development year" in text
    assert "*Members during the period*" in text and "_visibility_" in text
    assert f"{report_data.SMALL_DEPARTMENT} _fewer than 5_" in text
    assert "charts follow as images" in text
    # Slack's upload flow: an upload URL per file, the bytes, then one completion into the DM.
    completion = technet.standin.calls_to("files.completeUploadExternal")
    assert len(completion) == 1 and completion[0].args["channel_id"] == message["channel"]
    uploads = list(technet.standin.state.uploads.values())
    assert len(uploads) == len(technet.standin.calls_to("files.getUploadURLExternal")) >= 2
    for upload in uploads:
        assert png_size(upload["content"]) == (960, 540)
        assert int(upload["length"]) == len(upload["content"])
        assert upload["filename"].endswith("-2025-26.png") and upload["title"] and upload["alt_txt"]
        assert upload["channel"] == message["channel"]


def test_a_past_period_is_reported_by_its_dates(with_data: Harness):
    with freeze_time(NOW):
        reply = with_data.command(ORGANISER, "report 2025-01-01..2025-03-31")
    assert "Preparing the network report for the 1 Jan 2025 to 31 Mar 2025" in reply.text
    assert "YYYY-MM-DD" not in reply.text
    [message] = dm_to(with_data, ORGANISER)
    assert "beside 3 Oct 2024 to 31 Dec 2024" in all_text(message["blocks"])


def test_a_member_is_refused_and_nothing_is_sent(with_data: Harness):
    mark = with_data.standin.mark()
    with freeze_time(NOW):
        reply = with_data.command(MEMBER, "report last year")
    assert reply.json()["response_type"] == "ephemeral"
    assert "Only network organisers can see the network report." in reply.text
    methods = {c.method for c in with_data.standin.since(mark)}
    assert not methods & {"chat.postMessage", "files.getUploadURLExternal", "files.completeUploadExternal",
                          "conversations.open"}


@pytest.mark.parametrize("text, says", [
    ("report 2026-01-01..2025-01-01", "The period ends (2025-01-01) before it starts (2026-01-01)"),
    ("report 2025-02-30..2025-03-01", "2025-02-30 is not a day in the calendar"),
    ("report next tuesday", "I can't read “next tuesday” as a period"),
])
def test_bad_periods_get_a_clear_message_and_the_usage(technet: Harness, text: str, says: str):
    mark = technet.standin.mark()
    reply = technet.command(ORGANISER, text)
    assert says in reply.text and "/tech report [this year | last year" in reply.text
    assert not [c for c in technet.standin.since(mark) if c.method == "chat.postMessage"]


def test_help_shows_the_usage(technet: Harness):
    mark = technet.standin.mark()
    reply = technet.command(MEMBER, "report help")
    assert "/tech report [this year | last year | YYYY-MM-DD..YYYY-MM-DD]" in reply.text
    assert not [c for c in technet.standin.since(mark) if c.method == "chat.postMessage"]


def test_on_an_empty_network_the_dm_says_there_is_nothing_yet_and_no_chart_is_sent(technet: Harness):
    technet.command(ORGANISER, "report")
    [message] = dm_to(technet, ORGANISER)
    text = all_text(message["blocks"])
    # The organiser alone has used technet: any figure would be theirs alone.
    assert "There is nothing to report yet: fewer than 5 people have used technet" in text
    assert "Members during the period" not in text
    assert technet.standin.calls_to("files.getUploadURLExternal") == []


def test_the_home_tab_shows_organisers_the_headline_figures(with_data: Harness):
    with freeze_time(NOW):
        organiser = json.dumps(open_home(with_data, ORGANISER, "EvRepHome1"), ensure_ascii=False)
        member = json.dumps(open_home(with_data, MEMBER, "EvRepHome2"), ensure_ascii=False)
    assert "Network figures, 2025/26 development year so far" in organiser
    assert "*Members during the period*" in organiser and "on 2024/25" in organiser
    assert "Network figures" not in member
