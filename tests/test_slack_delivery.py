"""core.delivery on Slack: what each send calls, and Slack's refusals as DeliveryError.

Against the stand-in over loopback, through the app's own WebClient (with its retry handlers).
"""

from collections.abc import Iterator

import pytest

from bot.runtime import web_client
from bot.slack_delivery import SlackDelivery
from bot.standin import SlackStandIn
from core import ui
from core.delivery import DeliveryError, Kept
from core.request import MessageRef
from tests.harness import MEMBER, NETWORK_CHANNEL, OTHER, settings_for


@pytest.fixture
def delivery(standin: SlackStandIn) -> Iterator[SlackDelivery]:
    yield SlackDelivery(web_client(settings_for(standin, "sqlite://")))


def refused(send) -> DeliveryError:
    with pytest.raises(DeliveryError) as raised:
        send()
    return raised.value


# What each send calls ----------------------------------------------------------------------------

def test_a_post_renders_a_neutral_message_and_names_where_it_went(delivery: SlackDelivery, standin: SlackStandIn):
    ref = delivery.post(NETWORK_CHANNEL, ui.message([ui.section("*Lab tour* &lt;today&gt;")], title="Lab tour"))
    [call] = standin.calls_to("chat.postMessage")
    assert call.args["channel"] == NETWORK_CHANNEL and call.args["text"] == "Lab tour"
    assert call.blocks()[0]["text"] == {"type": "mrkdwn", "text": "*Lab tour* &lt;today&gt;"}
    assert ref == MessageRef("slack", NETWORK_CHANNEL, call.result["ts"])


def test_blocks_alone_are_a_message_whose_text_is_derived_from_them(delivery: SlackDelivery, standin: SlackStandIn):
    delivery.post(NETWORK_CHANNEL, [ui.header("News"), ui.section("Read it")])
    assert standin.calls_to("chat.postMessage")[0].args["text"] == "News"


def test_a_message_already_rendered_goes_as_it_is(delivery: SlackDelivery, standin: SlackStandIn):
    delivery.post(NETWORK_CHANNEL, Kept("Issue 1", [{"type": "divider"}]))
    [call] = standin.calls_to("chat.postMessage")
    assert call.args["text"] == "Issue 1" and call.blocks() == [{"type": "divider"}]


def test_a_message_can_go_without_link_previews(delivery: SlackDelivery, standin: SlackStandIn):
    delivery.dm(MEMBER, ui.note("<https://example.ac.uk|Issue 1>"), link_previews=False)
    delivery.post(NETWORK_CHANNEL, ui.note("<https://example.ac.uk|Issue 1>"))
    assert [c.args.get("unfurl_links") for c in standin.calls_to("chat.postMessage")] == [False, None]


def test_a_dm_addresses_the_member_and_can_be_updated(delivery: SlackDelivery, standin: SlackStandIn):
    ref = delivery.dm(MEMBER, ui.note("Your reminder"))
    assert standin.calls_to("chat.postMessage")[0].args["channel"] == MEMBER
    delivery.update(ref, ui.note("Your reminder (moved)"))
    [update] = standin.calls_to("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (ref.conversation, ref.message_id)
    assert standin.state.messages[(ref.conversation, ref.message_id)]["text"] == "Your reminder (moved)"


def test_a_file_goes_to_the_members_dm_opened_first(delivery: SlackDelivery, standin: SlackStandIn):
    delivery.upload(MEMBER, ui.File("cpd.csv", "a,b\r\n1,2\r\n", mime="text/csv", comment="Your *CPD*"))
    opened = standin.calls_to("conversations.open")[-1]
    completed = standin.calls_to("files.completeUploadExternal")[-1]
    assert opened.args["users"] == MEMBER and completed.args["channel_id"] == opened.result["channel"]["id"]
    assert completed.args["initial_comment"] == "Your *CPD*"
    [upload] = standin.state.uploads.values()
    assert upload["filename"] == "cpd.csv" and upload["title"] == "cpd.csv" and upload["content"] == b"a,b\r\n1,2\r\n"


def test_a_group_is_one_conversation_for_the_same_people(delivery: SlackDelivery, standin: SlackStandIn):
    first = delivery.group([MEMBER, OTHER])
    assert delivery.group([OTHER, MEMBER]) == first
    assert standin.calls_to("conversations.open")[0].args["users"] == f"{MEMBER},{OTHER}"


def test_a_permalink_names_the_message(delivery: SlackDelivery):
    ref = delivery.post(NETWORK_CHANNEL, ui.note("hello"))
    assert ref.message_id in delivery.permalink(ref)


# Slack's refusals as DeliveryError ---------------------------------------------------------------

def test_a_refusal_no_retry_can_fix_is_permanent_and_says_why(delivery: SlackDelivery, standin: SlackStandIn):
    error = refused(lambda: delivery.post("C0NOWHERE", ui.note("hello")))
    assert (error.permanent, error.retry_after, error.reason) == (True, None, "channel_not_found")
    assert str(error) == "channel_not_found"


def test_a_refusal_slack_may_get_over_is_not_permanent(delivery: SlackDelivery, standin: SlackStandIn):
    standin.refuse("chat.postMessage", "fatal_error")
    error = refused(lambda: delivery.dm(MEMBER, ui.note("hello")))
    assert (error.permanent, error.retry_after, error.reason) == (False, None, "fatal_error")
    assert not error.unreachable


def test_a_long_rate_limit_is_passed_on_with_its_retry_after(delivery: SlackDelivery, standin: SlackStandIn):
    # Longer than the client waits in the call (bot.runtime.BriefRateLimitRetryHandler).
    standin.fail("chat.postMessage", 429, retry_after=120)
    error = refused(lambda: delivery.post(NETWORK_CHANNEL, ui.note("hello")))
    assert (error.permanent, error.retry_after, error.reason) == (False, 120.0, "ratelimited")


def test_a_short_rate_limit_is_waited_out_in_the_call(delivery: SlackDelivery, standin: SlackStandIn):
    standin.fail("chat.postMessage", 429, retry_after=0)
    delivery.post(NETWORK_CHANNEL, ui.note("hello"))
    assert [c.result.get("ok") for c in standin.calls_to("chat.postMessage")] == [False, True]


def test_a_server_error_on_a_post_is_ambiguous_and_not_retried_by_the_client(delivery: SlackDelivery,
                                                                              standin: SlackStandIn):
    standin.fail("chat.postMessage", 500, times=3)
    error = refused(lambda: delivery.post(NETWORK_CHANNEL, ui.note("hello")))
    assert (error.permanent, error.retry_after, error.reason, error.ambiguous) == (False, None, "internal_error", True)
    assert len(standin.calls_to("chat.postMessage")) == 1


def test_a_connection_dropped_after_slack_accepted_a_post_is_not_sent_again_by_the_client(
        delivery: SlackDelivery, standin: SlackStandIn):
    standin.after_accepting("chat.postMessage", "drop")
    error = refused(lambda: delivery.post(NETWORK_CHANNEL, ui.note("hello")))
    assert error.ambiguous and not error.permanent
    assert len(standin.calls_to("chat.postMessage")) == 1 and len(standin.state.messages) == 1


def test_a_refusal_is_not_ambiguous(delivery: SlackDelivery, standin: SlackStandIn):
    standin.fail("chat.postMessage", 429, retry_after=60)
    assert not refused(lambda: delivery.post(NETWORK_CHANNEL, ui.note("hello"))).ambiguous
    assert not refused(lambda: delivery.post("C0NOWHERE", ui.note("hello"))).ambiguous


def test_an_update_of_a_message_that_is_gone_is_refused(delivery: SlackDelivery):
    error = refused(lambda: delivery.update(MessageRef("slack", NETWORK_CHANNEL, "1.0"), ui.note("hello")))
    assert error.reason == "message_not_found" and not error.permanent


def test_a_member_who_cannot_be_reached_refuses_the_upload_for_good(delivery: SlackDelivery, standin: SlackStandIn):
    standin.refuse("conversations.open", "user_disabled")
    error = refused(lambda: delivery.upload(MEMBER, ui.File("a.csv", "x")))
    assert (error.permanent, error.reason) == (True, "user_disabled")
    assert error.unreachable  # the person left: a feature can tell whoever was waiting on them
    assert standin.calls_to("files.getUploadURLExternal") == []


def test_a_group_with_a_bot_in_it_is_refused_for_good(delivery: SlackDelivery, standin: SlackStandIn):
    standin.add_user("U0BOTTY", "A Bot", is_bot=True)
    error = refused(lambda: delivery.group([MEMBER, "U0BOTTY"]))
    assert (error.permanent, error.reason) == (True, "cannot_dm_bot")
