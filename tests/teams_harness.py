"""Drive /api/messages as Teams does: activities signed by the stand-in's key, over real HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.teams import available

if (missing := available()) is not None:
    pytest.skip(missing, allow_module_level=True)

from bot.http import HttpServer, TechnetWSGI  # noqa: E402 - after the skip
from bot.runtime import Runtime  # noqa: E402
from bot.teams.serving import surfaces  # noqa: E402
from bot.teams.standin import APP_ID, TeamsStandIn  # noqa: E402
from core.settings import Settings  # noqa: E402
from tests.harness import Reply  # noqa: E402

import urllib.error  # noqa: E402
import urllib.request  # noqa: E402

MEMBER = {"id": "29:1MemberTeamsId", "name": "Morgan Member", "aadObjectId": "6f1c7e8a-0000-4000-8000-00000000aa01"}
ORGANISER = {"id": "29:1OrganiserTeamsId", "name": "Orla Organiser",
             "aadObjectId": "6f1c7e8a-0000-4000-8000-00000000aa02"}


def teams_settings(standin: TeamsStandIn, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = dict(
        database_url=database_url, teams_app_id=APP_ID, teams_app_password="s3cret",
        teams_openid_metadata_url=standin.openid_url, teams_token_url=standin.token_url,
        organisers=frozenset({f"teams:{ORGANISER['aadObjectId']}"}))
    values.update(overrides)
    return Settings(**values)


class TeamsHarness:
    """technet serving Teams alone (no Slack setting), on a free loopback port."""

    def __init__(self, settings: Settings, standin: TeamsStandIn, *, slack: bool = False):
        self.standin, self.settings = standin, settings
        self.runtime = Runtime.build(settings, threads=4)
        self.runtime.db.check_schema()
        self.app, endpoint = surfaces(self.runtime, slack=slack, teams=settings.teams_app_id is not None)
        self.wsgi = TechnetWSGI(self.app, self.runtime.db, signing_secret=settings.signing_secret or "",
                                teams=endpoint)
        self.server = HttpServer(self.wsgi, host="127.0.0.1", port=0, threads=4).start_in_thread()

    def close(self) -> None:
        self.server.stop()
        self.runtime.close()

    @property
    def db(self):
        return self.runtime.db

    def post(self, body: bytes | str | dict[str, Any], headers: dict[str, str], path: str = "/api/messages") -> Reply:
        data = json.dumps(body).encode() if isinstance(body, dict) else body
        data = data.encode() if isinstance(data, str) else data
        request = urllib.request.Request(self.server.url + path, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as e:
            return Reply(e.code, e.read().decode(), dict(e.headers))

    def send(self, activity: dict[str, Any], **token_options: Any) -> Reply:
        """An activity signed as the Bot Framework signs it."""
        return self.post(activity, self.standin.headers(**token_options))
