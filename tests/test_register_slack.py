"""`/tech register` over signed HTTP against the served app and the Slack stand-in (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core import ids
from bot.standin import block_action_payload
from bot.slack_refs import member_details, role_grants, slack_identity
from storage import mentoring
from storage.clock import now
from storage.members import actor_for, get_member, upsert_member
from storage.models.mentoring import RegistrationStatus
from tests.harness import MEMBER, ORGANISER, OTHER, PANEL, Harness, all_text, buttons


def known(technet: Harness, *users: str, department: str | None = None) -> None:
    with technet.db.transaction() as session:
        for user in users:
            member = upsert_member(session, slack_identity(user), member_details(technet.standin.state.users[user]),
                                   now=now())
            member.department = department


def record(technet: Harness, user: str, status: str, register: str | None) -> dict[str, Any]:
    technet.command(user, "register status")
    view = technet.opened_view()
    assert view["callback_id"] == ids.REGISTER_STATUS_MODAL
    return technet.submit(user, view, {ids.REGISTER_STATUS: status, ids.REGISTER_REGISTER: register}).json()


def test_register_alone_explains_the_registers_and_the_fee_support(technet: Harness):
    reply = technet.command(MEMBER, "register")
    text = reply.text
    assert reply.json()["response_type"] == "ephemeral"
    for name in ("RSciTech", "RSci", "CSci", "EngTech", "IEng", "CEng", "Science Council", "Engineering Council"):
        assert name in text
    assert "Help with the costs" in text and "application fee" in text
    assert "*You:* Not recorded yet" in text
    blocks = reply.json()["blocks"]
    for action_id in (ids.REGISTER_SUGGEST_OPEN, ids.REGISTER_STATUS_OPEN, ids.REGISTER_FIND_MENTOR):
        assert buttons(blocks, action_id)
    assert "/tech register summary" not in text


def test_help_one_register_and_unknown_input(technet: Harness):
    assert "/tech register suggest" in technet.command(MEMBER, "register help").text
    assert "/tech register summary" in technet.command(ORGANISER, "register help").text
    one = technet.command(MEMBER, "register EngTech")
    assert "Engineering Technician" in one.text and "Engineering Council" in one.text and "Typically" in one.text
    assert "Registered Science Technician" in technet.command(MEMBER, "register rscitech").text
    unknown = technet.command(MEMBER, "register <!channel> wizard")
    assert "I don't know `/tech register &lt;!channel&gt; wizard`" in unknown.text
    assert "<!channel>" not in unknown.text and "`rscitech`" in unknown.text


def test_the_guided_questions_suggest_a_register(technet: Harness):
    assert "Opening three questions" in technet.command(MEMBER, "register suggest").text
    view = technet.opened_view()
    assert view["callback_id"] == ids.REGISTER_SUGGEST_MODAL
    refused = technet.submit(MEMBER, view, {ids.REGISTER_ROLE: "science", ids.REGISTER_QUALIFICATION: "level5",
                                            ids.REGISTER_YEARS: "-3"})
    assert refused.json() == {"response_action": "errors", "errors": {ids.REGISTER_YEARS:
                                                                      "Years of experience can't be negative."}}
    reply = technet.submit(MEMBER, view, {ids.REGISTER_ROLE: "science", ids.REGISTER_QUALIFICATION: "level5",
                                          ids.REGISTER_YEARS: "3"})
    assert reply.json()["response_action"] == "update"
    text = all_text(reply.json())
    assert "Aim for *RSci* (Registered Scientist)" in text and "*Next step up:* CSci" in text
    assert "Help with the costs" in text
    engineering = technet.submit(MEMBER, view, {ids.REGISTER_ROLE: "engineering", ids.REGISTER_QUALIFICATION:
                                                "level3", ids.REGISTER_YEARS: "2"})
    assert "Aim for *EngTech*" in all_text(engineering.json())
    with technet.db.reading() as session:
        row = session.get(RegistrationStatus, get_member(session, slack_identity(MEMBER)).id)
        assert (row.role, row.qualification, row.years, row.suggested, row.status) == (
            "engineering", "level3", 2, "engtech", "not_started")
    # The form opens again with the answers, and the status form proposes the suggestion.
    technet.action(MEMBER, ids.REGISTER_SUGGEST_OPEN)
    again = technet.opened_view()
    years = next(b for b in again["blocks"] if b.get("block_id") == ids.REGISTER_YEARS)["element"]
    assert years["initial_value"] == "2"
    technet.action(MEMBER, ids.REGISTER_STATUS_OPEN)
    status = technet.opened_view()
    register = next(b for b in status["blocks"] if b.get("block_id") == ids.REGISTER_REGISTER)["element"]
    assert register["initial_option"]["value"] == "engtech"


def test_recording_a_status(technet: Harness):
    refused = record(technet, MEMBER, "preparing", None)
    assert refused["response_action"] == "errors" and ids.REGISTER_REGISTER in refused["errors"]
    saved = record(technet, MEMBER, "preparing", "rscitech")
    assert saved["response_action"] == "update"
    assert "Preparing: *RSciTech*" in all_text(saved) and "/tech register mentor" in all_text(saved)
    assert "*You:* Preparing: *RSciTech*" in technet.command(MEMBER, "register").text
    done = record(technet, MEMBER, "registered", "rscitech")
    assert "Registered: *RSciTech*" in all_text(done) and "Congratulations" in all_text(done)


def test_asking_for_a_registration_mentor_links_to_mentoring(technet: Harness):
    known(technet, OTHER, MEMBER)
    with technet.db.transaction() as session:
        actor = actor_for(session, get_member(session, slack_identity(OTHER)), role_grants())
        mentoring.save_mentor_profile(session, actor, mentoring.MentorForm(areas=["registration"], capacity=1),
                                      today=now().date(), now=now())
    reply = technet.command(MEMBER, "register mentor")
    assert "Mentors for Professional registration" in reply.text and f"<@{OTHER}>" in reply.text
    assert [b["value"] for b in buttons(reply.json()["blocks"], ids.MENTOR_REQUEST)] == [f"{OTHER}|registration"]
    mark = technet.standin.mark()
    technet.action(MEMBER, ids.REGISTER_FIND_MENTOR)
    shown = [c for c in technet.standin.since(mark) if c.method == "response_url"]
    assert shown and f"<@{OTHER}>" in all_text(shown[-1].args)
    # From the Home tab (no message to answer under) the list comes by DM.
    mark = technet.standin.mark()
    action = {"action_id": ids.REGISTER_FIND_MENTOR, "block_id": "b", "type": "button"}
    technet.interact(block_action_payload(MEMBER, action, container={"type": "view", "view_id": "V1"}))
    dms = [c for c in technet.standin.since(mark) if c.method == "chat.postMessage"]
    assert dms and dms[-1].args["channel"] == MEMBER and f"<@{OTHER}>" in all_text(dms[-1].blocks())


def test_organisers_see_uptake_by_status_and_department(technet: Harness):
    known(technet, MEMBER, OTHER, department="Chemistry")
    workshops = [f"U0WORKS00{i}" for i in range(5)]
    for user in workshops:
        technet.standin.add_user(user, f"Workshop {user[-1]}")
    known(technet, PANEL, *workshops, department="Engineering <Workshops>")
    record(technet, MEMBER, "registered", "rscitech")
    record(technet, OTHER, "preparing", "rsci")
    record(technet, PANEL, "registered", "engtech")
    reply = technet.command(ORGANISER, "register summary")
    text = reply.text
    assert "Professional registration uptake" in text
    # Nine members: three recorded a status (fewer than 5 each), six did not.
    assert "*Registered*\nfewer than 5" in text and "*Preparing*\nfewer than 5" in text
    assert "*Not recorded*\n6" in text and "*Members*\n9" in text
    assert "*Registered:* fewer than 5;" in text and "%" not in text
    # Chemistry's two (and the organiser, with no department) are pooled, not shown by name; the
    # workshop's five who recorded nothing are withheld, or the organiser's 1 would follow from the 6.
    assert "Chemistry" not in text
    assert ("• (departments of fewer than 5 members): Preparing fewer than 5 · Registered fewer than 5 · "
            "Not recorded fewer than 5") in text
    assert "• Engineering &lt;Workshops&gt;: Registered fewer than 5 · Not recorded withheld" in text
    assert "• RSciTech: Registered fewer than 5" in text and "• EngTech: Registered fewer than 5" in text
    assert "Morgan" not in text and MEMBER not in text
    refused = technet.command(MEMBER, "register summary")
    assert "Only network organisers can see registration uptake" in refused.text
    with technet.db.reading() as session:
        assert len(session.scalars(select(RegistrationStatus)).all()) == 3
