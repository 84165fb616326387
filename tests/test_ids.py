"""Numbers that name things (issue 13, item 4): read once, bounded, refused with a person's message.

`/tech event 999999999999999999999` used to fail with OverflowError (SQLite) or
NumericValueOutOfRange (PostgreSQL), and so did every button carrying such an id.
"""

from __future__ import annotations

import logging

import pytest

from core import ids
from handlers._common import payload_id, typed_id
from storage import events
from storage.db import LARGEST_ID, Database
from storage.errors import DomainError, MalformedPayload, NotFound
from storage.models.core import Member
from storage.members import Role
from storage.models.events import Event
from tests.harness import MEMBER, ORGANISER, PANEL, Harness, all_text

HUGE = "999999999999999999999"
# Each is no id: beyond a 32-bit or a 64-bit column, signed, not ASCII digits ('²'.isdigit() is True).
NOT_IDS = [HUGE, str(LARGEST_ID + 1), str(2**63), "0", "-1", "²", "١٢", "1e3", "0x1f", "+7", "1_000", " ", ""]


@pytest.mark.parametrize("text", NOT_IDS)
def test_what_is_no_id_is_refused_with_the_expected_message(text):
    with pytest.raises(DomainError) as refused:
        typed_id(text, "Give the event's number.")
    assert refused.value.message == "Give the event's number."
    with pytest.raises(MalformedPayload):
        payload_id(text, "an event")


def test_ids_up_to_what_a_column_holds_are_read_with_or_without_a_hash():
    assert typed_id("#12", "?") == 12
    assert typed_id(f" {LARGEST_ID} ", "?") == LARGEST_ID
    assert payload_id("1", "an event") == 1
    with pytest.raises(MalformedPayload):
        payload_id(12, "an event")  # a number where Slack sends text


@pytest.mark.parametrize("who, typed, expected", [
    (MEMBER, f"event {HUGE}", "is not an event's number"),
    (MEMBER, "event ²", "is not an event's number"),
    (MEMBER, f"event #{LARGEST_ID + 1}", "is not an event's number"),
    (ORGANISER, f"event attendees {HUGE}", "takes an event's number"),
    (ORGANISER, "event attendees ³", "takes an event's number"),
    (ORGANISER, f"awards close {HUGE}", "Give the cycle's number"),
    (PANEL, f"awards review {HUGE}", "Give the cycle's number"),
    (PANEL, f"awards export {HUGE}", "Give the cycle's number"),
    (PANEL, f"awards audit {HUGE}", "Give the cycle's number"),
    (PANEL, "awards review ²", "Give the cycle's number"),
    # A typed date too: a development year around the year 1 starts in the year 0, which no date holds.
    (ORGANISER, "report 0001-01-01..0001-12-31", "Give a year from 1900 to 2999"),
])
def test_an_impossible_number_in_a_command_gets_the_usage_not_a_failure(technet: Harness, who, typed, expected):
    reply = technet.command(who, typed)
    assert reply.status == 200
    assert expected in reply.text
    assert not technet.standin.calls_to("response_url"), "nothing failed, so nothing had to be reported"


def test_the_largest_possible_id_is_simply_not_found(technet: Harness):
    reply = technet.command(MEMBER, f"event {LARGEST_ID}")
    assert reply.status == 200
    assert f"There is no event number {LARGEST_ID}" in reply.text


@pytest.mark.parametrize("action_id", [ids.EVENTS_ICS, ids.EVENTS_CSV, ids.DEV_REMIND, ids.CPD_DELETE,
                                       ids.ASK_FORWARD, ids.MENTOR_MET, ids.ANNOUNCE_CANCEL])
def test_a_button_carrying_an_impossible_id_is_refused_politely_in_one_log_line(technet: Harness, caplog,
                                                                                  action_id):
    with caplog.at_level(logging.WARNING):
        reply = technet.action(ORGANISER, action_id, HUGE)
    assert reply.status == 200
    told = technet.standin.wait_for("response_url")[0].args
    assert told["response_type"] == "ephemeral"
    assert "couldn't read that request, so nothing was changed" in all_text(told)
    refusals = [r.getMessage() for r in caplog.records if "malformed" in r.getMessage()]
    assert len(refusals) == 1 and refusals[0].startswith(f"refused a malformed request: {action_id}'s ")
    assert not any(r.exc_info or r.levelno >= logging.ERROR for r in caplog.records)


def test_a_lookup_by_a_number_no_column_holds_finds_nothing(db: Database):
    with db.transaction() as session:
        for number in (LARGEST_ID + 1, 2**63, 10**30, -(2**63) - 1):
            assert session.get(Event, number) is None
            assert session.get(Member, number) is None
        with pytest.raises(NotFound):
            events.get_event(session, 10**21)


def test_the_shell_reads_a_button_number_as_the_bot_does(shell_for):
    # '²'.isdigit() is True and int('²') fails: the shell stopped with a ValueError.
    script = shell_for(Role.MEMBER, "/tech events", "²", f"{HUGE}", ":quit")
    assert "Commands start with /" in script.text
    assert f"There is no [{HUGE}] on screen." in script.text
