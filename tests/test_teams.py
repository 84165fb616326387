"""Teams through /api/messages: tokens verified, members met, commands routed, cards back.

Each test serves technet with only Teams set up against the Teams stand-in (OpenID metadata, a
JWKS of its own key, a token endpoint, a recording Bot Connector), all on loopback.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.harness import settings_for
from tests.teams_harness import MEMBER, ORGANISER, TeamsHarness
from bot.teams.standin import APP_ID, BOT_ID, TENANT_ID, TeamsStandIn, message_activity
from storage.models import Member, MemberIdentity
from storage.models.teams import TeamsConversation
from storage.clock import now


def counts(harness: TeamsHarness) -> tuple[int, int, int]:
    with harness.db.reading() as session:
        return (session.scalar(select(func.count()).select_from(Member)) or 0,
                session.scalar(select(func.count()).select_from(MemberIdentity)) or 0,
                session.scalar(select(func.count()).select_from(TeamsConversation)) or 0)


def card_text(card: dict[str, Any]) -> str:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("text", "title") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(found)


# Serving and auth -------------------------------------------------------------------------------

def test_help_in_the_personal_chat_answers_with_a_card(teams, teams_standin):
    activity = message_activity(teams_standin, MEMBER, "help")
    reply = teams.send(activity)
    assert reply.status == 200
    sent = teams_standin.wait_for(1)[-1]
    assert sent.method == "POST" and sent.conversation == activity["conversation"]["id"]
    assert sent.token and sent.token.startswith("bot-token-")
    assert "events" in card_text(sent.card())
    assert sent.card()["version"] == "1.5"
    # The bot's token came from TEAMS_TOKEN_URL as client credentials for the Bot Framework's scope.
    asked = teams_standin.token_requests[0]
    assert asked["grant_type"] == "client_credentials" and asked["client_id"] == APP_ID
    assert asked["client_secret"] == "s3cret" and asked["scope"] == "https://api.botframework.com/.default"


@pytest.mark.parametrize("forged", ["missing", "expired", "not_yet", "wrong_key", "audience", "issuer",
                                    "service_url", "not_bearer", "garbage", "unknown_kid"])
def test_every_bad_token_is_refused_with_401_and_nothing_stored(teams, teams_standin, forged):
    from cryptography.hazmat.primitives.asymmetric import rsa

    activity = message_activity(teams_standin, MEMBER, "help")
    long_ago = now() - timedelta(hours=3)
    options: dict[str, Any] = {
        "expired": {"issued": long_ago, "lifetime": timedelta(hours=1)},
        "not_yet": {"issued": now() + timedelta(hours=1)},
        "wrong_key": {"key": rsa.generate_private_key(public_exponent=65537, key_size=2048)},
        "audience": {"audience": "00000000-0000-4000-8000-0000000000ff"},
        "issuer": {"issuer": "https://sts.windows.net/someone/"},
        "service_url": {"service_url": "https://smba.trafficmanager.net/elsewhere/"},
        "unknown_kid": {"kid": "another-key"},
    }.get(forged, {})
    headers = teams_standin.headers(**options)
    if forged == "missing":
        del headers["Authorization"]
    elif forged == "not_bearer":
        headers["Authorization"] = headers["Authorization"].replace("Bearer", "Basic")
    elif forged == "garbage":
        headers["Authorization"] = "Bearer not.a.jwt"
    reply = teams.post(activity, headers)
    assert (reply.status, reply.body) == (401, "")
    assert counts(teams) == (0, 0, 0)
    assert teams_standin.sent == [] and teams_standin.token_requests == []


def test_a_body_that_is_not_an_activity_is_refused_before_anything(teams, teams_standin):
    for body in (b"not json", b"[]", json.dumps({"type": "message"}).encode()):
        assert teams.post(body, teams_standin.headers()).status == 401
    assert counts(teams) == (0, 0, 0)


def test_api_messages_is_404_without_a_teams_app_id(database_url, teams_standin, standin):
    slack_only = settings_for(standin, database_url)
    harness = TeamsHarness(slack_only, teams_standin, slack=True)
    try:
        reply = harness.send(message_activity(teams_standin, MEMBER, "help"))
        assert (reply.status, reply.body) == (404, "")
        assert counts(harness) == (0, 0, 0)
    finally:
        harness.close()


def test_slack_events_is_404_when_only_teams_is_set_up(teams, teams_standin):
    reply = teams.post(b"{}", {"Content-Type": "application/json"}, path="/slack/events")
    assert reply.status == 404


# Identity ---------------------------------------------------------------------------------------

def test_the_first_activity_meets_the_member_with_both_ids_their_zone_and_chat(teams, teams_standin):
    activity = message_activity(teams_standin, MEMBER, "help", timezone="America/New_York",
                                channel_data={})  # recorded shape: an empty channelData
    assert teams.send(activity).status == 200
    teams.send(message_activity(teams_standin, MEMBER, "help"))
    with teams.db.reading() as session:
        member = session.scalars(select(Member)).one()
        assert member.display_name == "Morgan Member"
        assert {(i.surface, i.tenant, i.external_id) for i in member.identities} == {
            ("teams", TENANT_ID, MEMBER["id"]), ("teams", TENANT_ID, MEMBER["aadObjectId"])}
        assert member.user_id == MEMBER["id"]
        chat = session.scalars(select(TeamsConversation)).one()
        assert (chat.kind, chat.member_id, chat.usable) == ("personal", member.id, True)
        assert chat.service_url == teams_standin.service_url


def test_a_role_configured_by_entra_object_id_holds_on_teams(teams, teams_standin):
    teams.send(message_activity(teams_standin, ORGANISER, "help"))
    with teams.db.reading() as session:
        organiser = session.scalars(select(Member)).one()
        from storage.members import Role, actor_for
        assert actor_for(session, organiser, teams.runtime.grants).has(Role.ORGANISER)


def test_installing_sends_the_home_card_and_uninstalling_marks_the_chat_unusable(teams, teams_standin):
    base = message_activity(teams_standin, MEMBER, "")
    install = {**base, "type": "installationUpdate", "action": "add"}
    install.pop("text")
    assert teams.send(install).status == 200
    home = teams_standin.wait_for(1)[-1]
    assert home.conversation == base["conversation"]["id"] and home.card()["type"] == "AdaptiveCard"
    assert teams.send({**install, "action": "remove"}).status == 200
    with teams.db.reading() as session:
        chat = session.scalars(select(TeamsConversation)).one()
        assert (chat.usable, chat.unusable_reason) == (False, "uninstalled")


# Commands ---------------------------------------------------------------------------------------

def test_at_technet_in_a_channel_answers_the_asker_privately_and_points_the_thread_there(teams, teams_standin):
    # Help, like every answer Slack shows the asker alone, is not for the whole channel.
    activity = message_activity(teams_standin, MEMBER, "help", channel=True, mention=True)
    assert teams.send(activity).status == 200
    sent = [s for s in teams_standin.wait_for(3) if "/activities" in s.path]
    in_thread = [s for s in sent if s.path.endswith(f"/activities/{activity['id']}")]
    private = [s for s in sent if s.conversation != activity["conversation"]["id"]]
    assert len(in_thread) == 1 and "your chat with technet" in card_text(in_thread[0].card())
    assert len(private) == 1 and "events" in card_text(private[0].card())
    with teams.db.reading() as session:
        kinds = sorted((c.kind, c.member_id is None) for c in session.scalars(select(TeamsConversation)))
    assert kinds == [("channel", True), ("personal", False)]


def test_unknown_words_get_the_nearest_commands(teams, teams_standin):
    teams.send(message_activity(teams_standin, MEMBER, "evnts"))
    assert "events" in card_text(teams_standin.wait_for(1)[-1].card())


def test_user_text_is_shown_literally_in_cards(teams, teams_standin):
    teams.send(message_activity(teams_standin, MEMBER, "[click](https://evil.example) **x**"))
    text = card_text(teams_standin.wait_for(1)[-1].card())
    # The brackets are escaped, so markdown reads no link; the asterisks no bold.
    assert "\\[click\\](https://evil.example) \\*\\*x\\*\\*" in text
    assert "[click](" not in text.replace("\\[click\\](", "")


def test_a_reply_the_connector_refuses_is_logged_not_a_500(teams, teams_standin):
    teams_standin.fail(429, retry_after=7)
    assert teams.send(message_activity(teams_standin, MEMBER, "help")).status == 200
    assert teams_standin.sent == []


def test_the_bot_id_is_the_recipient(teams_standin):
    assert message_activity(teams_standin, MEMBER, "x")["recipient"]["id"] == BOT_ID


def card_action(teams_standin: TeamsStandIn, action_id: str, *, trigger: str = "manual") -> dict[str, Any]:
    activity = message_activity(teams_standin, MEMBER, "")
    activity.pop("text")
    return {**activity, "type": "invoke", "name": "adaptiveCard/action", "replyToId": "1700000000001",
            "value": {"trigger": trigger, "action": {"type": "Action.Execute", "verb": action_id,
                                                     "data": {"action_id": action_id, "value": ""}}}}


def test_a_card_action_is_answered_in_the_invoke_and_an_automatic_refresh_is_no_500(teams, teams_standin):
    reply = teams.send(card_action(teams_standin, "no.such.button"))
    assert reply.status == 200 and reply.json()["statusCode"] == 200
    refresh = teams.send(card_action(teams_standin, "no.such.button", trigger="automatic"))
    assert refresh.status == 200 and refresh.json()["statusCode"] == 204


def test_home_brings_the_home_card(teams, teams_standin):
    teams.send(message_activity(teams_standin, MEMBER, "home"))
    card = teams_standin.wait_for(1)[-1].card()
    assert card["type"] == "AdaptiveCard" and card_text(card)
