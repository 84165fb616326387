"""The welcome DM on joining the network channel: once per member, whatever Slack redelivers."""

from typing import Any

from core import ids
from bot.standin import BOT_USER_ID, block_action_payload
from tests.harness import MEMBER, NETWORK_CHANNEL, Harness


def join(technet: Harness, user: str, event_id: str, *, channel: str = NETWORK_CHANNEL,
         retry_num: int | None = None) -> None:
    event = {"type": "member_joined_channel", "user": user, "channel": channel, "channel_type": "C",
             "team": "T0TECHNET", "event_ts": "1700000000.000100"}
    assert technet.event(event, event_id=event_id, retry_num=retry_num).status == 200


def welcomes(technet: Harness, user: str = MEMBER) -> list[Any]:
    return [c for c in technet.standin.calls_to("chat.postMessage") if c.result.get("ok")
            and c.args["channel"] == user and "Welcome to the technician network" in c.args.get("text", "")]


def test_joining_the_network_channel_brings_one_welcome_with_a_profile_button(technet: Harness):
    join(technet, MEMBER, "EvJoin1")
    [dm] = welcomes(technet)
    text = str(dm.blocks())
    assert "*Morgan Member*" in text and "/tech find" in text and "/tech help" in text
    buttons = [e for b in dm.blocks() if b["type"] == "actions" for e in b["elements"]]
    assert [b["action_id"] for b in buttons] == [ids.PROFILE_EDIT]


def test_slack_redelivering_the_event_sends_no_second_welcome(technet: Harness):
    join(technet, MEMBER, "EvJoin1")
    join(technet, MEMBER, "EvJoin1", retry_num=1)
    join(technet, MEMBER, "EvJoin1", retry_num=2)
    assert len(welcomes(technet)) == 1


def test_leaving_and_rejoining_sends_no_second_welcome(technet: Harness):
    join(technet, MEMBER, "EvJoin1")
    join(technet, MEMBER, "EvRejoin2")
    assert len(welcomes(technet)) == 1


def test_other_channels_and_the_bot_itself_get_no_welcome(technet: Harness):
    technet.standin.add_channel("C0RANDOM1")
    join(technet, MEMBER, "EvElsewhere", channel="C0RANDOM1")
    join(technet, BOT_USER_ID, "EvBotJoins")
    assert technet.standin.calls_to("chat.postMessage") == []


def test_a_welcome_that_could_not_be_sent_is_tried_on_the_next_join(technet: Harness):
    technet.standin.refuse("chat.postMessage", "ratelimited")
    join(technet, MEMBER, "EvJoin1")
    assert welcomes(technet) == []
    join(technet, MEMBER, "EvRejoin2")
    assert len(welcomes(technet)) == 1


def test_the_welcome_button_opens_the_profile_form(technet: Harness):
    join(technet, MEMBER, "EvJoin1")
    [dm] = welcomes(technet)
    button = next(e for b in dm.blocks() if b["type"] == "actions" for e in b["elements"])
    payload = block_action_payload(MEMBER, {"action_id": button["action_id"], "block_id": "b", "type": "button"},
                                   container={"type": "message", "channel_id": dm.result["channel"],
                                              "message_ts": dm.result["ts"]}, channel_id=dm.result["channel"])
    assert technet.interact(payload).status == 200
    assert technet.opened_view()["callback_id"] == ids.PROFILE_MODAL
