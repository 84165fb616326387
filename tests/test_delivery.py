"""Events API deliveries: acted on once, whatever Slack redelivers."""

from tests.harness import MEMBER, Harness


def home_opened(user: str = MEMBER) -> dict:
    return {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home", "event_ts": "1.0"}


def test_home_tab_is_published_for_the_member(technet: Harness):
    reply = technet.event(home_opened(), event_id="Ev001")
    assert reply.status == 200
    published = technet.standin.wait_for("views.publish")
    assert published[0].args["user_id"] == MEMBER
    assert published[0].view()["type"] == "home"
    assert "Morgan Member" in str(published[0].view()["blocks"])


def test_a_redelivered_event_is_acknowledged_and_not_acted_on_again(technet: Harness):
    technet.event(home_opened(), event_id="Ev002")
    again = technet.event(home_opened(), event_id="Ev002", retry_num=1)
    assert again.status == 200
    assert len(technet.standin.calls_to("views.publish")) == 1


def test_different_events_are_each_acted_on(technet: Harness):
    technet.event(home_opened(), event_id="Ev003")
    technet.event(home_opened(), event_id="Ev004")
    assert len(technet.standin.calls_to("views.publish")) == 2


def test_the_messages_tab_does_not_publish_the_home(technet: Harness):
    event = {**home_opened(), "tab": "messages"}
    assert technet.event(event, event_id="Ev005").status == 200
    assert technet.standin.calls_to("views.publish") == []


def test_url_verification_is_answered_with_the_challenge(technet: Harness):
    import json

    from bot.standin import signed_headers
    from tests.harness import SECRET

    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "legacy"})
    reply = technet.post(body, signed_headers(SECRET, body, content_type="application/json"))
    assert reply.status == 200 and reply.json() == {"challenge": "c-123"}
