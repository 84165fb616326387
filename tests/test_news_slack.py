"""News for the e-zine over signed HTTP against the served app and the Slack stand-in."""

from __future__ import annotations

import logging
from typing import Any

from freezegun import freeze_time

from core import ids
from bot.standin import Call, block_action_payload
from storage import news
from storage.models.news import NewsItem
from tests.harness import MEMBER, ORGANISER, OTHER, Harness, all_text
from tests.test_ezine_slack import T0

GOOD = {ids.NEWS_TITLE: "Priya joins the EM suite", ids.NEWS_BODY: "Welcome Priya, our new microscopist.",
        ids.NEWS_LINK: "", ids.NEWS_CATEGORY: "new_starter"}
MARKUP = "<!channel> look: <script>alert(1)</script> & " + "a-very-long-line-without-spaces" * 40


def send_news(technet: Harness, user: str = MEMBER, **changes: Any) -> dict[str, Any]:
    technet.command(user, "news")
    view = technet.opened_view()
    assert view["callback_id"] == ids.NEWS_MODAL
    return technet.submit(user, view, {**GOOD, **changes}).json()


def dms_to(technet: Harness, user_id: str) -> list[Call]:
    return [c for c in technet.standin.calls_to("chat.postMessage") if c.args.get("channel") == user_id]


def button(call_blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    return next(e for b in call_blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == action_id)


def test_sending_news_thanks_the_member_and_asks_each_organiser(technet: Harness):
    with freeze_time(T0):
        reply = send_news(technet)
    assert reply["response_action"] == "update" and "with the organisers" in all_text(reply["view"])
    [ask] = dms_to(technet, ORGANISER)
    assert "Priya joins the EM suite" in all_text(ask.blocks())
    assert [e["action_id"] for b in ask.blocks() if b["type"] == "actions" for e in b["elements"]] == \
        [ids.NEWS_APPROVE, ids.NEWS_EDIT, ids.NEWS_REJECT]
    assert dms_to(technet, MEMBER) == []


def test_a_bad_link_is_refused_next_to_the_field(technet: Harness):
    with freeze_time(T0):
        reply = send_news(technet, **{ids.NEWS_LINK: "ftp://example.org/x"})
    assert reply["response_action"] == "errors"
    assert "web address" in reply["errors"][ids.NEWS_LINK]
    assert dms_to(technet, ORGANISER) == []


def test_slack_retrying_a_submission_makes_one_item_and_one_request(technet: Harness):
    with freeze_time(T0):
        technet.command(MEMBER, "news")
        view = technet.opened_view()
        technet.submit(MEMBER, view, GOOD)
        technet.submit(MEMBER, view, GOOD)
    with technet.db.reading() as session:
        assert session.query(NewsItem).count() == 1
    assert len(dms_to(technet, ORGANISER)) == 1


def test_rejecting_from_the_queue_tells_the_member_why(technet: Harness):
    with freeze_time(T0):
        send_news(technet)
        queue = technet.command(ORGANISER, "news queue")
        assert "News waiting for review (1)" in queue.text
        reject = button(queue.json()["blocks"], ids.NEWS_REJECT)
        technet.action(ORGANISER, ids.NEWS_REJECT, reject["value"])
        form = technet.opened_view()
        assert form["callback_id"] == ids.NEWS_REJECT_MODAL
        empty = technet.submit(ORGANISER, form, {ids.NEWS_REASON: " "}).json()
        assert empty["response_action"] == "errors" and ids.NEWS_REASON in empty["errors"]
        assert technet.submit(ORGANISER, form, {ids.NEWS_REASON: "Please add <b>when</b> she starts."}).json() == \
            {"response_action": "clear"}
    [told] = [all_text(c.args) for c in dms_to(technet, MEMBER)]
    assert "won't go in the e-zine this time" in told and "Please add &lt;b&gt;when&lt;/b&gt; she starts." in told
    refreshed = technet.standin.calls_to("response_url")[-1]
    assert refreshed.args["replace_original"] is True and "No news is waiting for review" in all_text(refreshed.args)
    with freeze_time(T0):
        mine = technet.command(MEMBER, "news mine")
    assert "not accepted" in mine.text and "Please add &lt;b&gt;when&lt;/b&gt; she starts." in mine.text


def test_editing_from_the_dm_saves_approves_and_tells_the_member(technet: Harness):
    with freeze_time(T0):
        send_news(technet)
        [ask] = dms_to(technet, ORGANISER)
        edit = button(ask.blocks(), ids.NEWS_EDIT)
        technet.action(ORGANISER, ids.NEWS_EDIT, edit["value"])
        form = technet.opened_view()
        title = next(b for b in form["blocks"] if b.get("block_id") == ids.NEWS_TITLE)
        assert title["element"]["initial_value"] == "Priya joins the EM suite"
        assert form["submit"]["text"] == "Save and approve"
        technet.submit(ORGANISER, form, {**GOOD, ids.NEWS_TITLE: "Welcome, Priya"})
    [told] = [all_text(c.args) for c in dms_to(technet, MEMBER)]
    assert "“Welcome, Priya” is approved (an organiser tidied it a little)" in told
    refreshed = technet.standin.calls_to("response_url")[-1]
    assert "approved by Orla Organiser" in all_text(refreshed.args)
    with technet.db.reading() as session:
        [waiting] = news.waiting_for_issue(session)
        assert waiting.title == "Welcome, Priya"


def test_two_organisers_approving_tell_the_member_once(technet: Harness):
    with freeze_time(T0):
        send_news(technet)
        [ask] = dms_to(technet, ORGANISER)
        approve = button(ask.blocks(), ids.NEWS_APPROVE)
        technet.action(ORGANISER, ids.NEWS_APPROVE, approve["value"])
        technet.action(ORGANISER, ids.NEWS_APPROVE, approve["value"])
    assert len(dms_to(technet, MEMBER)) == 1


def test_markup_in_news_is_shown_literally_to_organisers(technet: Harness):
    with freeze_time(T0):
        send_news(technet, **{ids.NEWS_TITLE: "<b>Bold</b> claim", ids.NEWS_BODY: MARKUP[:2000]})
    [ask] = dms_to(technet, ORGANISER)
    text = all_text(ask.blocks())
    assert "&lt;!channel&gt;" in text and "&lt;script&gt;" in text and "&lt;b&gt;Bold&lt;/b&gt;" in text
    assert "<!channel>" not in text and "<script>" not in text
    assert all(len(b["text"]["text"]) <= 3000 for b in ask.blocks() if b["type"] == "section")


def test_members_cannot_review_and_help_and_bad_input(technet: Harness):
    assert "Only network organisers can review news" in technet.command(MEMBER, "news queue").text
    assert "`/tech news mine`" in technet.command(MEMBER, "news help").text
    assert "I don't know `/tech news &lt;!here&gt;`" in technet.command(MEMBER, "news <!here>").text
    assert "haven't sent any news yet" in technet.command(OTHER, "news mine").text


def test_the_queue_refuses_a_member_as_other_commands_refuse(technet: Harness):
    reply = technet.command(MEMBER, "news queue").json()
    assert reply["text"] == ":no_entry: Only network organisers can review news."


def test_a_member_cannot_approve_with_a_forged_button(technet: Harness):
    with freeze_time(T0):
        send_news(technet)
        [ask] = dms_to(technet, ORGANISER)
        approve = button(ask.blocks(), ids.NEWS_APPROVE)
        technet.action(MEMBER, ids.NEWS_APPROVE, approve["value"])
    told = technet.standin.calls_to("response_url")[-1]
    assert "Only network organisers can approve news" in all_text(told.args)
    with technet.db.reading() as session:
        assert news.waiting_for_issue(session) == []


def test_the_home_tab_has_a_send_news_button_and_organisers_see_what_waits(technet: Harness):
    with freeze_time(T0):
        send_news(technet)
        mark = technet.standin.mark()
        technet.event({"type": "app_home_opened", "user": ORGANISER, "channel": "D0HOME", "tab": "home"},
                      event_id="EvNewsHome")
        [home] = [c for c in technet.standin.since(mark) if c.method == "views.publish"]
        text = all_text(home.view())
        assert "1 item waiting for review" in text
        accessory = next(b["accessory"] for b in home.view()["blocks"]
                         if b.get("accessory", {}).get("action_id") == ids.NEWS_OPEN)
        payload = block_action_payload(MEMBER, {"action_id": accessory["action_id"], "block_id": "b",
                                                "type": "button"}, container={"type": "view", "view_id": "V1"})
        assert technet.interact(payload).status == 200
    assert technet.opened_view()["callback_id"] == ids.NEWS_MODAL


def test_a_failure_after_the_ack_reaches_the_member(technet: Harness, caplog):
    # Opening the form is work after the ack; bot/app.py reports what it raises.
    technet.standin.refuse("views.open", "expired_trigger_id")
    with caplog.at_level(logging.ERROR, logger="bot.app"):
        reply = technet.command(MEMBER, "news")
    assert reply.status == 200 and "Opening the news form" in reply.text
    told = technet.standin.calls_to("response_url")[-1].args
    assert told["response_type"] == "ephemeral" and "Something went wrong on our side" in told["text"]
    assert any(r.exc_info for r in caplog.records)


def test_a_refusal_after_a_forged_decision_form_reaches_the_member_by_dm(technet: Harness):
    with freeze_time(T0):
        send_news(technet)
        [ask] = dms_to(technet, ORGANISER)
        technet.action(ORGANISER, ids.NEWS_REJECT, button(ask.blocks(), ids.NEWS_REJECT)["value"])
        form = technet.opened_view()
        # A view submission has no response_url: the refusal comes by DM.
        assert technet.submit(MEMBER, form, {ids.NEWS_REASON: "Not <!here>"}).json() == {"response_action": "clear"}
    [told] = [c.args["text"] for c in dms_to(technet, MEMBER)]
    assert told == ":no_entry: Only network organisers can reject news."
    with technet.db.reading() as session:
        assert session.query(NewsItem).one().status == news.PENDING


def test_a_form_error_shows_on_the_form_only_never_also_as_a_dm(technet: Harness):
    with freeze_time(T0):
        refused = send_news(technet, **{ids.NEWS_LINK: "ftp://example.org/x"})
        assert refused["response_action"] == "errors"
        send_news(technet)
        [ask] = dms_to(technet, ORGANISER)
        technet.action(ORGANISER, ids.NEWS_EDIT, button(ask.blocks(), ids.NEWS_EDIT)["value"])
        edited = technet.submit(ORGANISER, technet.opened_view(), {**GOOD, ids.NEWS_TITLE: " "}).json()
        technet.action(ORGANISER, ids.NEWS_REJECT, button(ask.blocks(), ids.NEWS_REJECT)["value"])
        rejected = technet.submit(ORGANISER, technet.opened_view(), {ids.NEWS_REASON: " "}).json()
    assert edited == {"response_action": "errors", "errors": {ids.NEWS_TITLE: "Give the news a title."}}
    assert rejected == {"response_action": "errors",
                        "errors": {ids.NEWS_REASON: "Say why, so the submitter knows what to change."}}
    assert dms_to(technet, MEMBER) == [] and len(dms_to(technet, ORGANISER)) == 1
    with technet.db.reading() as session:
        [item] = session.query(NewsItem).all()
        assert (item.title, item.status) == (GOOD[ids.NEWS_TITLE], news.PENDING)
