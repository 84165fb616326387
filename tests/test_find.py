"""`/tech find` and the directory export over signed HTTP against the served app and the stand-in."""

import csv
import io

from core import ids
from bot.standin import block_action_payload
from storage import profiles
from tests.harness import MEMBER, ORGANISER, OTHER, Harness
from tests.test_profile import fill_profile


def spotlight(technet: Harness) -> list[str]:
    with technet.db.reading() as session:
        return [m.user_id for m in profiles.spotlight_candidates(session)]


def uploads(technet: Harness) -> dict[str, str]:
    """What files_upload_v2 sent the stand-in: filename -> the bytes that reached the upload URL."""
    return {u["filename"]: u["content"].decode() for u in technet.standin.state.uploads.values()}


def export(technet: Harness) -> list[dict[str, str]]:
    mark = technet.standin.mark()
    technet.command(ORGANISER, "find export")
    assert [c.method for c in technet.standin.since(mark)].count("files.completeUploadExternal") == 1
    directory = next(text for name, text in uploads(technet).items() if name.startswith("technet-directory"))
    technet.standin.state.uploads.clear()
    return list(csv.DictReader(io.StringIO(directory)))


def test_filled_in_found_by_another_then_opted_out_and_gone_everywhere(technet: Harness):
    """The issue's 'done when': fill in, be found by skill, opt out, be found nowhere."""
    assert fill_profile(technet, MEMBER).status == 200
    reply = technet.command(OTHER, "find hplc")
    assert reply.json()["response_type"] == "ephemeral"
    assert "*1 technician matches*" in reply.text and "Morgan Member" in reply.text and "Chemistry" in reply.text
    assert [r["slack_user_id"] for r in export(technet)] == [MEMBER]
    assert spotlight(technet) == [MEMBER]

    fill_profile(technet, MEMBER, **{ids.PROFILE_VISIBILITY: []})
    assert "Nobody in the directory matches" in technet.command(OTHER, "find hplc").text
    assert export(technet) == []
    assert spotlight(technet) == []


def test_best_matches_come_first_with_a_message_button(technet: Harness):
    fill_profile(technet, MEMBER, **{ids.PROFILE_SKILLS: ["HPLC method development"]})
    fill_profile(technet, OTHER, **{ids.PROFILE_SKILLS: ["HPLC"], ids.PROFILE_DEPARTMENT: "Physics"})
    reply = technet.command(ORGANISER, "find who knows hplc")
    sections = [b for b in reply.json()["blocks"] if b.get("accessory")]
    assert ["Olu Other" in sections[0]["text"]["text"], "Morgan Member" in sections[1]["text"]["text"]] == [True, True]
    assert "Physics" in sections[0]["text"]["text"]
    button = sections[0]["accessory"]
    assert (button["action_id"], button["url"]) == (ids.FIND_MESSAGE, f"slack://user?team=T0TECHNET&id={OTHER}")
    # Slack sends the click of a link button too; it is acknowledged, nothing else.
    click = block_action_payload(ORGANISER, {"action_id": ids.FIND_MESSAGE, "block_id": "b", "type": "button",
                                             "value": OTHER})
    mark = technet.standin.mark()
    assert technet.interact(click).status == 200
    assert [c.method for c in technet.standin.since(mark)] == []


def test_the_searcher_sees_themselves_marked_and_without_a_button(technet: Harness):
    fill_profile(technet, MEMBER)
    reply = technet.command(MEMBER, "find mass spectrometry")
    hit = next(b for b in reply.json()["blocks"] if "Morgan" in b.get("text", {}).get("text", ""))
    assert "(you)" in hit["text"]["text"] and "accessory" not in hit


def test_many_matches_stay_within_a_message(technet: Harness):
    for i in range(15):
        user = f"U0MANY{i:04d}"
        technet.standin.add_user(user, f"Tech {i:02d}")
        fill_profile(technet, user)
    reply = technet.command(OTHER, "find hplc")
    assert len(reply.json()["blocks"]) <= 50
    assert "*15 technicians match*" in reply.text and "Showing the best 10 of 15" in reply.text


def test_empty_find_and_help_show_usage(technet: Harness):
    for text in ("find", "find   ", "find help"):
        reply = technet.command(MEMBER, text)
        assert "/tech find [skill or words]" in reply.text
        assert "/tech find export" not in reply.text
    assert "/tech find export" in technet.command(ORGANISER, "find").text


def test_bad_searches_get_a_clear_message(technet: Harness):
    assert "Tell me a skill" in technet.command(MEMBER, "find the and of").text
    assert "long search" in technet.command(MEMBER, "find " + "x" * 300).text
    reply = technet.command(MEMBER, "find <!channel> *x*")
    assert "Nobody in the directory matches “&lt;!channel&gt; *x*”" in reply.text


def test_export_reaches_the_organisers_dm_with_counts_by_department(technet: Harness):
    fill_profile(technet, MEMBER)
    fill_profile(technet, OTHER, **{ids.PROFILE_SKILLS: ["=cmd|' /C calc'!A0", "hplc"]})
    reply = technet.command(ORGANISER, "find export")
    assert "arrive in your DM" in reply.text
    complete = technet.standin.calls_to("files.completeUploadExternal")[-1]
    assert complete.args["channel_id"] == technet.standin.calls_to("conversations.open")[-1].result["channel"]["id"]
    assert complete.args["channel_id"].startswith("D")
    files = uploads(technet)
    assert len(files) == 2
    directory = list(csv.DictReader(io.StringIO(next(v for k, v in files.items() if "directory" in k))))
    assert [(r["name"], r["skills"]) for r in directory] == [
        ("Morgan Member", "HPLC; Mass spectrometry"), ("Olu Other", "'=cmd|' /C calc'!A0; HPLC")]
    counts = list(csv.DictReader(io.StringIO(next(v for k, v in files.items() if "by-department" in k))))
    assert counts[0] == {"department": "Chemistry", "skill": "HPLC", "members": "2"}


def test_export_is_refused_to_members(technet: Harness):
    fill_profile(technet, MEMBER)
    reply = technet.command(MEMBER, "find export")
    assert "Only network organisers can export the skills directory" in reply.text
    assert technet.standin.calls_to("files.getUploadURLExternal") == []
    # The Home tab's button is refused by the service too (the person is told by DM).
    payload = block_action_payload(MEMBER, {"action_id": ids.FIND_EXPORT, "block_id": "b", "type": "button"},
                                   container={"type": "view", "view_id": "V1"})
    technet.interact(payload)
    assert technet.standin.calls_to("files.getUploadURLExternal") == []
    told = technet.standin.calls_to("chat.postMessage")[-1]
    assert told.args["channel"] == MEMBER and "Only network organisers" in told.args["text"]


def test_export_from_the_home_button(technet: Harness):
    fill_profile(technet, MEMBER)
    payload = block_action_payload(ORGANISER, {"action_id": ids.FIND_EXPORT, "block_id": "b", "type": "button"},
                                   container={"type": "view", "view_id": "V1"})
    assert technet.interact(payload).status == 200
    assert len(technet.standin.calls_to("files.completeUploadExternal")) == 1
