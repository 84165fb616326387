"""`/tech profile` over signed HTTP against the served app and the Slack stand-in."""

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from core import ids
from core.settings import Settings
from bot.standin import block_action_payload
from content import ContentError
from handlers.profile import load_departments
from bot.slack_refs import slack_identity
from storage import registration
from storage.clock import now
from storage.members import actor_for, find_member
from storage.models import Member
from storage.profiles import OTHER_DEPARTMENT
from tests.harness import MEMBER, OTHER, Harness

FULL = {
    ids.PROFILE_JOB_TITLE: "Analytical Technician",
    ids.PROFILE_DEPARTMENT: "Chemistry",
    ids.PROFILE_FTE: "0.8",
    ids.PROFILE_SKILLS: ["HPLC", "Mass spectrometry"],
    ids.PROFILE_EQUIPMENT: ["Agilent 1260"],
    ids.PROFILE_BIO: "I look after the analytical suite.",
    ids.PROFILE_VISIBILITY: ["listed", "spotlight"],
    ids.PROFILE_PUBLIC_FIELDS: ["job_title", "department", "skills", "equipment", "bio"],
}


def open_form(technet: Harness, user: str) -> dict[str, Any]:
    mark = technet.standin.mark()
    reply = technet.command(user, "profile")
    assert reply.status == 200
    assert [c.method for c in technet.standin.since(mark)].count("views.open") == 1
    return technet.opened_view()


def fill_profile(technet: Harness, user: str, **answers: Any) -> Any:
    """Open `/tech profile` and submit it with FULL's answers, changed by `answers` (block_id=...)."""
    view = open_form(technet, user)
    return technet.submit(user, view, {**FULL, **answers})


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def member(technet: Harness, user: str) -> Member:
    with technet.db.reading() as session:
        found = find_member(session, slack_identity(user))
        assert found is not None
        session.expunge(found)
        return found


def test_the_form_opens_prefilled_from_slack(technet: Harness):
    reply = technet.command(MEMBER, "profile")
    assert "Opening your profile" in reply.text and "/tech profile @colleague" in reply.text
    view = technet.opened_view()
    assert view["callback_id"] == ids.PROFILE_MODAL
    assert block(view, ids.PROFILE_JOB_TITLE)["element"]["initial_value"] == "Technician"
    assert block(view, ids.PROFILE_FTE)["element"]["initial_value"] == "1"
    assert "Morgan Member · Europe/London" in view["blocks"][0]["elements"][0]["text"]
    department = block(view, ids.PROFILE_DEPARTMENT)["element"]
    assert department["options"][-1]["value"] == OTHER_DEPARTMENT
    assert "Chemistry" in [o["value"] for o in department["options"]]
    assert block(view, ids.PROFILE_SKILLS)["element"]["type"] == "multi_external_select"
    assert "initial_options" not in block(view, ids.PROFILE_VISIBILITY)["element"]


def test_saving_writes_the_member_and_refreshes_the_home_tab(technet: Harness):
    mark = technet.standin.mark()
    reply = fill_profile(technet, MEMBER)
    assert reply.status == 200 and reply.body == ""
    saved = member(technet, MEMBER)
    assert (saved.job_title, saved.department, saved.fte) == ("Analytical Technician", "Chemistry", 0.8)
    publishes = [c for c in technet.standin.since(mark) if c.method == "views.publish"]
    assert len(publishes) == 1 and publishes[0].args["user_id"] == MEMBER
    home_text = str(publishes[0].blocks())
    assert "100%" in home_text and "You are in the skills directory" in home_text


def test_the_form_reopens_with_what_was_saved(technet: Harness):
    fill_profile(technet, MEMBER, **{ids.PROFILE_DEPARTMENT: OTHER_DEPARTMENT,
                                     ids.PROFILE_DEPARTMENT_OTHER: "Dental School"})
    view = open_form(technet, MEMBER)
    assert block(view, ids.PROFILE_DEPARTMENT)["element"]["initial_option"]["value"] == OTHER_DEPARTMENT
    assert block(view, ids.PROFILE_DEPARTMENT_OTHER)["element"]["initial_value"] == "Dental School"
    assert [o["value"] for o in block(view, ids.PROFILE_SKILLS)["element"]["initial_options"]] == \
        ["HPLC", "Mass spectrometry"]
    assert {o["value"] for o in block(view, ids.PROFILE_VISIBILITY)["element"]["initial_options"]} == \
        {"listed", "spotlight"}
    assert block(view, ids.PROFILE_FTE)["element"]["initial_value"] == "0.8"


def test_fte_outside_zero_to_one_is_refused_next_to_the_field(technet: Harness):
    for fte in ("0", "1.5", "-1"):
        reply = fill_profile(technet, MEMBER, **{ids.PROFILE_FTE: fte})
        body = reply.json()
        assert body["response_action"] == "errors"
        assert list(body["errors"]) == [ids.PROFILE_FTE]
        assert "more than 0 and at most 1" in body["errors"][ids.PROFILE_FTE]
    assert member(technet, MEMBER).fte == 1.0
    assert technet.standin.calls_to("views.publish") == []


def test_other_department_without_a_name_is_refused_next_to_the_box(technet: Harness):
    reply = fill_profile(technet, MEMBER, **{ids.PROFILE_DEPARTMENT: OTHER_DEPARTMENT})
    assert list(reply.json()["errors"]) == [ids.PROFILE_DEPARTMENT_OTHER]


def test_two_hundred_tags_are_refused_next_to_the_skills(technet: Harness):
    reply = fill_profile(technet, MEMBER, **{ids.PROFILE_SKILLS: [f"technique {i}" for i in range(200)]})
    errors = reply.json()["errors"]
    assert list(errors) == [ids.PROFILE_SKILLS] and "200 skills" in errors[ids.PROFILE_SKILLS]
    assert member(technet, MEMBER).job_title == "Technician"


def test_tags_are_suggested_as_the_member_types(technet: Harness):
    fill_profile(technet, OTHER, **{ids.PROFILE_SKILLS: ["HPLC", "UHPLC"]})
    view = open_form(technet, MEMBER)
    options = technet.suggest(MEMBER, view, ids.PROFILE_SKILLS, "hplc")
    assert [o["value"] for o in options] == ["HPLC", "UHPLC"]
    options = technet.suggest(MEMBER, view, ids.PROFILE_SKILLS, "cell culture")
    assert [o["value"] for o in options] == ["cell culture"]
    assert technet.suggest(MEMBER, view, ids.PROFILE_EQUIPMENT, "hplc") == \
        [{"text": {"type": "plain_text", "text": "HPLC", "emoji": True}, "value": "HPLC"},
         {"text": {"type": "plain_text", "text": "UHPLC", "emoji": True}, "value": "UHPLC"}]


def test_hplc_and_hplc_typed_apart_are_one_tag(technet: Harness):
    fill_profile(technet, OTHER, **{ids.PROFILE_SKILLS: ["HPLC"]})
    fill_profile(technet, MEMBER, **{ids.PROFILE_SKILLS: ["hplc", "Hplc "]})
    card = technet.command(OTHER, f"profile <@{MEMBER}>")
    assert "`HPLC`" in card.text and "hplc" not in card.text


def test_tags_with_emoji_markup_and_mentions_are_shown_literally(technet: Harness):
    odd = ["🔬 microscopy", "*bold* claims", "<@U123> fan", "<!channel>", "_x_ & :tada:"]
    fill_profile(technet, MEMBER, **{ids.PROFILE_SKILLS: odd, ids.PROFILE_BIO: "Ask <@U123> & <!here>"})
    card = technet.command(OTHER, f"profile <@{MEMBER}>").json()
    skills = next(b["text"]["text"] for b in card["blocks"] if "Skills" in b.get("text", {}).get("text", ""))
    assert "`🔬 microscopy`" in skills and "`*bold* claims`" in skills and "`_x_ &amp; :tada:`" in skills
    assert "`&lt;@U123&gt; fan`" in skills and "`&lt;!channel&gt;`" in skills
    bio = next(b for b in card["blocks"] if b["type"] == "section" and b["text"]["type"] == "plain_text")
    assert bio["text"]["text"] == "Ask <@U123> & <!here>"
    assert "<@U123>" not in str([b for b in card["blocks"] if b is not bio])
    found = technet.command(OTHER, "find microscopy").text
    assert "`🔬 microscopy`" in found and "<@U123>" not in found and "&lt;@U123&gt;" in found


def test_a_colleagues_card_shows_only_what_they_chose(technet: Harness):
    fill_profile(technet, MEMBER, **{ids.PROFILE_PUBLIC_FIELDS: ["skills"]})
    reply = technet.command(OTHER, f"profile <@{MEMBER}|morgan>")
    assert reply.json()["response_type"] == "ephemeral"
    assert "Morgan Member" in reply.text and "`HPLC`" in reply.text
    for hidden in ("Analytical Technician", "Chemistry", "Agilent", "analytical suite", "0.8"):
        assert hidden not in reply.text
    message = next(e for b in reply.json()["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert message["url"] == f"slack://user?team=T0TECHNET&id={MEMBER}"


def test_a_colleague_not_listed_gets_a_polite_refusal(technet: Harness):
    fill_profile(technet, MEMBER, **{ids.PROFILE_VISIBILITY: []})
    reply = technet.command(OTHER, f"profile <@{MEMBER}>")
    assert "Morgan Member has not chosen to share a profile" in reply.text
    assert "HPLC" not in reply.text
    own = technet.command(MEMBER, f"profile <@{MEMBER}>")
    assert "HPLC" in own.text and "Only you can see this" in own.text


def test_a_colleague_is_found_by_name_and_strangers_are_explained(technet: Harness):
    fill_profile(technet, MEMBER)
    assert "`HPLC`" in technet.command(OTHER, "profile @Morgan Member").text
    unknown = technet.command(OTHER, "profile <@U0NOBODY>")
    assert "have not used technet" in unknown.text
    nameless = technet.command(OTHER, "profile Zed <b>")
    assert "couldn't find a colleague called Zed &lt;b&gt;" in nameless.text


def test_profile_help_shows_usage(technet: Harness):
    reply = technet.command(MEMBER, "profile help")
    assert "/tech profile @colleague" in reply.text
    assert technet.standin.calls_to("views.open") == []


def test_the_edit_button_opens_the_form(technet: Harness):
    technet.command(MEMBER, "help")
    payload = block_action_payload(MEMBER, {"action_id": ids.PROFILE_EDIT, "block_id": "b", "type": "button"},
                                   container={"type": "view", "view_id": "V1"})
    assert technet.interact(payload).status == 200
    assert technet.opened_view()["callback_id"] == ids.PROFILE_MODAL


def test_a_deactivated_account_disappears_from_the_directory(technet: Harness):
    fill_profile(technet, MEMBER)
    assert "Morgan Member" in technet.command(OTHER, "find hplc").text
    user = {**technet.standin.state.users[MEMBER], "deleted": True}
    assert technet.event({"type": "user_change", "user": user}, event_id="EvGone").status == 200
    assert member(technet, MEMBER).deactivated
    assert "Nobody in the directory matches" in technet.command(OTHER, "find hplc").text
    assert "has not chosen to share" in technet.command(OTHER, f"profile <@{MEMBER}>").text


def test_organisers_departments_list_is_read_and_checked(tmp_path: Path):
    def departments(text: str) -> list[str]:
        (tmp_path / "departments.yaml").write_text(text, encoding="utf-8")
        # A stand-in runtime with the one thing load_departments reads.
        return load_departments(SimpleNamespace(settings=Settings(content_dir=tmp_path)))

    assert departments("departments: [Dentistry, ' Dentistry ', Nursing, '']\n") == ["Dentistry", "Nursing"]
    for bad in ("departments: Dentistry\n", "nothing: []\n", f"departments: ['{'x' * 80}']\n",
                "departments: [" + ", ".join(f"d{i}" for i in range(100)) + "]\n"):
        with pytest.raises(ContentError, match="departments.yaml"):
            departments(bad)


def test_registration_status_is_shown_read_only_from_the_registration_feature(technet: Harness):
    fill_profile(technet, MEMBER, **{ids.PROFILE_PUBLIC_FIELDS: ["skills", "registration"]})
    view = open_form(technet, MEMBER)
    assert "*Professional registration:* Not recorded" in block(view, ids.PROFILE_REGISTRATION)["text"]["text"]
    assert "registration" in [o["value"] for o in block(view, ids.PROFILE_PUBLIC_FIELDS)["element"]["options"]]
    assert "Professional registration" not in technet.command(OTHER, f"profile <@{MEMBER}>").text
    guide = registration.load_guide()
    with technet.db.transaction() as session:
        member = find_member(session, slack_identity(MEMBER))
        assert member is not None
        actor = actor_for(session, member, technet.runtime.grants)
        registration.record_status(session, actor, status="registered", register="rscitech", guide=guide, now=now())
    card = technet.command(OTHER, f"profile <@{MEMBER}>").text
    assert f"Professional registration: Registered: {guide.name('rscitech')}" in card
    view = open_form(technet, MEMBER)
    assert f"Registered: {guide.name('rscitech')}" in block(view, ids.PROFILE_REGISTRATION)["text"]["text"]
    # Hidden from the card when the member chooses so.
    fill_profile(technet, MEMBER, **{ids.PROFILE_PUBLIC_FIELDS: ["skills"]})
    assert "Professional registration" not in technet.command(OTHER, f"profile <@{MEMBER}>").text


def test_the_registration_status_shows_wherever_the_card_is_shown_and_nothing_when_not_recorded(technet: Harness):
    fill_profile(technet, MEMBER, **{ids.PROFILE_PUBLIC_FIELDS: ["skills", "registration"]})
    fill_profile(technet, OTHER, **{ids.PROFILE_PUBLIC_FIELDS: ["skills", "registration"]})
    guide = registration.load_guide()
    with technet.db.transaction() as session:
        member = find_member(session, slack_identity(MEMBER))
        assert member is not None
        actor = actor_for(session, member, technet.runtime.grants)
        registration.record_status(session, actor, status="registered", register="rscitech", guide=guide, now=now())
    line = f"Professional registration: Registered: {guide.name('rscitech')}"

    def found(viewer: str) -> dict[str, str]:
        """`/tech find hplc` as `viewer`: each hit's text by the member's name."""
        hits = [b["text"]["text"] for b in technet.command(viewer, "find hplc").json()["blocks"]
                if b["type"] == "section" and b["text"]["text"].startswith("*") and "match" not in b["text"]["text"]]
        return {name: next(h for h in hits if h.startswith(f"*{name}*")) for name in ("Morgan Member", "Olu Other")}

    assert line in technet.command(OTHER, f"profile <@{MEMBER}>").text
    assert line in technet.command(MEMBER, f"profile <@{MEMBER}>").text
    hits = found(OTHER)
    assert line in hits["Morgan Member"]
    # Not recorded: nothing at all, on the card or in the results.
    assert "Professional registration" not in hits["Olu Other"]
    assert "Professional registration" not in technet.command(MEMBER, f"profile <@{OTHER}>").text
    # Hidden by its owner: gone from the results too.
    fill_profile(technet, MEMBER, **{ids.PROFILE_PUBLIC_FIELDS: ["skills"]})
    assert "Professional registration" not in found(OTHER)["Morgan Member"]
