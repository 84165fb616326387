"""`/tech my data`, `/tech privacy`, Slack's deactivation, and `technet member export|erase`, end to end."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import datetime, timedelta, UTC
from pathlib import Path

from freezegun import freeze_time

from bot.cli import main
from bot.slack_refs import slack_identity
from digests.personal_data import run_daily
from storage.members import find_member
from tests.harness import MEMBER, OTHER, Harness
from tests.test_awards_slack import dm_channels

ROOT = Path(__file__).resolve().parent.parent


def test_my_data_sends_the_member_their_copy_in_a_dm(technet: Harness):
    technet.command(MEMBER, "cpd log")  # any first contact; the member comes from users.info
    technet.standin.state.uploads.clear()
    reply = technet.command(MEMBER, "my data")
    assert reply.status == 200 and "Preparing your copy" in reply.text
    files = {u["filename"]: u["content"].decode() for u in technet.standin.state.uploads.values()}
    [page] = [text for name, text in files.items() if name.startswith("technet-my-data-") and name.endswith(".html")]
    [data] = [json.loads(text) for name, text in files.items() if name.endswith(".json")]
    assert data["name"] == "Morgan Member" and "Morgan Member" in page
    identities = next(s for s in data["sections"] if s["table"] == "member_identities")["rows"]
    assert [r["external_id"] for r in identities] == [MEMBER]
    [upload] = technet.standin.calls_to("files.completeUploadExternal")
    assert upload.args["channel_id"] in dm_channels(technet, MEMBER)


def test_my_alone_shows_usage_and_privacy_says_what_is_kept(technet: Harness):
    assert "`/tech my data`" in technet.command(MEMBER, "my").text
    text = technet.command(MEMBER, "privacy").text
    assert "Your data in technet" in text and "*For how long.*" in text and "`/tech my data`" in text
    assert "erased 90 days later" in text and "the e-zine archive 1825 days" in text and "{" not in text
    help_text = technet.command(MEMBER, "help").text
    assert "/tech privacy" in help_text and "/tech my data" in help_text


def test_slack_deactivating_an_account_starts_the_grace_then_the_daily_run_erases(technet: Harness):
    left = datetime(2026, 12, 7, 12, tzinfo=UTC)
    technet.command(OTHER, "help")
    with freeze_time(left):
        user = technet.standin.add_user(OTHER, "Olu Other", deleted=True)
        assert technet.event({"type": "user_change", "user": user}, event_id="Ev0LEFT19").status == 200
    with technet.db.reading() as session:
        member = find_member(session, slack_identity(OTHER))
        assert member is not None and member.deactivated and member.deactivated_at == left
        member_id = member.id
    grace = technet.settings.erase_after
    assert run_daily(technet.runtime, left + grace - timedelta(minutes=1)).startswith("erased 0 member(s)")
    assert run_daily(technet.runtime, left + grace).startswith("erased 1 member(s)")
    with technet.db.reading() as session:
        assert find_member(session, slack_identity(OTHER)) is None
        from storage.models import Member
        erased = session.get_one(Member, member_id)
        assert (erased.erased_at, erased.display_name, erased.name) == (left + grace, "", "a former member")


def test_an_admin_exports_a_member_by_id_and_it_is_logged(technet: Harness, database_url, tmp_path, monkeypatch,
                                                          caplog):
    technet.command(MEMBER, "help")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TECHNET_ENV_FILE", str(tmp_path / "none.env"))
    caplog.set_level(logging.INFO, logger="technet.personal_data")
    out = tmp_path / "morgan.json"
    assert main(["member", "export", MEMBER, "--out", str(out)]) == 0
    assert json.loads(out.read_text())["name"] == "Morgan Member"
    assert main(["member", "export", MEMBER, "--out", str(tmp_path / "morgan.html")]) == 0
    assert "<h1>What technet holds about Morgan Member</h1>" in (tmp_path / "morgan.html").read_text()
    logged = [r.getMessage() for r in caplog.records if r.name == "technet.personal_data"]
    assert len(logged) == 2 and all("made for an admin (technet member export)" in line for line in logged)
    assert all("Morgan" not in line for line in logged)
    assert main(["member", "export", "U0NOBODY1", "--out", str(out)]) == 2


def run_cli(database_url: str, tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url,
           "TECHNET_ENV_FILE": str(tmp_path / "none.env")}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=tmp_path, input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_an_admin_erases_a_member_after_confirming(technet: Harness, database_url, tmp_path):
    technet.command(MEMBER, "help")
    refused = run_cli(database_url, tmp_path, "member", "erase", MEMBER, stdin="no\n")
    assert refused.returncode == 2 and refused.stderr.strip().endswith("technet: nothing erased")
    assert "Morgan Member" in refused.stdout  # the confirmation names whom
    with technet.db.reading() as session:
        assert find_member(session, slack_identity(MEMBER)) is not None
    done = run_cli(database_url, tmp_path, "member", "erase", MEMBER, stdin=f"{MEMBER}\n")
    assert done.returncode == 0, done.stderr
    assert "technet: member #" in done.stdout and "erased (deleted: member_identities 1" in done.stdout
    assert "erased by an admin (technet member erase)" in done.stderr  # the log line
    with technet.db.reading() as session:
        assert find_member(session, slack_identity(MEMBER)) is None
    again = run_cli(database_url, tmp_path, "member", "erase", MEMBER, "--yes")
    assert again.returncode == 2 and "has not used technet" in again.stderr


def test_my_data_and_privacy_in_the_shell(shell_for):
    from storage.members import Role

    script = shell_for(Role.MEMBER, "/tech privacy", "/tech my data", ":quit")
    text = script.text
    assert "YOUR DATA IN TECHNET" in text.upper() and "Preparing your copy" in text
    assert "technet-my-data-" in text and ".json" in text
