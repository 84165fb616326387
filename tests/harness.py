"""Drive the served app as Slack does: signed HTTP requests, and the stand-in's log.

Also `Script`, what a person types into the local shell (the `shell_for` fixture in conftest.py),
and `TECHNET`, the installed command that end-to-end tests run as a process.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.app import create_app
from core.settings import Settings
from bot.http import HttpServer, TechnetWSGI
from bot.web import NetworkSite
from bot.runtime import Runtime
from bot.standin import (
    SlackStandIn,
    block_action_payload,
    block_suggestion_payload,
    command_body,
    event_body,
    input_values,
    interaction_body,
    signed_headers,
    view_submission_payload,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MEMBER = "U0MEMBER01"
OTHER = "U0MEMBER02"
ORGANISER = "U0ORGANISE"
PANEL = "U0PANELIST"
NETWORK_CHANNEL = "C0NETWORK1"
TECHNET = str(Path(sys.executable).with_name("technet"))


def settings_for(standin: SlackStandIn, database_url: str, **overrides: Any) -> Settings:
    standin.add_channel(NETWORK_CHANNEL)
    standin.add_user(MEMBER, "Morgan Member", title="Technician")
    standin.add_user(OTHER, "Olu Other", title="Senior Technician")
    standin.add_user(ORGANISER, "Orla Organiser", title="Technical Manager")
    standin.add_user(PANEL, "Pat Panel", title="Chief Technician")
    values: dict[str, Any] = dict(
        bot_token="xoxb-test-token",
        signing_secret=SECRET,
        slack_api_url=standin.api_url,
        database_url=database_url,
        network_channel=NETWORK_CHANNEL,
        organisers=frozenset({ORGANISER}),
        awards_panel=frozenset({PANEL}),
    )
    values.update(overrides)
    return Settings(**values)


@dataclass
class Reply:
    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """Every piece of text in the reply's blocks and its fallback, for assertions."""
        if not self.body:
            return ""
        try:
            data = self.json()
        except ValueError:
            return self.body
        return all_text(data)


def all_text(data: Any) -> str:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    return "\n".join(found)


def buttons(blocks: list[dict[str, Any]], action_id: str) -> list[dict[str, Any]]:
    """The buttons (or other elements) with `action_id`, in actions blocks and as sections' accessories."""
    found = []
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        found += [e for e in elements if e.get("action_id") == action_id]
    return found


class Harness:
    def __init__(self, settings: Settings, standin: SlackStandIn, *, threads: int = 4):
        self.settings, self.standin = settings, standin
        self.runtime = Runtime.build(settings, threads=threads)
        self.runtime.db.check_schema()
        self.app = create_app(self.runtime, process_before_response=True, guarded=True)
        self.wsgi = TechnetWSGI(self.app, self.runtime.db, signing_secret=settings.signing_secret or "",
                                site=NetworkSite(self.runtime.db, settings))
        self.server = HttpServer(self.wsgi, host="127.0.0.1", port=0,
                                 threads=threads).start_in_thread()
        self.url = f"{self.server.url}/slack/events"

    def close(self) -> None:
        self.server.stop()
        self.runtime.close()

    @property
    def db(self):
        return self.runtime.db

    def settle(self) -> None:
        """Wait until the work after ack() (lazy listeners) has finished."""
        self.runtime.executor.wait_idle()

    # Raw HTTP ---------------------------------------------------------------------
    def post(self, body: str | bytes, headers: dict[str, str], path: str = "/slack/events") -> Reply:
        data = body if isinstance(body, bytes) else body.encode()
        request = urllib.request.Request(self.server.url + path, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as e:
            return Reply(e.code, e.read().decode(), dict(e.headers))

    def get(self, path: str) -> Reply:
        try:
            with urllib.request.urlopen(self.server.url + path, timeout=10) as response:
                return Reply(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as e:
            return Reply(e.code, e.read().decode(), dict(e.headers))

    def signed(self, body: str, content_type: str, **extra_headers: str) -> Reply:
        headers = signed_headers(SECRET, body, content_type=content_type)
        headers.update(extra_headers)
        reply = self.post(body, headers)
        self.settle()
        return reply

    # As Slack sends them ----------------------------------------------------------
    def command(self, user_id: str, text: str, *, channel_id: str = "C0GENERAL") -> Reply:
        body = command_body(user_id, text, response_url=self.standin.response_url(), channel_id=channel_id)
        return self.signed(body, "application/x-www-form-urlencoded")

    def action(self, user_id: str, action_id: str, value: str | None = None, *, block_id: str = "b",
               **payload_options: Any) -> Reply:
        action = {"action_id": action_id, "block_id": block_id, "type": "button", "value": value}
        payload = block_action_payload(user_id, action, response_url=self.standin.response_url(), **payload_options)
        return self.signed(interaction_body(payload), "application/x-www-form-urlencoded")

    def interact(self, payload: dict[str, Any]) -> Reply:
        return self.signed(interaction_body(payload), "application/x-www-form-urlencoded")

    def submit(self, user_id: str, view: dict[str, Any], answers: dict[str, Any]) -> Reply:
        """Submit a modal the bot opened, answering its input blocks by block_id."""
        payload = view_submission_payload(user_id, view, input_values(view, answers))
        return self.interact(payload)

    def suggest(self, user_id: str, view: dict[str, Any], block_id: str, typed: str) -> list[dict[str, Any]]:
        """Type into an external select of a view the bot opened; the options the app offers."""
        element = next(b["element"] for b in view["blocks"] if b.get("block_id") == block_id)
        payload = block_suggestion_payload(user_id, action_id=element["action_id"], block_id=block_id, value=typed,
                                           view=view)
        reply = self.interact(payload)
        assert reply.status == 200, reply.body
        return reply.json().get("options", [])

    def event(self, event: dict[str, Any], *, event_id: str, retry_num: int | None = None) -> Reply:
        body = event_body(event, event_id=event_id)
        extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.signed(body, "application/json", **extra)

    def opened_view(self) -> dict[str, Any]:
        """The modal the bot opened last (views.open), as the stand-in stored it."""
        return self.standin.calls_to("views.open")[-1].result["view"]


# The local shell --------------------------------------------------------------------------------

class Script:
    """Feeds the shell its lines and keeps what it printed.

    A line may be a function of what is on screen so far, e.g. press("Nominate").
    """

    def __init__(self, *lines: str | Callable[[str], str]):
        self.lines: Iterator[str | Callable[[str], str]] = iter(lines)
        self.output: list[str] = []
        self.runtime: Runtime | None = None  # the app the shell ran (shell_for sets it), to look in its database

    def read(self, prompt: str) -> str:
        self.output.append(prompt)
        try:
            line = next(self.lines)
        except StopIteration:
            raise EOFError from None
        return line(self.text) if callable(line) else line

    @property
    def text(self) -> str:
        return "\n".join(self.output)


def press(label: str) -> Callable[[str], str]:
    """The number of the last button on screen whose label starts with `label`."""

    def number(screen: str) -> str:
        found = re.findall(r"\[(\d+)\] " + re.escape(label), screen)
        assert found, f"no [N] {label} on screen"
        return found[-1]

    return number
