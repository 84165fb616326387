"""`technet serve` as a separate process, used as Slack and an IT admin would."""

import json
import os
import signal
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.standin import SlackStandIn, command_body, signed_headers
from tests.harness import TECHNET

pytestmark = pytest.mark.e2e

SECRET = "e2e-signing-secret"


def environment(standin: SlackStandIn, database_url: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SLACK_API_URL": standin.api_url,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": "xoxb-e2e",
        "DATABASE_URL": database_url,
        "TECHNET_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def served(database_url: str, standin: SlackStandIn, tmp_path: Path) -> Iterator[str]:
    env = environment(standin, database_url)
    upgrade = subprocess.run([TECHNET, "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True,
                             timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    process = subprocess.Popen([TECHNET, "serve", "--host", "127.0.0.1", "--port", "0"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stderr is not None  # both are PIPE
        line = process.stdout.readline()
        assert "serving on" in line, process.stderr.read()
        url = line.strip().split("serving on ")[1].removesuffix("/slack/events")
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url + "/slack/events", data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_signed_help_is_answered_in_the_response_itself(served: str, standin: SlackStandIn):
    # In the acknowledgement, so within Slack's three seconds whatever follows (bench/load.py times it).
    body = command_body("U0E2EUSER", "help", response_url=standin.response_url())
    status, text = post(served, body, signed_headers(SECRET, body))
    assert status == 200
    reply = json.loads(text)
    assert reply["response_type"] == "ephemeral" and "/tech help" in json.dumps(reply["blocks"])
    # users.info went to the configured SLACK_API_URL, with the bot token: after the answer, which
    # nothing waits on (a newcomer's profile is filled in once their request is answered).
    assert [c.token for c in standin.wait_for("users.info")] == ["xoxb-e2e"]


def test_a_bad_signature_is_answered_401(served: str, standin: SlackStandIn):
    body = command_body("U0E2EUSER", "help", response_url=standin.response_url())
    status, _ = post(served, body, signed_headers("wrong-secret", body))
    assert status == 401
    assert standin.calls_to("users.info") == []


def test_health_check(served: str):
    with urllib.request.urlopen(served + "/healthz", timeout=10) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"status": "ok", "database": "ok"}


def test_demo_data_twice_adds_nothing_the_second_time(database_url: str, standin: SlackStandIn, tmp_path: Path):
    env = environment(standin, database_url)
    subprocess.run([TECHNET, "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=120)
    outputs = [subprocess.run([TECHNET, "demo-data"], env=env, cwd=tmp_path, capture_output=True, text=True,
                              timeout=120).stdout for _ in range(2)]
    assert "sample data loaded" in outputs[0]
    assert outputs[0] != outputs[1]
    assert "(0 new members)" in outputs[1]


def test_the_shell_answers_help_on_a_fresh_sqlite_database(tmp_path: Path):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "TECHNET_LOG_LEVEL": "WARNING"}
    for args in (["db", "upgrade"], ["demo-data"]):
        subprocess.run([TECHNET, *args], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=120)
    shell = subprocess.run([TECHNET, "shell"], input="/tech help\n:quit\n", env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert shell.returncode == 0, shell.stderr
    assert "`/tech help`" in shell.stdout
    assert (tmp_path / "var" / "technet.db").exists()


def test_commands_log_the_migrations_they_run_and_nothing_routine(tmp_path: Path):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    upgrade, demo = (subprocess.run([TECHNET, *args], env=env, cwd=tmp_path, capture_output=True, text=True,
                                    timeout=120, check=True) for args in (["db", "upgrade"], ["demo-data"]))
    assert "Running upgrade  -> 0001" in upgrade.stderr
    assert "technet: sample data loaded" in demo.stdout + demo.stderr
    assert "Context impl" not in upgrade.stderr + demo.stderr
