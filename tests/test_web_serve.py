"""The public pages from `technet serve` as a real process, beside /slack/events on the same port."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest

from bot.standin import SlackStandIn, command_body, signed_headers
from tests.test_e2e import SECRET, post, served  # noqa: F401 - `served` is the fixture these tests use

pytestmark = pytest.mark.e2e


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def command(url: str, standin: SlackStandIn, text: str) -> str:
    body = command_body("U0E2EWEB", text, response_url=standin.response_url())
    status, reply = post(url, body, signed_headers(SECRET, body))
    assert status == 200
    return reply


def test_the_pages_and_a_members_feed_are_served_by_technet_serve(served: str, standin: SlackStandIn):  # noqa: F811
    status, front = get(served + "/network/")
    assert status == 200 and "<h1>The technician network</h1>" in front
    assert get(served + "/network/events.ics")[1].startswith("BEGIN:VCALENDAR")

    found = re.search(r"/network/calendar/[A-Za-z0-9_-]+\.ics", command(served, standin, "calendar"))
    assert found
    status, feed = get(served + found.group(0))
    assert status == 200 and "BEGIN:VCALENDAR" in feed
    assert "no longer works" in command(served, standin, "calendar revoke")
    assert get(served + found.group(0))[0] == 404
    assert get(served + "/healthz")[0] == 200
