"""Files on Teams: a bot cannot attach one, so technet hands it out by a link it serves itself; and
what is for the asker alone, asked for in a channel, reaches them in their own chat with the bot."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from bot.teams.standin import message_activity
from storage.models.downloads import Download
from tests.teams_harness import MEMBER, TeamsHarness, teams_settings

T0 = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)


@pytest.fixture
def teams(database_url, teams_standin):
    harness = TeamsHarness(teams_settings(teams_standin, database_url), teams_standin)
    # Links are made on the address members reach technet by: here, the test's server.
    harness.runtime.settings = replace(harness.runtime.settings, public_url=harness.server.url)
    yield harness
    harness.close()


def links(card: dict) -> dict[str, str]:
    return {a["title"]: a["url"] for block in card["body"] if block.get("type") == "ActionSet"
            for a in block["actions"] if a.get("type") == "Action.OpenUrl"}


def get(url: str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def test_my_data_comes_as_links_that_download_until_they_expire(teams, teams_standin):
    with freeze_time(T0) as clock:
        teams.send(message_activity(teams_standin, MEMBER, "my data"))
        card = teams_standin.wait_for(1)[-1].card()
        offered = links(card)
        assert sorted(offered) == [f"Download technet-my-data-{T0.date()}.html",
                                   f"Download technet-my-data-{T0.date()}.json"]
        status, body, headers = get(offered[f"Download technet-my-data-{T0.date()}.json"])
        assert status == 200 and headers["Content-Disposition"].startswith("attachment;")
        assert headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in headers["Content-Security-Policy"]
        assert MEMBER["name"] in json.dumps(json.loads(body))
        # The table keeps no working link: only digests, and the member they were made for.
        with teams.db.reading() as session:
            kept = session.scalars(select(Download.digest)).all()
        assert len(kept) == 2 and all(digest not in url for digest in kept for url in offered.values())
        clock.tick(timedelta(hours=24, seconds=1))
        assert [get(url)[0] for url in offered.values()] == [404, 404]


def test_a_made_up_or_malformed_link_is_a_bare_404(teams):
    for token in ("x" * 43, "../../etc/passwd", "", "%00"):
        status, body, _ = get(f"{teams.server.url}/files/{token}")
        assert (status, body) == (404, b"")


def test_without_a_public_address_the_member_is_told_why_there_is_no_file(database_url, teams_standin):
    harness = TeamsHarness(teams_settings(teams_standin, database_url), teams_standin)
    try:
        harness.send(message_activity(teams_standin, MEMBER, "my data"))
        card = teams_standin.wait_for(1)[-1].card()
        assert links(card) == {} and "TECHNET_PUBLIC_URL" in json.dumps(card)
    finally:
        harness.close()


def test_a_private_answer_asked_for_in_a_channel_goes_to_the_askers_own_chat(teams, teams_standin):
    asked = message_activity(teams_standin, MEMBER, "my data", channel=True, mention=True)
    teams.send(asked)
    sent = [s for s in teams_standin.wait_for(3) if "/activities" in s.path]
    private = [s for s in sent if s.conversation != asked["conversation"]["id"]]
    in_channel = [s for s in sent if s.conversation == asked["conversation"]["id"]]
    # Met only in the channel so far: their chat with the bot is created for it.
    [created] = teams_standin.conversations
    assert private and all(s.conversation == created for s in private)
    assert links(private[-1].card())
    # One pointer in the thread, however many private answers went.
    assert len(in_channel) == 1 and in_channel[0].path.endswith(f"/activities/{asked['id']}")
    assert "your chat with technet" in json.dumps(in_channel[0].card()) and not links(in_channel[0].card())
