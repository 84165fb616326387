"""`/tech mentor` over signed HTTP against the served app and the Slack stand-in (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, UTC
from typing import Any

from freezegun import freeze_time
from sqlalchemy import select

from core import ids
from bot.standin import block_action_payload
from digests.runner import run_due
from bot.slack_refs import member_details, role_grants, slack_identity
from storage import mentoring
from storage.clock import now
from storage.members import actor_for, get_member, upsert_member
from storage.models import DueItem
from storage.models.mentoring import MentoringPairing, MentoringRequest
from tests.harness import MEMBER, ORGANISER, OTHER, PANEL, Harness, all_text, buttons

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # Monday 3 March 2025


def known(technet: Harness, *users: str) -> None:
    with technet.db.transaction() as session:
        for user in users:
            upsert_member(session, slack_identity(user), member_details(technet.standin.state.users[user]), now=now())


def make_mentor(technet: Harness, user: str, areas=("registration",), capacity: int = 1, **extra: Any) -> None:
    known(technet, user)
    with technet.db.transaction() as session:
        actor = actor_for(session, get_member(session, slack_identity(user)), role_grants())
        mentoring.save_mentor_profile(session, actor, mentoring.MentorForm(areas=list(areas), capacity=capacity,
                                                                           **extra),
                                      today=now().date(), now=now())


def request(technet: Harness, mentee: str, mentor: str, note: str = "Help with my RSciTech application",
            area: str = "registration") -> dict[str, Any]:
    """Press Request on a mentor found, fill in the note, send; returns the mentor's DM call's args."""
    mark = technet.standin.mark()
    technet.action(mentee, ids.MENTOR_REQUEST, f"{mentor}|{area}")
    view = technet.opened_view()
    assert view["callback_id"] == ids.MENTOR_REQUEST_MODAL
    reply = technet.submit(mentee, view, {ids.MENTOR_NOTE: note})
    assert reply.json()["response_action"] == "update"
    dms = [c for c in technet.standin.since(mark) if c.method == "chat.postMessage" and c.args["channel"] == mentor]
    assert len(dms) == 1
    return dms[0].args


def request_id(technet: Harness) -> int:
    with technet.db.reading() as session:
        return session.scalars(select(MentoringRequest.id).order_by(MentoringRequest.id.desc())).first()


def pairing_id(technet: Harness) -> int:
    with technet.db.reading() as session:
        return session.scalars(select(MentoringPairing.id).order_by(MentoringPairing.id.desc())).first()


def accept(technet: Harness, mentor: str, rid: int) -> list[Any]:
    mark = technet.standin.mark()
    technet.action(mentor, ids.MENTOR_ACCEPT, str(rid))
    return technet.standin.since(mark)


def pair(technet: Harness, mentee: str = MEMBER, mentor: str = OTHER) -> str:
    """The mentee asks the mentor, who accepts; returns the group DM's channel."""
    request(technet, mentee, mentor)
    accept(technet, mentor, request_id(technet))
    return technet.standin.calls_to("conversations.open")[-1].result["channel"]["id"]


# The command ------------------------------------------------------------------------------------

def test_mentor_alone_shows_the_overview_and_usage(technet: Harness):
    reply = technet.command(MEMBER, "mentor")
    assert reply.json()["response_type"] == "ephemeral"
    assert "Your mentoring" in reply.text and "No mentoring yet" in reply.text
    assert "/tech mentor find &lt;area&gt;" in reply.text and "/tech mentor summary" not in reply.text
    assert buttons(reply.json()["blocks"], ids.MENTOR_JOIN_OPEN)


def test_help_and_unknown_input(technet: Harness):
    assert "/tech mentor join" in technet.command(MEMBER, "mentor help").text
    assert "/tech mentor summary" in technet.command(ORGANISER, "mentor help").text
    unknown = technet.command(MEMBER, "mentor frobnicate <!here>")
    assert "I don't know `/tech mentor frobnicate &lt;!here&gt;`" in unknown.text
    assert "<!here>" not in unknown.text and "/tech mentor find" in unknown.text


def test_joining_as_a_mentor_in_the_form(technet: Harness):
    mark = technet.standin.mark()
    assert "Opening your mentor profile" in technet.command(OTHER, "mentor join").text
    assert [c.method for c in technet.standin.since(mark)].count("views.open") == 1
    view = technet.opened_view()
    assert view["callback_id"] == ids.MENTOR_PROFILE_MODAL
    areas = next(b for b in view["blocks"] if b.get("block_id") == ids.MENTOR_AREAS)["element"]["options"]
    assert "Professional registration" in [o["text"]["text"] for o in areas]
    refused = technet.submit(OTHER, view, {ids.MENTOR_AREAS: [], ids.MENTOR_CAPACITY: "12"})
    assert refused.json()["response_action"] == "errors"
    assert set(refused.json()["errors"]) == {ids.MENTOR_AREAS, ids.MENTOR_CAPACITY}
    saved = technet.submit(OTHER, view, {ids.MENTOR_AREAS: ["registration", "technical"], ids.MENTOR_CAPACITY: "2",
                                         ids.MENTOR_SPECIALISMS: "EngTech, <CNC>"})
    assert saved.json()["response_action"] == "update"
    assert "You mentor in Professional registration, Technical skills and techniques" in all_text(saved.json())
    assert "2 free places" in all_text(saved.json())
    # The form opens again prefilled.
    technet.command(OTHER, "mentor join")
    again = technet.opened_view()
    capacity = next(b for b in again["blocks"] if b.get("block_id") == ids.MENTOR_CAPACITY)["element"]
    assert capacity["initial_value"] == "2"


def test_find_lists_mentors_with_a_free_place_and_never_the_member(technet: Harness):
    make_mentor(technet, OTHER, ("registration",), 2, specialisms="EngTech <applications>")
    make_mentor(technet, MEMBER, ("registration",), 1)
    reply = technet.command(MEMBER, "mentor find registration")
    text = reply.text
    assert "Mentors for Professional registration" in text
    assert f"<@{OTHER}>" in text and f"<@{MEMBER}>" not in text
    assert "EngTech &lt;applications&gt;" in text and "2 free places" in text
    assert [b["value"] for b in buttons(reply.json()["blocks"], ids.MENTOR_REQUEST)] == [f"{OTHER}|registration"]
    nothing = technet.command(MEMBER, "mentor find leadership")
    assert "No mentor has a free place in that area" in nothing.text
    unknown = technet.command(MEMBER, "mentor find astrology")
    assert "No area or specialism matches “astrology”" in unknown.text and "Professional registration" in unknown.text


def test_request_accept_and_the_group_dm(technet: Harness):
    make_mentor(technet, OTHER, ("registration",), 1)
    known(technet, MEMBER)
    dm = request(technet, MEMBER, OTHER, note="RSciTech <this year>")
    text = all_text(json.loads(dm["blocks"]) if isinstance(dm["blocks"], str) else dm["blocks"])
    assert f"<@{MEMBER}>" in text and "mentor them in *Professional registration*" in text
    assert "RSciTech &lt;this year&gt;" in text
    rid = request_id(technet)
    calls = accept(technet, OTHER, rid)
    opened = [c for c in calls if c.method == "conversations.open"]
    assert len(opened) == 1 and set(opened[0].args["users"].split(",")) == {OTHER, MEMBER}
    group = opened[0].result["channel"]["id"]
    assert group.startswith("G") and technet.standin.state.group_dms[group] == tuple(sorted({OTHER, MEMBER,
                                                                                            "U0TECHBOT"}))
    intro = [c for c in calls if c.method == "chat.postMessage" and c.args["channel"] == group]
    assert len(intro) == 1
    intro_text = all_text(intro[0].blocks())
    assert f"<@{OTHER}> has agreed to mentor <@{MEMBER}> in *Professional registration*" in intro_text
    assert "check in with you both here monthly" in intro_text
    replaced = [c for c in calls if c.method == "response_url"]
    assert replaced and replaced[-1].args["replace_original"] is True
    assert "I've opened a group DM with you both" in replaced[-1].args["text"]
    overview = technet.command(MEMBER, "mentor").text
    assert f"Your mentor: <@{OTHER}> in *Professional registration*" in overview


def test_a_request_accepted_twice_makes_one_pairing_and_one_group_dm(technet: Harness):
    make_mentor(technet, OTHER, capacity=2)
    known(technet, MEMBER)
    request(technet, MEMBER, OTHER)
    rid = request_id(technet)
    accept(technet, OTHER, rid)
    second = accept(technet, OTHER, rid)
    assert [c.method for c in second if c.method in ("conversations.open", "chat.postMessage")] == []
    said = [c.args["text"] for c in second if c.method == "response_url"]
    assert said and "You accepted" in said[-1] and "already" in said[-1]
    with technet.db.reading() as session:
        assert len(session.scalars(select(MentoringPairing)).all()) == 1
    assert len(technet.standin.calls_to("conversations.open")) == 1


def test_submitting_the_request_twice_asks_once(technet: Harness):
    make_mentor(technet, OTHER)
    known(technet, MEMBER)
    technet.action(MEMBER, ids.MENTOR_REQUEST, f"{OTHER}|registration")
    view = technet.opened_view()
    first = technet.submit(MEMBER, view, {ids.MENTOR_NOTE: "hello"})
    second = technet.submit(MEMBER, view, {ids.MENTOR_NOTE: "hello"})
    assert "I've asked" in all_text(first.json()) and "You have asked" in all_text(second.json())
    assert len([c for c in technet.standin.calls_to("chat.postMessage") if c.args["channel"] == OTHER]) == 1
    # Pressing Request again says so, without a form.
    mark = technet.standin.mark()
    technet.action(MEMBER, ids.MENTOR_REQUEST, f"{OTHER}|registration")
    calls = technet.standin.since(mark)
    assert "views.open" not in [c.method for c in calls]
    assert "You have asked" in [c for c in calls if c.method == "response_url"][-1].args["text"]


def test_a_mentor_at_capacity_cannot_be_requested(technet: Harness):
    make_mentor(technet, OTHER, capacity=1)
    known(technet, MEMBER, PANEL)
    pair(technet, PANEL)
    assert f"<@{OTHER}>" not in technet.command(MEMBER, "mentor find registration").text
    mark = technet.standin.mark()
    technet.action(MEMBER, ids.MENTOR_REQUEST, f"{OTHER}|registration")  # from a list shown before she was full
    calls = technet.standin.since(mark)
    assert "views.open" not in [c.method for c in calls]
    said = [c for c in calls if c.method == "response_url"][-1].args["text"]
    assert "Olu Other has no free place just now (1 of 1 taken)" in said


def test_accepting_beyond_capacity_is_refused(technet: Harness):
    make_mentor(technet, OTHER, capacity=1)
    known(technet, MEMBER, PANEL)
    request(technet, MEMBER, OTHER)
    first = request_id(technet)
    request(technet, PANEL, OTHER)
    second = request_id(technet)
    accept(technet, OTHER, first)
    calls = accept(technet, OTHER, second)
    assert "conversations.open" not in [c.method for c in calls]
    said = [c for c in calls if c.method == "response_url"][-1].args["text"]
    assert "You are mentoring 1 of the 1 you offered" in said


def test_a_request_to_a_mentor_who_has_left(technet: Harness):
    make_mentor(technet, OTHER, capacity=2)
    known(technet, MEMBER)
    with technet.db.transaction() as session:
        get_member(session, slack_identity(OTHER)).deactivated = True
    mark = technet.standin.mark()
    technet.action(MEMBER, ids.MENTOR_REQUEST, f"{OTHER}|registration")
    calls = technet.standin.since(mark)
    assert "views.open" not in [c.method for c in calls]
    assert "Olu Other has left the workspace" in [c for c in calls if c.method == "response_url"][-1].args["text"]
    assert f"<@{OTHER}>" not in technet.command(MEMBER, "mentor find registration").text


def test_a_mentor_slack_says_has_left_closes_the_request(technet: Harness):
    # technet has not heard yet that the account went; Slack refuses the DM.
    make_mentor(technet, OTHER, capacity=2)
    known(technet, MEMBER)
    technet.action(MEMBER, ids.MENTOR_REQUEST, f"{OTHER}|registration")
    view = technet.opened_view()
    technet.standin.refuse("chat.postMessage", "user_disabled")
    mark = technet.standin.mark()
    technet.submit(MEMBER, view, {ids.MENTOR_NOTE: "hi"})
    told = [c for c in technet.standin.since(mark) if c.method == "chat.postMessage" and c.args["channel"] == MEMBER]
    assert told and "I couldn't reach Olu Other" in told[-1].args["text"]
    with technet.db.reading() as session:
        assert session.scalars(select(MentoringRequest.status)).all() == ["cancelled"]


def test_decline_tells_the_mentee_kindly(technet: Harness):
    make_mentor(technet, OTHER)
    known(technet, MEMBER)
    request(technet, MEMBER, OTHER)
    mark = technet.standin.mark()
    technet.action(OTHER, ids.MENTOR_DECLINE, str(request_id(technet)))
    calls = technet.standin.since(mark)
    told = [c for c in calls if c.method == "chat.postMessage" and c.args["channel"] == MEMBER]
    assert len(told) == 1 and "can't take on a mentee" in told[0].args["text"]
    assert "/tech mentor find registration" in told[0].args["text"]
    assert "You declined" in [c for c in calls if c.method == "response_url"][-1].args["text"]


def test_the_mentee_withdraws_and_the_mentors_dm_says_so(technet: Harness):
    make_mentor(technet, OTHER)
    known(technet, MEMBER)
    dm = request(technet, MEMBER, OTHER)
    overview = technet.command(MEMBER, "mentor")
    [withdraw] = buttons(overview.json()["blocks"], ids.MENTOR_WITHDRAW)
    mark = technet.standin.mark()
    technet.action(MEMBER, ids.MENTOR_WITHDRAW, withdraw["value"])
    updated = [c for c in technet.standin.since(mark) if c.method == "chat.update"]
    assert len(updated) == 1 and updated[0].args["channel"] == dm["channel"]
    assert "withdrew their request" in updated[0].args["text"]


def test_either_side_ends_the_pairing_and_both_are_offered_cpd(technet: Harness):
    make_mentor(technet, OTHER)
    known(technet, MEMBER)
    with freeze_time(T0) as frozen:
        group = pair(technet)
        frozen.move_to(T0 + timedelta(days=70))
        mark = technet.standin.mark()
        technet.action(MEMBER, ids.MENTOR_END, str(pairing_id(technet)))
        calls = technet.standin.since(mark)
        posts = [c for c in calls if c.method == "chat.postMessage"]
        assert any(c.args["channel"] == group and f"<@{MEMBER}> ended the mentoring" in c.args["text"]
                   for c in posts)
        offers = {c.args["channel"]: c for c in posts if buttons(c.blocks(), ids.CPD_LOG_DRAFT)}
        assert set(offers) == {MEMBER, OTHER}
        draft = json.loads(buttons(offers[MEMBER].blocks(), ids.CPD_LOG_DRAFT)[0]["value"])
        assert draft["activity"] == "Mentored by Olu Other (Professional registration)"
        assert (draft["category"], draft["source"], draft["done_on"]) == ("mentoring", "mentoring", "2025-05-12")
        mentor_draft = json.loads(buttons(offers[OTHER].blocks(), ids.CPD_LOG_DRAFT)[0]["value"])
        assert mentor_draft["activity"] == "Mentoring Morgan Member (Professional registration)"
        # The button opens the CPD form prefilled (the CPD feature's own listener).
        technet.action(MEMBER, ids.CPD_LOG_DRAFT, buttons(offers[MEMBER].blocks(), ids.CPD_LOG_DRAFT)[0]["value"])
        form = technet.opened_view()
        activity = next(b for b in form["blocks"] if b.get("block_id") == ids.CPD_ACTIVITY)
        assert form["callback_id"] == ids.CPD_MODAL
        assert activity["element"]["initial_value"] == "Mentored by Olu Other (Professional registration)"
        # Ending again (the mentor, a moment later) changes nothing.
        mark = technet.standin.mark()
        technet.action(OTHER, ids.MENTOR_END, str(pairing_id(technet)))
        calls = technet.standin.since(mark)
        assert [c for c in calls if c.method == "chat.postMessage"] == []
        assert "ended already, on 12 May 2025" in [c for c in calls if c.method == "response_url"][-1].args["text"]
    assert "No mentoring yet" in technet.command(MEMBER, "mentor").text


def test_only_the_two_of_them_can_end_it(technet: Harness):
    make_mentor(technet, OTHER)
    known(technet, MEMBER, PANEL)
    pair(technet)
    mark = technet.standin.mark()
    technet.action(PANEL, ids.MENTOR_END, str(pairing_id(technet)))
    said = [c for c in technet.standin.since(mark) if c.method == "response_url"][-1].args["text"]
    assert "not one of yours" in said
    with technet.db.reading() as session:
        assert session.scalars(select(MentoringPairing.ended_at)).all() == [None]


def test_check_ins_come_monthly_until_the_pairing_ends(technet: Harness):
    make_mentor(technet, OTHER)
    known(technet, MEMBER)
    with freeze_time(T0) as frozen:
        group = pair(technet)

        def checkins() -> list[Any]:
            return [c for c in technet.standin.calls_to("chat.postMessage")
                    if c.args["channel"] == group and c.args["text"].startswith("Mentoring check-in")]

        # Nothing before it is due: Wednesday 2 April 2025 at 10:00 London (09:00 UTC).
        frozen.move_to(datetime(2025, 4, 2, 8, 59, tzinfo=UTC))
        assert run_due(technet.runtime, now()).done == 0 and checkins() == []
        frozen.move_to(datetime(2025, 4, 2, 9, 0, tzinfo=UTC))
        assert run_due(technet.runtime, now()).done == 1
        assert run_due(technet.runtime, now()).done == 0  # once
        [first] = checkins()
        text = all_text(first.blocks())
        assert f"Checking in, <@{MEMBER}> and <@{OTHER}>" in text and "It's been 4 weeks" in text
        assert buttons(first.blocks(), ids.MENTOR_MET) and buttons(first.blocks(), ids.MENTOR_END)
        frozen.move_to(datetime(2025, 5, 2, 9, 0, tzinfo=UTC))
        assert run_due(technet.runtime, now()).done == 1 and len(checkins()) == 2
        # They say they met; then the mentor ends it: no more check-ins.
        technet.action(MEMBER, ids.MENTOR_MET, str(pairing_id(technet)))
        technet.action(OTHER, ids.MENTOR_END, str(pairing_id(technet)))
        frozen.move_to(datetime(2025, 6, 2, 9, 0, tzinfo=UTC))
        report = run_due(technet.runtime, now())
        assert report.done == 0 and len(checkins()) == 2
    with technet.db.reading() as session:
        statuses = session.scalars(select(DueItem.status).where(DueItem.kind == mentoring.CHECKIN)
                                   .order_by(DueItem.due_at)).all()
    assert statuses == ["done", "done", "cancelled"]


def test_changing_the_cadence_in_the_group_dm(technet: Harness):
    make_mentor(technet, OTHER)
    known(technet, MEMBER)
    with freeze_time(T0) as frozen:
        group = pair(technet)
        pid = pairing_id(technet)
        action = {"action_id": ids.MENTOR_CADENCE, "block_id": "b", "type": "static_select",
                  "selected_option": {"text": {"type": "plain_text", "text": "Check in every two weeks"},
                                      "value": f"{pid}:14"}}
        mark = technet.standin.mark()
        technet.interact(block_action_payload(MEMBER, action, response_url=technet.standin.response_url()))
        said = [c for c in technet.standin.since(mark) if c.method == "chat.postMessage"]
        assert len(said) == 1 and said[0].args["channel"] == group
        assert "changed the check-ins to every two weeks; the next is on 17 March 2025" in said[0].args["text"]
        # 10:00 London is 10:00 UTC until the clocks change on 30 March, 09:00 UTC after.
        frozen.move_to(datetime(2025, 3, 17, 10, 0, tzinfo=UTC))
        assert run_due(technet.runtime, now()).done == 1
        frozen.move_to(datetime(2025, 3, 31, 9, 0, tzinfo=UTC))
        assert run_due(technet.runtime, now()).done == 1
        # The monthly one that was replaced does not come.
        frozen.move_to(datetime(2025, 4, 2, 9, 0, tzinfo=UTC))
        assert run_due(technet.runtime, now()).done == 0
    posted = [c for c in technet.standin.calls_to("chat.postMessage")
              if c.args["text"].startswith("Mentoring check-in")]
    assert len(posted) == 2  # 17 March, then 31 March (two weeks on), never the old 2 April one
    with technet.db.reading() as session:
        occurrences = session.scalars(select(DueItem.occurrence).where(DueItem.status == "done")).all()
    assert sorted(occurrences) == ["v2:2025-03-17", "v2:2025-03-31"]


def test_organisers_see_the_number_of_active_pairs(technet: Harness):
    make_mentor(technet, OTHER, capacity=2)
    known(technet, MEMBER, PANEL)
    pair(technet)
    request(technet, PANEL, OTHER)
    summary = technet.command(ORGANISER, "mentor summary")
    assert "Mentoring across the network" in summary.text
    # One pair and one request: groups too small to show as numbers.
    assert "*Active pairs*\nfewer than 5" in summary.text and "*Requests waiting*\nfewer than 5" in summary.text
    assert "*Mentors*\nfewer than 5" in summary.text and "places)" not in summary.text
    assert "Morgan" not in summary.text and MEMBER not in summary.text
    refused = technet.command(MEMBER, "mentor summary")
    assert "Only network organisers can see the mentoring figures" in refused.text


def test_the_home_tab_shows_mentoring_and_registration(technet: Harness):
    make_mentor(technet, OTHER)
    known(technet, MEMBER)
    pair(technet)
    mark = technet.standin.mark()
    technet.event({"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": "home"}, event_id="EvM1")
    [published] = [c for c in technet.standin.since(mark) if c.method == "views.publish"]
    text = all_text(published.view())
    assert "*Your mentoring*" in text and f"Your mentor: <@{OTHER}>" in text
    assert "*Professional registration*" in text and "Not recorded yet" in text
    home = published.view()["blocks"]
    assert buttons(home, ids.MENTOR_JOIN_OPEN) and buttons(home, ids.REGISTER_STATUS_OPEN)
    # Its buttons work: the mentor form opens from the Home tab.
    technet.action(MEMBER, ids.MENTOR_JOIN_OPEN, container={"type": "view", "view_id": published.result["view"]["id"]})
    assert technet.opened_view()["callback_id"] == ids.MENTOR_PROFILE_MODAL


def test_a_group_dm_that_could_not_be_opened_is_opened_on_the_next_accept(technet: Harness):
    make_mentor(technet, OTHER)
    known(technet, MEMBER)
    request(technet, MEMBER, OTHER)
    technet.standin.refuse("conversations.open", "internal_error")
    first = accept(technet, OTHER, request_id(technet))
    assert "I couldn't open a group DM" in [c for c in first if c.method == "response_url"][-1].args["text"]
    second = accept(technet, OTHER, request_id(technet))
    assert [c.method for c in second if c.method in ("conversations.open", "chat.postMessage")] == [
        "conversations.open", "chat.postMessage"]
    assert "the group DM with you both is open" in [c for c in second if c.method == "response_url"][-1].args["text"]
    third = accept(technet, OTHER, request_id(technet))
    assert "conversations.open" not in [c.method for c in third]
