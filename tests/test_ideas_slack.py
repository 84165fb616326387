"""`/tech idea` over signed HTTP (SQLite and PostgreSQL): ideas reach the organisers, an anonymous one
without a name, and the organisers' reply reaches the person who had it."""

from __future__ import annotations

from core import ids
from tests.harness import MEMBER, ORGANISER, OTHER, Harness, all_text, buttons


def answer(technet: Harness, idea_button: dict, decision: str, reply: str) -> dict:
    technet.action(ORGANISER, ids.IDEA_DECIDE, idea_button["value"])
    view = technet.opened_view()
    return technet.submit(ORGANISER, view, {ids.IDEA_DECISION: decision, ids.IDEA_REPLY: reply}).json()


def test_ideas_reach_the_organisers_and_their_reply_reaches_the_person(technet: Harness):
    assert "/tech idea anonymous" in technet.command(MEMBER, "idea").text
    named = technet.command(MEMBER, "idea A tour of the new <!channel> mass spec suite")
    assert "your idea has gone to the organisers" in named.text
    hidden = technet.command(OTHER, "idea anonymous Our workshop is short of staff on Fridays")
    assert "without your name" in hidden.text
    assert "Only network organisers" in technet.command(MEMBER, "ideas").text

    listed = technet.command(ORGANISER, "ideas")
    text = listed.text
    assert "A tour of the new &lt;!channel&gt; mass spec suite" in text and "Morgan Member" in text
    assert "short of staff on Fridays" in text and "Olu Other" not in text and "anonymous" in text
    first, second = buttons(listed.json()["blocks"], ids.IDEA_DECIDE)

    refused = answer(technet, second, "", "")
    assert refused["errors"] == {ids.IDEA_DECISION: "Choose what became of the idea."}
    answer(technet, second, "agenda", "On the agenda for the March meeting.")
    dm = technet.standin.calls_to("chat.postMessage")[-1]
    assert dm.args["channel"] == OTHER
    assert "has been taken into an agenda" in all_text(dm.blocks()) and "March meeting" in all_text(dm.blocks())
    answer(technet, first, "declined", "")
    assert technet.standin.calls_to("chat.postMessage")[-1].args["channel"] == MEMBER
    assert "No ideas are waiting" in technet.command(ORGANISER, "ideas").text
    again = answer(technet, first, "answered", "")
    assert again["errors"] == {ids.IDEA_DECISION: "That idea was declined already."}
