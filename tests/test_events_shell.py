"""`technet shell` shows the events flow: an organiser creates a quarterly series in the form,
members answer, a full workshop's waitlist is promoted with a DM, the Home tab lists events."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.runtime import Runtime
from storage import events
from storage.clock import now
from storage.members import Role
from tests.harness import Script

Line = str | Callable[[str], str]


def press(label: str, after: str) -> Callable[[str], str]:
    """The number of the button `label` shown after the last `after` on screen."""

    def number(output: str) -> str:
        tail = output[output.rindex(after):]
        match = re.search(r"\[(\d+)\] " + re.escape(label), tail)
        assert match, f"no [N] {label} after {after!r}"
        return match.group(1)

    return number


@pytest.fixture
def shell(shell_for):
    """shell_for, and the runtime the shell ran, to look in its database afterwards."""

    def start(role: Role, *lines: Line) -> tuple[Script, Runtime]:
        script = shell_for(role, *lines)
        assert script.runtime is not None
        return script, script.runtime

    return start


def test_an_organiser_creates_a_quarterly_series_in_the_form_and_it_is_announced(shell):
    tz = ZoneInfo("Europe/London")
    first = (now().astimezone(tz) + timedelta(days=20)).replace(hour=10, minute=0)
    until = (first + timedelta(days=300)).date()
    script, runtime = shell(
        Role.ORGANISER,
        "/tech event new",
        "Lab safety network meeting <!channel>",   # title
        "1",                                         # kind: network meeting
        f"{first:%Y-%m-%d %H:%M}",                   # starts
        f"{first - timedelta(hours=1):%Y-%m-%d %H:%M}",  # ends: before it starts...
        "Council Chamber",                           # place
        "",                                          # online link
        "2",                                         # capacity
        "",                                          # RSVP deadline
        "COSHH updates & *new* fume cupboards.",     # description
        "5",                                         # repeats: every quarter
        f"{until:%Y-%m-%d}",                         # until
        "1",                                         # announce in the network channel
        f"{first + timedelta(hours=2):%Y-%m-%d %H:%M}",  # ...so the end is asked again
        "/tech events all",
        ":quit",
    )
    text = script.text
    assert "┌ New event (modal; Ctrl-D cancels)" in text
    assert "  ! It ends before it starts: the end must be after" in text
    assert "┌ Event created" in text and "4 events, each with its own RSVPs" in text
    post = text[text.index("── bot → #technicians (network channel)"):]
    assert "Lab safety network meeting <!channel>" in post and "this is the first of 4" in post
    assert "COSHH updates & *new* fume cupboards." in post
    assert "[1] Going  [2] Maybe  [3] Can't go  [4] Add to calendar" in post
    listing = text[text.index("ALL UPCOMING EVENTS"):]
    assert "Lab safety network meeting <!channel>" in listing and "*0* going of 2  ·  2 places left" in listing
    with runtime.db.reading() as session:
        coming = events.upcoming_events(session, now())
        series = [e for e in coming if e.title.startswith("Lab safety")]
    assert f"Showing 1–10 of {len(coming)}." in listing and f"Next {min(10, len(coming) - 10)} ›" in listing
    assert [e.starts_at.astimezone(tz).strftime("%H:%M") for e in series] == ["10:00"] * 4


def test_a_member_drops_out_of_a_full_workshop_and_the_waitlist_is_promoted(shell):
    workshop = "Soldering and electronics workshop"
    script, runtime = shell(
        Role.MEMBER,
        "/tech events",
        press("Can't go", workshop),
        press("Going", workshop),
        "/tech events mine",
        ":home",
        ":quit",
    )
    text = script.text
    listing = text[text.index("UPCOMING EVENTS"):]
    assert "*3* going of 3  ·  1 on the waitlist  ·  full: Going joins the waitlist" in listing
    assert ":white_check_mark: You're going" in listing
    # Alex drops out: the list is replaced, Jordan (first on the waitlist) is told by DM.
    assert "👍 Noted: you can't go to “Soldering and electronics workshop”. Your place went to the next" in text
    promoted = text[text.index("── bot → DM to Jordan Lee"):]
    assert "A place came up at Soldering and electronics workshop" in promoted
    # Alex changes their mind: the workshop is full again, so Alex joins the waitlist.
    assert "is full: you're #1 on the waitlist" in text
    mine = text[text.rindex("YOUR EVENTS"):]
    assert workshop in mine and "You're #1 on the waitlist" in mine
    home = text[text.index("── Home tab of Alex Morgan"):]
    assert "*Your next events*" in home and "*You could join*" in home
