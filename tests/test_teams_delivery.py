"""The Teams delivery through the stand-in Bot Connector: 1:1 messages (a conversation created when
needed), 429 and 5xx as retryable DeliveryErrors, a blocked chat marked unusable and then skipped."""

from __future__ import annotations

import socket
import threading

import pytest
from sqlalchemy import select

from tests.teams_harness import MEMBER
from bot.teams.connector import Connector, TokenSource
from bot.teams.standin import APP_ID, message_activity
from core import ui
from core.delivery import DeliveryError
from storage.clock import now
from storage.models.teams import TeamsConversation
from storage import teams as teams_store


HELLO = ui.note("Hello from technet")


def test_a_dm_goes_to_the_personal_chat(teams, teams_standin):
    teams.send(message_activity(teams_standin, MEMBER, "help"))
    ref = teams.runtime.delivery.dm(MEMBER["id"], HELLO)
    sent = teams_standin.sent[-1]
    assert (ref.surface, ref.conversation, ref.message_id) == ("teams", sent.conversation, sent.result["id"])
    assert sent.conversation == f"a:personal-{MEMBER['id']}" and "Hello from technet" in str(sent.card())


def test_a_dm_to_someone_met_only_in_a_channel_creates_their_chat(teams, teams_standin):
    teams.send(message_activity(teams_standin, MEMBER, "help", channel=True, mention=True))
    ref = teams.runtime.delivery.dm(MEMBER["id"], HELLO)
    [created] = teams_standin.conversations.values()
    assert created["members"] == [{"id": MEMBER["id"]}] and created["isGroup"] is False
    assert ref.conversation in teams_standin.conversations
    with teams.db.reading() as session:
        chat, _ = teams_store.personal_chat(session, MEMBER["id"])
        assert chat is not None and chat.conversation_id == ref.conversation


@pytest.mark.parametrize("status, retry_after, ambiguous", [(429, 7, False), (500, None, True), (503, None, True)])
def test_rate_limits_and_server_errors_can_be_retried(teams, teams_standin, status, retry_after, ambiguous):
    # A 429 is a refusal (nothing posted); a 5xx came once the activity was out, so it may have been posted.
    teams.send(message_activity(teams_standin, MEMBER, "help"))
    teams_standin.fail(status, retry_after=retry_after)
    with pytest.raises(DeliveryError) as refused:
        teams.runtime.delivery.dm(MEMBER["id"], HELLO)
    assert (refused.value.permanent, refused.value.retry_after, refused.value.ambiguous) == (
        False, retry_after, ambiguous)
    teams.runtime.delivery.dm(MEMBER["id"], HELLO)  # the next try goes


def _connector(teams_standin) -> Connector:
    return Connector(TokenSource(teams_standin.token_url, APP_ID, "standin-password"))


def test_a_connection_refused_is_a_refusal(teams_standin):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: the connection is refused
        with pytest.raises(DeliveryError) as refused:
            _connector(teams_standin).send(f"http://127.0.0.1:{port}/", "a:chat", {"type": "message"})
    assert refused.value.reason == "connection_refused"
    assert not (refused.value.ambiguous or refused.value.permanent)


def test_a_connection_dropped_after_the_request_is_ambiguous(teams_standin):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)

        def read_then_hang_up() -> None:
            connection, _ = server.accept()
            with connection:
                connection.recv(65536)  # the activity arrived; the answer never comes

        reader = threading.Thread(target=read_then_hang_up)
        reader.start()
        with pytest.raises(DeliveryError) as dropped:
            _connector(teams_standin).send(f"http://127.0.0.1:{server.getsockname()[1]}/", "a:chat",
                                           {"type": "message"})
        reader.join()
    assert dropped.value.ambiguous and not dropped.value.permanent


def test_a_blocked_chat_is_marked_unusable_and_skipped_after(teams, teams_standin):
    teams.send(message_activity(teams_standin, MEMBER, "help"))
    teams_standin.fail(403)
    with pytest.raises(DeliveryError) as refused:
        teams.runtime.delivery.dm(MEMBER["id"], HELLO)
    assert refused.value.permanent and refused.value.unreachable
    mark = teams_standin.mark()
    with pytest.raises(DeliveryError):
        teams.runtime.delivery.dm(MEMBER["id"], HELLO)
    assert teams_standin.since(mark) == []
    with teams.db.reading() as session:
        assert session.scalars(select(TeamsConversation.usable)).one() is False


def test_someone_never_met_is_unreachable(teams, teams_standin):
    with pytest.raises(DeliveryError) as refused:
        teams.runtime.delivery.dm("29:1Nobody", HELLO)
    assert refused.value.unreachable and teams_standin.sent == []


def test_a_post_updates_in_place(teams, teams_standin):
    channel = message_activity(teams_standin, MEMBER, "help", channel=True, mention=True)
    teams.send(channel)
    conversation = channel["conversation"]["id"]
    teams.runtime.delivery.check_postable(conversation)
    ref = teams.runtime.delivery.post(conversation, HELLO)
    teams.runtime.delivery.update(ref, ui.note("Changed"))
    put = teams_standin.sent[-1]
    assert put.method == "PUT" and put.path.endswith(ref.message_id) and "Changed" in str(put.card())
    with pytest.raises(DeliveryError):
        teams.runtime.delivery.check_postable("19:unknown@thread.tacv2")
    with teams.db.transaction() as session:
        teams_store.forget(session, tenant=channel["conversation"]["tenantId"], conversation_id=conversation,
                           reason="removed", now=now())
    with pytest.raises(DeliveryError):
        teams.runtime.delivery.post(conversation, HELLO)
