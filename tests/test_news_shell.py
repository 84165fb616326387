"""`technet shell` shows news for the e-zine: a member sends it, an organiser approves it and previews the issue."""

from __future__ import annotations

from bot.demo import load_demo_data
from storage import news
from storage.clock import now
from storage.members import Role
from tests.harness import Script


def test_a_member_sends_news_in_the_shell(shell_for):
    script: Script = shell_for(
        Role.MEMBER, "/tech news", "Alex ran the open day", "Forty visitors tried the HPLC.", "", "4",
        "/tech news mine", ":quit")
    text = script.text
    assert "┌ News for the e-zine" in text and "Kind of news" in text and "4. Event report" in text
    assert "Your news is with the organisers" in text and "└ submitted" in text
    assert "── bot → DM to Priya Shah" in text and "News for the e-zine to review" in text
    assert "Alex ran the open day" in text and "waiting for review" in text


def test_an_organiser_approves_from_the_queue_and_previews_the_issue(shell_for):
    script: Script = shell_for(Role.ORGANISER, "/tech news queue", "1", "/tech digest preview", ":quit")
    text = script.text
    assert "NEWS WAITING FOR REVIEW (1)" in text and "[1] Approve  [2] Edit  [3] Reject" in text
    assert "“The teaching labs have moved” is approved" in text
    assert "TECHNET E-ZINE" in text and "NEWS FROM THE NETWORK" in text
    preview = text[text.index("TECHNET E-ZINE"):]
    assert "Rosa is a Registered Engineering Technician" in preview and "The teaching labs have moved" in preview


def test_the_demo_news_is_added_once(db):
    load_demo_data(db, now=now())
    load_demo_data(db, now=now())
    with db.reading() as session:
        assert [n.title for n in news.waiting_for_issue(session)] == ["Rosa is a Registered Engineering Technician"]
        assert news.pending_count(session) == 1
