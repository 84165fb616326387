"""Tag suggestions in Socket Mode: an external select needs no options URL, the socket carries it."""

import json
from pathlib import Path

import pytest

from core import ids
from bot.standin import block_suggestion_payload
from bot.slack_refs import member_details, role_grants, slack_identity
from storage import profiles
from storage.clock import now
from storage.db import Database
from storage.members import actor_for, upsert_member

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[1]


def test_the_manifest_needs_no_options_url_in_socket_mode():
    settings = json.loads((ROOT / "manifest.json").read_text())["settings"]
    assert settings["socket_mode_enabled"] is True and settings["interactivity"]["is_enabled"] is True
    # An options load URL is for HTTP mode only (README says where to set it there).
    assert "message_menu_options_url" not in settings["interactivity"]


def test_tags_are_suggested_over_the_socket(running, socket_mode, database_url):
    db = Database(database_url)
    try:
        with db.transaction() as session:
            member = upsert_member(session, slack_identity("U0SOCKET2"), member_details(
                {"name": "ann", "profile": {"real_name": "Ann"}}),
                                       now=now())
            profiles.save_profile(session, actor_for(session, member, role_grants()),
                                  profiles.ProfileChanges(fte="1", skills=["HPLC", "UHPLC"]), now=now())
    finally:
        db.dispose()
    payload = block_suggestion_payload("U0SOCKET2", action_id=ids.PROFILE_SKILLS, block_id=ids.PROFILE_SKILLS,
                                       value="hplc")
    ack = socket_mode.wait_ack(socket_mode.send("interactive", payload))
    assert [o["value"] for o in ack["payload"]["options"]] == ["HPLC", "UHPLC"]
