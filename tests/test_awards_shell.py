"""`technet shell` shows nominating and the panel's review, on the demo award cycles."""

from __future__ import annotations

from bot.demo import load_demo_data
from storage import awards
from storage.clock import now
from storage.members import Role
from tests.harness import Script, press

CITATION = "Rosa rebuilt the workshop extraction over the summer and trained every apprentice to use it."


def test_a_member_nominates_a_colleague_in_the_shell(shell_for):
    script: Script = shell_for(
        Role.MEMBER, "/tech nominate", "1", "Rosa", "Too short.", "Dust levels halved", "", "", "", CITATION,
        "/tech awards mine", ":quit",
    )
    text = script.text
    assert "┌ Nominate for an award" in text and "Technician of the Year" in text
    assert "! Write at least 50 characters (you wrote 10)" in text
    assert "── bot → DM to Alex Morgan" in text
    assert "Thank you: your nomination of *Rosa Evans*" in text
    assert "Dust levels halved" in text and "[1] Edit  [2] Withdraw" in text
    assert "┌ Nomination saved" in text and "└ submitted" in text
    assert "@Rosa Evans for *Technician of the Year" in text


def test_the_home_tab_offers_the_open_award(shell_for):
    script: Script = shell_for(Role.MEMBER, ":home", press("Nominate"))
    text = script.text
    assert "Awards open for nominations" in text and "Nominate" in text
    assert "┌ Nominate for an award" in text and "(Enter keeps: 1)" in text


def test_the_panel_reviews_and_scores_the_demo_cycle_in_the_shell(shell_for):
    script: Script = shell_for(Role.PANEL, "/tech awards review", "1", "5", "4", "4", "3", "5", ":quit")
    text = script.text
    assert "OUTSTANDING CONTRIBUTION DEMO: NOMINATIONS" in text
    assert "2 nominations" in text and "booking system" in text
    assert "┌ Score nominee" in text and "Average now 4.2/5, from 1 panel member." in text


def test_a_member_cannot_review_in_the_shell(shell_for):
    script: Script = shell_for(Role.MEMBER, "/tech awards review", ":quit")
    assert "Only an awards panel can review nominations" in script.text
    assert "booking system" not in script.text


def test_the_demo_award_cycles_are_added_once(db):
    load_demo_data(db, now=now())
    load_demo_data(db, now=now())
    with db.reading() as session:
        cycles = awards.all_cycles(session, now())
        assert sorted((c.award_name, c.state) for c in cycles) == [
            ("Outstanding Contribution", awards.CLOSED), ("Papin Prize for sustainability", awards.UPCOMING),
            ("Technician of the Year", awards.OPEN)]
        assert [c.title for c in awards.open_cycles(session, now())] == [f"Technician of the Year {now().year}"]
