"""The App Home tab over signed HTTP: the sections that exist, within Slack's 100 blocks."""

import json
import logging
from typing import Any

import pytest

from bot import blocks
from core import ids, ui
from core.services import HomeSection
from bot.standin import Call, block_action_payload
from handlers.home import SECTION_BLOCK_CAP, fit
from handlers.home_views import ORGANISER_SHORTCUTS
from bot.slack_refs import slack_identity
from storage.members import find_member
from tests.harness import MEMBER, ORGANISER, Harness
from tests.test_profile import fill_profile


def open_home(technet: Harness, user: str, event_id: str = "EvHome1") -> list[dict[str, Any]]:
    mark = technet.standin.mark()
    reply = technet.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"},
                          event_id=event_id)
    assert reply.status == 200
    published = [c for c in technet.standin.since(mark) if c.method == "views.publish"]
    assert len(published) == 1 and published[0].args["user_id"] == user
    view = published[0].view()
    assert view["type"] == "home"
    return view["blocks"]


def texts(home: list[dict[str, Any]]) -> str:
    return json.dumps(home, ensure_ascii=False)


def section(name: str, size: int, order: int) -> HomeSection:
    return HomeSection(order, name, lambda runtime, actor: [ui.section(f"{name} {i}") for i in range(size)])


def test_a_member_sees_their_profile_section_and_the_commands(technet: Harness):
    home = open_home(technet, MEMBER)
    text = texts(home)
    assert "Hello *Morgan Member*" in text
    assert "*Your profile*" in text and "Fill in my profile" in text and "17%" in text
    assert "not in the skills directory" in text
    assert "For organisers" not in text and ids.FIND_EXPORT not in text
    assert text.index("*Your profile*") < text.index("/tech help")


def test_an_organiser_also_sees_figures_and_shortcuts(technet: Harness):
    fill_profile(technet, MEMBER)
    home = open_home(technet, ORGANISER)
    text = texts(home)
    assert text.index("*Your profile*") < text.index("*For organisers*") < text.index("`/tech help`")
    # One of two members listed: groups too small to show as numbers, and no share of them.
    assert "*In the skills directory*\\nfewer than 5 of fewer than 5\"" in text and "(50%)" not in text
    assert "Most listed skills: `HPLC` fewer than 5" in text
    shortcuts = [e["action_id"] for b in home if b["type"] == "actions" for e in b["elements"]]
    assert shortcuts == [action_id for _, action_id in ORGANISER_SHORTCUTS]


def test_every_organiser_shortcut_is_handled(technet: Harness):
    home = open_home(technet, ORGANISER)
    buttons = [(b.get("block_id"), e) for b in home if b["type"] == "actions" for e in b["elements"]]
    assert buttons
    for block_id, button in buttons:
        action = {"action_id": button["action_id"], "block_id": block_id or "b", "type": "button",
                  "value": button.get("value")}
        payload = block_action_payload(ORGANISER, action, container={"type": "view", "view_id": "V1"})
        # Bolt answers 404 to an action no listener handles.
        assert technet.interact(payload).status == 200, button["action_id"]


def press_home(technet: Harness, user: str, action_id: str) -> list[Call]:
    """Press a Home tab button (a view, so no response_url); what the app then asked of Slack."""
    mark = technet.standin.mark()
    payload = block_action_payload(user, {"action_id": action_id, "block_id": "b", "type": "button"},
                                   container={"type": "view", "view_id": "V0HOME"})
    assert technet.interact(payload).status == 200
    return technet.standin.since(mark)


@pytest.mark.parametrize("action_id, command, callback_id", [
    (ids.EVENTS_NEW, "event new", ids.EVENTS_MODAL),
    (ids.ANNOUNCE_NEW, "announce", ids.ANNOUNCE_MODAL),
])
def test_an_organisers_shortcut_opens_the_same_form_as_the_command(technet: Harness, action_id: str, command: str,
                                                                   callback_id: str):
    [from_button] = [c.view() for c in press_home(technet, ORGANISER, action_id) if c.method == "views.open"]
    technet.command(ORGANISER, command)
    from_command = technet.standin.calls_to("views.open")[-1].view()
    assert from_button["callback_id"] == callback_id and from_button == from_command


def test_the_network_report_shortcut_dms_this_years_report_as_the_command_does(technet: Harness):
    calls = press_home(technet, ORGANISER, ids.REPORT_SEND)
    [opened] = [c for c in calls if c.method == "conversations.open"]
    assert opened.args["users"] == ORGANISER
    [from_button] = [c.args for c in calls if c.method == "chat.postMessage"]
    assert from_button["channel"] == opened.result["channel"]["id"]
    assert from_button["text"].startswith("Network report:") and "development year" in from_button["text"]
    mark = technet.standin.mark()
    technet.command(ORGANISER, "report")
    [from_command] = [c.args for c in technet.standin.since(mark) if c.method == "chat.postMessage"]
    assert from_button == from_command


@pytest.mark.parametrize("action_id, refusal", [
    (ids.EVENTS_NEW, "Only network organisers can create events."),
    (ids.ANNOUNCE_NEW, "Only network organisers can schedule announcements."),
    (ids.REPORT_SEND, "Only network organisers can see the network report."),
])
def test_a_members_stale_or_forged_shortcut_is_refused_by_dm(technet: Harness, action_id: str, refusal: str):
    calls = press_home(technet, MEMBER, action_id)
    assert [c.method for c in calls if c.method != "users.info"] == ["chat.postMessage"]
    told = calls[-1].args
    assert told["channel"] == MEMBER and refusal in told["text"]


def test_home_opened_by_someone_never_seen_creates_them_from_users_info(technet: Harness):
    technet.standin.add_user("U0NEWBIE1", "Nia Newbie", title="Apprentice Technician")
    home = open_home(technet, "U0NEWBIE1")
    assert len(technet.standin.calls_to("users.info")) == 1
    assert "Hello *Nia Newbie*" in texts(home) and "Fill in my profile" in texts(home)
    with technet.db.reading() as session:
        newbie = find_member(session, slack_identity("U0NEWBIE1"))
        assert newbie is not None and newbie.job_title == "Apprentice Technician"


def test_only_the_home_tab_is_published(technet: Harness):
    technet.event({"type": "app_home_opened", "user": MEMBER, "channel": "D0HOME", "tab": "messages"},
                  event_id="EvMessagesTab")
    assert technet.standin.calls_to("views.publish") == []


def test_many_large_sections_stay_within_one_hundred_blocks(technet: Harness):
    # Beside the features' real sections, more sections far larger than they should be.
    fakes = {order: f"bulky{order}" for order in (20, 35, 45, 55, 65, 75)}
    for order, name in fakes.items():
        technet.runtime.home_sections.append(section(name, 30, order))
    technet.runtime.home_sections.append(section("runaway", 500, 70))
    home = open_home(technet, ORGANISER)
    text = texts(home)
    assert len(home) <= 100
    assert "*Your profile*" in text and "bulky20 29" in text
    note = next(e["text"] for b in home if b["type"] == "context" for e in b["elements"]
                if e["text"].startswith("Not shown, to keep this page within Slack's limits"))
    shown = []
    for name in fakes.values():
        present = [i for i in range(30) if f'"{name} {i}"' in text]
        # Whole or not at all, and what is left out is named.
        assert present in ([], list(range(30))), name
        assert (name in note) == (not present), name
        if present:
            shown.append(text.index(f'"{name} 0"'))
    assert shown == sorted(shown) and len(shown) >= 2
    assert "runaway" in note and '"runaway 0"' not in text
    assert "Type `/tech help`" in text and "What technet can do for you" not in text


def test_a_runaway_section_is_cut_and_the_next_one_still_fits():
    greeting = [ui.section("hi")]
    parts = [("big", [ui.section("b")] * 120), ("huge", [ui.section("h")] * 60),
             ("small", [ui.section("s")])]
    body = [b.to_dict() for b in blocks.render_all(fit(greeting, parts, [ui.section("commands")]))]
    shown = [b["text"]["text"] for b in body if b["type"] == "section"]
    assert len(body) <= 100
    assert shown.count("b") == SECTION_BLOCK_CAP and "h" not in shown and "s" in shown
    assert "Not shown, to keep this page within Slack's limits: huge." in json.dumps(body)


def test_a_failing_section_does_not_blank_the_home_tab(technet: Harness, caplog: pytest.LogCaptureFixture):
    def broken(runtime, actor):
        raise RuntimeError("a bug in another feature")

    technet.runtime.home_sections.append(HomeSection(20, "events", broken))
    with caplog.at_level(logging.ERROR):
        home = open_home(technet, MEMBER)
    assert "*Your profile*" in texts(home) and "events could not be shown just now" in texts(home)
    assert any("a bug in another feature" in str(r.exc_info) for r in caplog.records)


def test_block_ids_stay_unique_across_sections(technet: Harness):
    for order in (20, 30):
        technet.runtime.home_sections.append(
            HomeSection(order, f"s{order}", lambda runtime, actor: [ui.section("x", block_id="same")]))
    home = open_home(technet, MEMBER)
    block_ids = [b["block_id"] for b in home if "block_id" in b]
    assert block_ids.count("same") == 1 and len(block_ids) == len(set(block_ids))


def test_the_home_tab_is_refreshed_after_a_profile_save(technet: Harness):
    assert "17%" in texts(open_home(technet, MEMBER))
    fill_profile(technet, MEMBER)
    latest = technet.standin.state.home[MEMBER]
    assert "100%" in texts(latest["blocks"]) and "Edit profile" in texts(latest["blocks"])
