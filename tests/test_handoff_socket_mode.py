"""The work after an ack in Socket Mode, where Bolt starts lazy listeners together with the
ack listener rather than after it: a form's follow-up is handed what the ack's unit of work
did (bot.listeners.after_ack), so it happens, once, with nothing polling for the commit.

The app runs in this process (as `technet run` builds it) against the Socket Mode stand-in,
so a test can wait for the listener executor to go idle instead of for a message.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from core import ids
from bot.app import create_app
from bot.runtime import Runtime
from bot.standin import (TEAM_ID, SlackStandIn, block_action_payload, input_values, trigger_id,
                         view_submission_payload)
from bot.standin_socket import SocketModeStandIn
from storage import awards
from storage.clock import now
from tests.harness import MEMBER, NETWORK_CHANNEL, ORGANISER, OTHER, PANEL, all_text, settings_for
from tests.test_awards_slack import CITATION
from tests.test_events_slack import FORM, epoch


class SocketTechnet:
    """The app over Socket Mode: send what Slack sends, read its acks, wait for the work after them."""

    def __init__(self, runtime: Runtime, standin: SlackStandIn, socket_mode: SocketModeStandIn):
        self.runtime, self.standin, self.socket_mode = runtime, standin, socket_mode

    def settle(self) -> None:
        self.runtime.executor.wait_idle()

    def ack(self, envelope_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        ack = self.socket_mode.wait_ack(self.socket_mode.send(envelope_type, payload))
        self.settle()
        return dict(ack.get("payload") or {})

    def command(self, user_id: str, text: str) -> dict[str, Any]:
        return self.ack("slash_commands", {
            "team_id": TEAM_ID, "user_id": user_id, "user_name": user_id.lower(), "command": "/tech", "text": text,
            "channel_id": "C0GENERAL", "response_url": self.standin.response_url(), "trigger_id": trigger_id(),
            "api_app_id": "A0TECHNET"})

    def opened_view(self) -> dict[str, Any]:
        return self.standin.calls_to("views.open")[-1].result["view"]

    def submission(self, user_id: str, answers: dict[str, Any]) -> dict[str, Any]:
        """The payload submitting the modal opened last with these answers."""
        view = self.opened_view()
        return view_submission_payload(user_id, view, input_values(view, answers))

    def dms_to(self, user_id: str) -> list[str]:
        channels = {c.result["channel"]["id"] for c in self.standin.calls_to("conversations.open")
                    if c.args.get("users") == user_id} | {user_id}
        return [all_text(c.args) for c in self.standin.calls_to("chat.postMessage")
                if c.args.get("channel") in channels and c.result.get("ok")]


@pytest.fixture
def socket_technet(database_url: str, standin: SlackStandIn,
                   socket_mode: SocketModeStandIn) -> Iterator[SocketTechnet]:
    settings = settings_for(standin, database_url, signing_secret=None, app_token="xapp-socket")
    runtime = Runtime.build(settings, threads=4)
    runtime.db.check_schema()
    handler = SocketModeHandler(create_app(runtime, process_before_response=False), "xapp-socket")
    handler.connect()
    try:
        socket_mode.wait_connected()
        yield SocketTechnet(runtime, standin, socket_mode)
    finally:
        handler.close()
        runtime.close()


def test_a_nomination_is_confirmed_by_dm_once_over_socket_mode(socket_technet: SocketTechnet):
    technet = socket_technet
    technet.command(ORGANISER, "awards new")
    done = technet.ack("interactive", technet.submission(ORGANISER, {
        ids.AWARDS_NAME: "Technician of the Year", ids.AWARDS_DESCRIPTION: "For technicians who made a difference.",
        ids.AWARDS_LABEL: "2026", ids.AWARDS_CLOSES: epoch(now() + timedelta(days=10)), ids.AWARDS_RULES: [],
        ids.AWARDS_NOTIFY: awards.NOTIFY_NEVER, ids.AWARDS_PANEL: [PANEL], ids.AWARDS_CHAIR: PANEL,
        ids.AWARDS_OPENS: None}))
    assert done["response_action"] == "update", done
    with technet.runtime.db.reading() as session:
        cycle_id = max(c.id for c in awards.all_cycles(session, now()))

    technet.command(MEMBER, "nominate")
    submitted = technet.submission(MEMBER, {ids.AWARDS_AWARD: str(cycle_id), ids.AWARDS_NOMINEE: OTHER,
                                            ids.AWARDS_CITATION: CITATION})
    saved = technet.ack("interactive", submitted)
    assert saved["response_action"] == "update" and "is saved" in all_text(saved)
    [copy] = technet.dms_to(MEMBER)
    assert "Technician of the Year" in copy and "Olu Other" in copy
    # Slack delivering the same submission again: the same answer, and no second message.
    again = technet.ack("interactive", submitted)
    assert again["response_action"] == "update"
    assert len(technet.dms_to(MEMBER)) == 1


def test_an_announced_event_is_posted_once_over_socket_mode(socket_technet: SocketTechnet):
    technet = socket_technet
    technet.command(ORGANISER, "event new")
    starts = now().replace(microsecond=0) + timedelta(days=20)
    submitted = technet.submission(ORGANISER, {
        **FORM, ids.EVENTS_STARTS: epoch(starts), ids.EVENTS_ENDS: epoch(starts + timedelta(hours=2)),
        ids.EVENTS_ANNOUNCE: ["yes"]})
    done = technet.ack("interactive", submitted)
    assert done["response_action"] == "update", done
    posts = [c for c in technet.standin.calls_to("chat.postMessage") if c.args.get("channel") == NETWORK_CHANNEL]
    assert len(posts) == 1 and "Quarterly network meeting" in all_text(posts[0].args)
    # Slack delivering the same submission again posts nothing more.
    technet.ack("interactive", submitted)
    assert len([c for c in technet.standin.calls_to("chat.postMessage")
                if c.args.get("channel") == NETWORK_CHANNEL]) == 1


def test_a_button_that_opens_a_form_still_works_over_socket_mode(socket_technet: SocketTechnet):
    # A lazy listener (no hand-off needed): the Home tab's New event button opens the form.
    technet = socket_technet
    action = {"action_id": ids.EVENTS_NEW, "block_id": "b", "type": "button", "value": "new"}
    technet.ack("interactive", block_action_payload(ORGANISER, action))
    assert technet.opened_view()["callback_id"] == ids.EVENTS_MODAL
