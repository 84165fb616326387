"""Settings read from the environment (and `.env`), validated once at start-up.

Every problem is reported as one line naming the variable, so an IT admin can fix
a deployment without reading a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

SLACK_API_DEFAULT = "https://slack.com/api/"
DATABASE_DEFAULT = "sqlite:///var/technet.db"
# Slack user ids start with U (or W on Enterprise Grid) followed by upper-case letters and digits.
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    bot_token: str | None = None
    signing_secret: str | None = None
    app_token: str | None = None
    slack_api_url: str = SLACK_API_DEFAULT
    database_url: str = DATABASE_DEFAULT
    timezone: str = "Europe/London"
    network_channel: str | None = None
    organisers: frozenset[str] = field(default_factory=frozenset)
    awards_panel: frozenset[str] = field(default_factory=frozenset)
    content_dir: Path | None = None
    # How often the scheduler asks the database what is due, in seconds.
    tick_seconds: int = 30
    log_level: str = "INFO"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        settings = cls(
            bot_token=_token(get("SLACK_BOT_TOKEN"), "SLACK_BOT_TOKEN", "xoxb-"),
            signing_secret=get("SLACK_SIGNING_SECRET"),
            app_token=_token(get("SLACK_APP_TOKEN"), "SLACK_APP_TOKEN", "xapp-"),
            slack_api_url=_api_url(get("SLACK_API_URL") or SLACK_API_DEFAULT),
            database_url=_database_url(get("DATABASE_URL") or DATABASE_DEFAULT),
            timezone=_timezone(get("TECHNET_TZ") or "Europe/London"),
            network_channel=_channel(get("TECHNET_NETWORK_CHANNEL")),
            organisers=_user_ids(get("TECHNET_ORGANISERS"), "TECHNET_ORGANISERS"),
            awards_panel=_user_ids(get("TECHNET_AWARDS_PANEL"), "TECHNET_AWARDS_PANEL"),
            content_dir=_directory(get("TECHNET_CONTENT_DIR"), "TECHNET_CONTENT_DIR"),
            tick_seconds=_positive_int(get("TECHNET_TICK_SECONDS") or "30", "TECHNET_TICK_SECONDS"),
            log_level=_log_level(get("TECHNET_LOG_LEVEL") or "INFO"),
        )
        return settings

    def require(self, *names: str) -> None:
        """Stop start-up when a surface needs a setting that is not there."""
        values = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
            "SLACK_APP_TOKEN": self.app_token,
        }
        for name in names:
            if not values[name]:
                raise ConfigError(f"{name} is not set: {_WHY_NEEDED[name]}")


_WHY_NEEDED = {
    "SLACK_BOT_TOKEN": "copy the Bot User OAuth Token (xoxb-...) from the app's OAuth & Permissions page",
    "SLACK_SIGNING_SECRET": "copy the Signing Secret from the app's Basic Information page",
    "SLACK_APP_TOKEN": "Socket Mode needs an app-level token (xapp-...) with connections:write",
}


def _token(value: str | None, name: str, prefix: str) -> str | None:
    if value is not None and not value.startswith(prefix):
        raise ConfigError(f"{name} must start with {prefix!r}; check you copied the right token")
    return value


def _api_url(value: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError(f"SLACK_API_URL must be an http(s) URL, got {value!r}")
    # slack_sdk joins method names onto the base URL, which therefore ends with '/'.
    return value if value.endswith("/") else value + "/"


def _database_url(value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL is not a database URL: {value!r} "
            "(e.g. sqlite:///var/technet.db or postgresql+psycopg://user@host/db)"
        ) from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL must be SQLite or PostgreSQL, got {url.get_backend_name()!r}")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TECHNET_TZ is not a known time zone: {value!r} (e.g. Europe/London)") from None
    return value


def _channel(value: str | None) -> str | None:
    if value is not None and not CHANNEL_ID.match(value):
        raise ConfigError(
            f"TECHNET_NETWORK_CHANNEL must be a channel id like C0123ABCD, got {value!r} "
            "(in Slack: channel details, the id at the bottom)"
        )
    return value


def _user_ids(value: str | None, name: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    ids = [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]
    bad = [i for i in ids if not USER_ID.match(i)]
    if bad:
        raise ConfigError(f"{name} must be Slack user ids like U0123ABCD, separated by commas; not {', '.join(bad)}")
    return frozenset(ids)


def _directory(value: str | None, name: str) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if not path.is_dir():
        raise ConfigError(f"{name} is not a directory: {value!r}")
    return path


def _positive_int(value: str, name: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ConfigError(f"{name} must be a whole number of seconds, at least 1; got {value!r}")
    return int(value)


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"TECHNET_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR; got {value!r}")
    return level
