import subprocess
import sys

import pytest

from bot import config
from bot.config import ConfigError

GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1-2-3",
    "SLACK_SIGNING_SECRET": "abc",
    "DATABASE_URL": "sqlite:///var/x.db",
}


def test_defaults_without_any_setting():
    settings = config.from_env({})
    assert settings.database_url == "sqlite:///var/technet.db"
    assert settings.timezone == "Europe/London"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.organisers == frozenset()


def test_lists_of_user_ids_and_api_url_are_normalised():
    settings = config.from_env({**GOOD, "TECHNET_ORGANISERS": "U012AB, W034CD  U056EF",
                                  "SLACK_API_URL": "http://127.0.0.1:9999/api"})
    assert settings.organisers == {"U012AB", "W034CD", "U056EF"}
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token", "SLACK_BOT_TOKEN must start with 'xoxb-'"),
        ("SLACK_APP_TOKEN", "xoxb-wrong", "SLACK_APP_TOKEN must start with 'xapp-'"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL must be an http(s) URL"),
        ("DATABASE_URL", "not a url", "DATABASE_URL is not a database URL"),
        ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL must be SQLite or PostgreSQL"),
        ("TECHNET_TZ", "Europe/Lundon", "TECHNET_TZ is not a known time zone"),
        ("TECHNET_NETWORK_CHANNEL", "#technicians", "TECHNET_NETWORK_CHANNEL must be a channel id"),
        ("TECHNET_ORGANISERS", "U012AB,alice", "TECHNET_ORGANISERS must be Slack user ids"),
        ("TECHNET_AWARDS_PANEL", "@bob", "TECHNET_AWARDS_PANEL must be Slack user ids"),
        ("TECHNET_TICK_SECONDS", "0", "TECHNET_TICK_SECONDS must be a whole number"),
        ("TECHNET_SENDERS", "none", "TECHNET_SENDERS must be a whole number"),
        ("TECHNET_CONTENT_DIR", "/nonexistent/content", "TECHNET_CONTENT_DIR is not a directory"),
    ],
)
def test_each_bad_setting_is_named_with_what_is_wrong(name, value, says):
    with pytest.raises(ConfigError) as error:
        config.from_env({**GOOD, name: value})
    assert says in str(error.value)


def test_a_surface_names_the_setting_it_misses():
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is not set"):
        config.require(config.from_env({"SLACK_BOT_TOKEN": "xoxb-1"}), "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


def run_cli(*args: str, env: dict[str, str], cwd) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], env={"PATH": "/usr/bin:/bin", **env},
                          cwd=cwd, capture_output=True, text=True, timeout=60)


def test_start_up_stops_with_one_line_and_no_traceback(tmp_path):
    result = run_cli("serve", env={"TECHNET_TZ": "Mars/Olympus", "PYTHONPATH": str(_root())}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "technet: TECHNET_TZ is not a known time zone: 'Mars/Olympus' (e.g. Europe/London)"


def test_serve_without_a_signing_secret_says_where_to_find_it(tmp_path):
    result = run_cli("serve", env={"SLACK_BOT_TOKEN": "xoxb-1", "PYTHONPATH": str(_root())}, cwd=tmp_path)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_behind_the_code_refuses_to_start(tmp_path):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "PYTHONPATH": str(_root()),
           "DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}
    result = run_cli("serve", "--port", "0", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "is empty, this code needs" in result.stderr and "run `technet db upgrade`" in result.stderr
    assert "Traceback" not in result.stderr


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[1]


# Teams -------------------------------------------------------------------------------------------

TEAMS_ONLY = {"TEAMS_APP_ID": "00000000-0000-4000-8000-00000000a991", "TEAMS_APP_PASSWORD": "s3cret"}


def test_teams_alone_needs_no_slack_setting():
    settings = config.from_env(TEAMS_ONLY)
    config.require_surface(settings)  # no Slack setting, and nothing missing
    assert config.serves_teams(settings) and not config.serves_slack(settings)
    assert settings.teams_openid_metadata_url.startswith("https://login.botframework.com/")


def test_slack_alone_needs_no_teams_setting_and_neither_is_refused():
    config.require_surface(config.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}))
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        config.require_surface(config.from_env({}))


def test_teams_settings_are_checked():
    with pytest.raises(ConfigError, match="TEAMS_APP_PASSWORD"):
        config.from_env({"TEAMS_APP_ID": TEAMS_ONLY["TEAMS_APP_ID"]})
    with pytest.raises(ConfigError, match="TEAMS_APP_ID must be a GUID"):
        config.from_env({**TEAMS_ONLY, "TEAMS_APP_ID": "technet"})
    with pytest.raises(ConfigError, match="TEAMS_NETWORK_CHANNEL"):
        config.from_env({**TEAMS_ONLY, "TEAMS_NETWORK_CHANNEL": "C0NETWORK1"})
    with pytest.raises(ConfigError, match="TEAMS_TOKEN_URL"):
        config.from_env({**TEAMS_ONLY, "TEAMS_TOKEN_URL": "login.example"})
    teams_alone = config.from_env({**TEAMS_ONLY, "TEAMS_NETWORK_CHANNEL": "19:abc123@thread.tacv2"})
    assert teams_alone.teams_network_channel == teams_alone.network_channel == "19:abc123@thread.tacv2"


def test_role_settings_take_teams_ids_as_teams_shows_them():
    aad = "6f1c7e8a-0000-4000-8000-00000000aa02"
    settings = config.from_env({"TECHNET_ORGANISERS": f"U0123ABCD, 29:1AbcDef-xyz, {aad}"})
    assert settings.organisers == {"U0123ABCD", "teams:29:1AbcDef-xyz", f"teams:{aad}"}
