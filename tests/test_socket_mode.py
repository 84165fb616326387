"""`technet run` in Socket Mode, connected to the stand-in's Socket Mode endpoint."""

import os
import subprocess
from pathlib import Path

import pytest

from bot.standin import TEAM_ID
from tests.harness import TECHNET

pytestmark = pytest.mark.e2e


def test_technet_run_answers_a_slash_command_over_socket_mode(running, socket_mode, standin):
    envelope = socket_mode.send("slash_commands", {
        "team_id": TEAM_ID, "user_id": "U0SOCKET1", "user_name": "sock", "command": "/tech", "text": "help",
        "channel_id": "C0GENERAL", "response_url": standin.response_url(), "trigger_id": "1.2.3",
        "api_app_id": "A0TECHNET",
    })
    ack = socket_mode.wait_ack(envelope)
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "/tech help" in str(ack["payload"]["blocks"])
    # The app token opened the connection; the bot token made the Web API calls.
    assert [c.token for c in standin.calls_to("apps.connections.open")][:1] == ["xapp-socket"]
    # The newcomer's users.info follows the answer, which nothing waits on.
    assert [c.token for c in standin.wait_for("users.info")] == ["xoxb-socket"]


def test_technet_run_without_an_app_token_says_what_is_missing(tmp_path: Path):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "SLACK_BOT_TOKEN": "xoxb-1"}
    result = subprocess.run([TECHNET, "run"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("technet: SLACK_APP_TOKEN is not set")
