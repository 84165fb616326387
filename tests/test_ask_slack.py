"""`/tech ask` over signed HTTP against the served app and the Slack stand-in (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import select

from core import ids
from bot.standin import Call
from bot.slack_refs import member_details, slack_identity
from storage.clock import now
from storage.members import Role, grant_role, upsert_member
from storage.models.mentoring import AskedQuestion, FaqAddition
from tests.harness import MEMBER, ORGANISER, OTHER, Harness, all_text, buttons


def dms_to(calls: list[Call], user: str) -> list[Call]:
    return [c for c in calls if c.method == "chat.postMessage" and c.args["channel"] == user]


def ask_unanswerable(technet: Harness, question: str = "Where can I park my bike?") -> str:
    reply = technet.command(MEMBER, f"ask {question}")
    assert "I don't have a good answer" in reply.text
    [forward] = buttons(reply.json()["blocks"], ids.ASK_FORWARD)
    return forward["value"]


def forward(technet: Harness, question_id: str) -> list[Call]:
    mark = technet.standin.mark()
    technet.action(MEMBER, ids.ASK_FORWARD, question_id)
    return technet.standin.since(mark)


def test_ask_alone_and_help_show_the_usage(technet: Harness):
    for text in ("ask", "ask help"):
        reply = technet.command(MEMBER, text)
        assert reply.json()["response_type"] == "ephemeral"
        assert "/tech ask &lt;question&gt;" in reply.text and "/tech ask inbox" not in reply.text
    assert "/tech ask inbox" in technet.command(ORGANISER, "ask help").text


def test_a_question_the_faq_answers(technet: Harness):
    reply = technet.command(MEMBER, "ask how do I log CPD?")
    assert reply.status == 200 and reply.json()["response_type"] == "ephemeral"
    text = reply.text
    assert "You asked: how do I log CPD?" in text
    assert "*How do I log CPD?*" in text and "/tech cpd log" in text
    related = next(b for b in reply.json()["blocks"] if b["type"] == "section" and "*Related*" in b["text"]["text"])
    assert 1 <= related["text"]["text"].count("• ") <= 2
    assert buttons(reply.json()["blocks"], ids.ASK_FORWARD) == []
    assert technet.standin.calls_to("chat.postMessage") == []
    with technet.db.reading() as session:
        assert session.scalars(select(AskedQuestion)).all() == []


def test_only_punctuation_asks_for_more(technet: Harness):
    reply = technet.command(MEMBER, "ask ?!?! ... ¿¡")
    assert reply.status == 200 and "I couldn't find anything to search for" in reply.text
    assert buttons(reply.json()["blocks"], ids.ASK_FORWARD) == []


def test_another_language_gets_a_sensible_no_good_match(technet: Harness):
    for question in ("Wie beantrage ich Urlaub für eine Konferenz?", "如何申请停车证？"):
        reply = technet.command(MEMBER, f"ask {question}")
        assert reply.status == 200
        assert f"I don't have a good answer to “{question}” in the FAQ." in reply.text
        assert buttons(reply.json()["blocks"], ids.ASK_FORWARD)


def test_a_2000_character_question_fits_slacks_limits(technet: Harness):
    question = ("Sorry for the long message, but the centrifuge rota in our corridor keeps changing and I would "
                "like to understand who decides it. " * 20)[:2000]
    reply = technet.command(MEMBER, f"ask {question}")
    assert reply.status == 200 and reply.json()["response_type"] == "ephemeral"
    for block in reply.json()["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    assert "…" in reply.text and question not in reply.text  # the echo is cut
    [button] = buttons(reply.json()["blocks"], ids.ASK_FORWARD)
    calls = forward(technet, button["value"])
    [dm] = dms_to(calls, ORGANISER)
    assert all(len(b["text"]["text"]) <= 3000 for b in dm.blocks() if b["type"] == "section")
    with technet.db.reading() as session:
        assert session.scalars(select(AskedQuestion.question)).one() == " ".join(question.split())


def test_forwarding_to_the_organisers_once(technet: Harness):
    with technet.db.transaction() as session:
        upsert_member(session, slack_identity(OTHER), member_details(technet.standin.state.users[OTHER]), now=now())
        grant_role(session, None, slack_identity(OTHER), Role.ORGANISER)
    question_id = ask_unanswerable(technet, "Where can I park my bike <!channel>?")
    calls = forward(technet, question_id)
    for organiser in (ORGANISER, OTHER):
        [dm] = dms_to(calls, organiser)
        text = all_text(dm.blocks())
        assert f"<@{MEMBER}> asked a question" in text and "&lt;!channel&gt;" in text and "<!channel>" not in text
        assert buttons(dm.blocks(), ids.ASK_REPLY)[0]["value"] == question_id
    replaced = [c for c in calls if c.method == "response_url"][-1]
    assert replaced.args["replace_original"] is True and "Forwarded to the organisers" in replaced.args["text"]
    again = forward(technet, question_id)
    assert [c for c in again if c.method == "chat.postMessage"] == []
    assert "forwarded this question already" in [c for c in again if c.method == "response_url"][-1].args["text"]
    inbox = technet.command(ORGANISER, "ask inbox")
    assert "Questions waiting for an answer (1)" in inbox.text and buttons(inbox.json()["blocks"], ids.ASK_REPLY)
    assert "I don't have a good answer" in technet.command(MEMBER, "ask inbox").text  # members just ask


def test_no_organiser_reachable_lets_the_member_try_again(technet: Harness):
    question_id = ask_unanswerable(technet)
    technet.standin.refuse("chat.postMessage", "user_disabled")
    calls = forward(technet, question_id)
    assert "couldn't reach any organiser" in [c for c in calls if c.method == "response_url"][-1].args["text"]
    retry = forward(technet, question_id)
    assert len(dms_to(retry, ORGANISER)) == 1


def test_an_organiser_replies_the_asker_gets_it_by_dm_and_the_faq_grows(technet: Harness):
    question_id = ask_unanswerable(technet)
    forwarded = forward(technet, question_id)
    [organiser_dm] = dms_to(forwarded, ORGANISER)
    mark = technet.standin.mark()
    technet.action(ORGANISER, ids.ASK_REPLY, question_id)
    view = technet.opened_view()
    assert view["callback_id"] == ids.ASK_REPLY_MODAL and "Where can I park my bike?" in all_text(view)
    empty = technet.submit(ORGANISER, view, {ids.ASK_ANSWER: ""})
    assert empty.json()["response_action"] == "errors" and ids.ASK_ANSWER in empty.json()["errors"]
    sent = technet.submit(ORGANISER, view, {ids.ASK_ANSWER: "Bike racks are behind <Building 3> & by the library.",
                                            ids.ASK_ADD_TO_FAQ: ["yes"], ids.ASK_TAGS: "cycling, parking"})
    assert sent.json()["response_action"] == "update" and "It is in the FAQ now" in all_text(sent.json())
    calls = technet.standin.since(mark)
    [to_asker] = dms_to(calls, MEMBER)
    text = all_text(to_asker.blocks())
    assert "Where can I park my bike?" in text and f"<@{ORGANISER}> answered" in text
    assert "&lt;Building 3&gt; &amp; by the library" in text
    [updated] = [c for c in calls if c.method == "chat.update"]
    assert (updated.args["channel"], updated.args["ts"]) == (organiser_dm.result["channel"], organiser_dm.result["ts"])
    assert "In the FAQ" in all_text(updated.blocks()) and buttons(updated.blocks(), ids.ASK_REPLY) == []
    # Submitting the reply again (a retry) sends nothing more.
    again = technet.submit(ORGANISER, view, {ids.ASK_ANSWER: "Another answer"})
    assert "answered this already" in again.json()["errors"][ids.ASK_ANSWER]
    assert len([c for c in technet.standin.calls_to("chat.postMessage") if c.args["channel"] == MEMBER]) == 1
    # Search uses the addition now, shown escaped.
    found = technet.command(OTHER, "ask where do I park a bike")
    assert "Bike racks are behind &lt;Building 3&gt; &amp; by the library." in found.text
    assert buttons(found.json()["blocks"], ids.ASK_FORWARD) == []
    # Reply pressed after it was answered says so.
    mark = technet.standin.mark()
    technet.action(ORGANISER, ids.ASK_REPLY, question_id)
    said = technet.standin.since(mark)
    assert "views.open" not in [c.method for c in said]
    assert "answered this already" in [c for c in said if c.method == "response_url"][-1].args["text"]


def test_add_to_faq_after_replying_adds_it_once(technet: Harness):
    question_id = ask_unanswerable(technet)
    forward(technet, question_id)
    technet.action(ORGANISER, ids.ASK_REPLY, question_id)
    mark = technet.standin.mark()
    technet.submit(ORGANISER, technet.opened_view(), {ids.ASK_ANSWER: "Racks by the library."})
    [updated] = [c for c in technet.standin.since(mark) if c.method == "chat.update"]
    [add] = buttons(updated.blocks(), ids.ASK_ADD_FAQ)
    mark = technet.standin.mark()
    technet.action(ORGANISER, ids.ASK_ADD_FAQ, add["value"])
    technet.action(ORGANISER, ids.ASK_ADD_FAQ, add["value"])
    said = [c.args["text"] for c in technet.standin.since(mark) if c.method == "response_url"]
    assert said == [":books: Added to the FAQ: `/tech ask` finds it now.", "It is in the FAQ already."]
    with technet.db.reading() as session:
        assert len(session.scalars(select(FaqAddition)).all()) == 1


def test_members_cannot_reply_or_add_to_the_faq(technet: Harness):
    question_id = ask_unanswerable(technet)
    forward(technet, question_id)
    for action_id in (ids.ASK_REPLY, ids.ASK_ADD_FAQ):
        mark = technet.standin.mark()
        technet.action(OTHER, action_id, question_id)
        calls = technet.standin.since(mark)
        assert "views.open" not in [c.method for c in calls]
        assert "Only network organisers" in [c for c in calls if c.method == "response_url"][-1].args["text"]
