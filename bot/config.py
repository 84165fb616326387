"""Settings read from the environment (and `.env`), validated once at start-up.

Every problem is reported as one line naming the variable, so an IT admin can fix
a deployment without reading a traceback.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.settings import DATABASE_DEFAULT, SLACK_API_DEFAULT, TEAMS_OPENID_DEFAULT, TEAMS_TOKEN_DEFAULT, Settings
from storage.events.constants import KINDS

# Slack user ids start with U (or W on Enterprise Grid) followed by upper-case letters and digits.
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
# A Teams user: the Bot Framework's "29:1AbC..." or an Entra object id (a GUID).
TEAMS_USER_ID = re.compile(r"^[A-Za-z0-9:_.\-]{3,255}$")
# Written bare in a role setting: the Bot Framework's "29:..." ids and Entra object ids (GUIDs).
BARE_TEAMS_USER = re.compile(r"^(29:[A-Za-z0-9_\-.]{2,250}|[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12})$")
# A Teams channel conversation: "19:...@thread.tacv2" (or .skype); a GUID names an app or a tenant.
TEAMS_CHANNEL_ID = re.compile(r"^19:[A-Za-z0-9_\-.@]{3,250}$")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the variable."""


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings the environment gives (or `environ`), each checked; ConfigError names what is wrong."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    settings = Settings(
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
        lease_seconds=_positive_int(get("TECHNET_LEASE_SECONDS") or "30", "TECHNET_LEASE_SECONDS"),
        slack_timeout=_positive_int(get("TECHNET_SLACK_TIMEOUT") or "10", "TECHNET_SLACK_TIMEOUT"),
        senders=_positive_int(get("TECHNET_SENDERS") or "4", "TECHNET_SENDERS"),
        log_level=_log_level(get("TECHNET_LOG_LEVEL") or "INFO"),
        event_reminders=_reminder_offsets(get("TECHNET_EVENT_REMINDERS") or "1d,1h"),
        cpd_year_start_month=_month(get("TECHNET_CPD_YEAR_START_MONTH") or "8"),
        cpd_day_hours=_day_hours(get("TECHNET_CPD_DAY_HOURS") or "7.5"),
        report_min_group=_whole_number(get("TECHNET_REPORT_MIN_GROUP") or "5", "TECHNET_REPORT_MIN_GROUP", 2),
        networking_events_target=_whole_number(get("TECHNET_NETWORKING_EVENTS_TARGET") or "2",
                                               "TECHNET_NETWORKING_EVENTS_TARGET", 0),
        announce_grace=duration(get("TECHNET_ANNOUNCE_GRACE") or "6h", "TECHNET_ANNOUNCE_GRACE"),
        digest_cron=_cron(get("TECHNET_DIGEST_CRON") or "0 9 1-7 * mon", get("TECHNET_TZ") or "Europe/London"),
        digest_channel=_channel(get("TECHNET_DIGEST_CHANNEL"), "TECHNET_DIGEST_CHANNEL"),
        digest_approval_lead=duration(get("TECHNET_DIGEST_APPROVAL") or "24h", "TECHNET_DIGEST_APPROVAL",
                                       zero=True),
        digest_post_unapproved=_yes_no(get("TECHNET_DIGEST_POST_UNAPPROVED") or "yes",
                                       "TECHNET_DIGEST_POST_UNAPPROVED"),
        digest_grace=duration(get("TECHNET_DIGEST_GRACE") or "24h", "TECHNET_DIGEST_GRACE"),
        digest_template_dir=_directory(get("TECHNET_DIGEST_TEMPLATES"), "TECHNET_DIGEST_TEMPLATES"),
        erase_after=timedelta(days=_days(get("TECHNET_ERASE_AFTER_DAYS") or "90", "TECHNET_ERASE_AFTER_DAYS", 1)),
        retain_nominations=_kept(get("TECHNET_RETAIN_NOMINATIONS_DAYS") or "730", "TECHNET_RETAIN_NOMINATIONS_DAYS"),
        retain_audit=_kept(get("TECHNET_RETAIN_AUDIT_DAYS") or "730", "TECHNET_RETAIN_AUDIT_DAYS"),
        retain_deliveries=_kept(get("TECHNET_RETAIN_DELIVERIES_DAYS") or "365", "TECHNET_RETAIN_DELIVERIES_DAYS"),
        retain_ezine=_kept(get("TECHNET_RETAIN_EZINE_DAYS") or "1825", "TECHNET_RETAIN_EZINE_DAYS"),
        public_url=_public_url(get("TECHNET_PUBLIC_URL")),
        public_event_kinds=_event_kinds(get("TECHNET_PUBLIC_EVENT_KINDS") or "conference,workshop,showcase,outreach"),
        feed_rate=_whole_number(get("TECHNET_FEED_RATE") or "30", "TECHNET_FEED_RATE", 0),
        teams_app_id=_guid(get("TEAMS_APP_ID"), "TEAMS_APP_ID"),
        teams_app_password=get("TEAMS_APP_PASSWORD"),
        teams_tenant_id=_guid(get("TEAMS_TENANT_ID"), "TEAMS_TENANT_ID"),
        teams_openid_metadata_url=_http_url(get("TEAMS_OPENID_METADATA_URL") or TEAMS_OPENID_DEFAULT,
                                            "TEAMS_OPENID_METADATA_URL"),
        teams_token_url=_http_url(get("TEAMS_TOKEN_URL") or TEAMS_TOKEN_DEFAULT, "TEAMS_TOKEN_URL"),
        teams_network_channel=_teams_channel(get("TEAMS_NETWORK_CHANNEL")),
    )
    if settings.teams_network_channel and not (settings.network_channel or serves_slack(settings)):
        # Teams alone: its channel is the network channel every announcement and post goes to.
        settings = replace(settings, network_channel=settings.teams_network_channel)
    if settings.teams_app_id and not settings.teams_app_password:
        raise ConfigError("TEAMS_APP_PASSWORD is not set: TEAMS_APP_ID needs the client secret of its Entra app "
                          "(Certificates & secrets)")
    return settings


def serves_slack(settings: Settings) -> bool:
    """Slack is configured for HTTP mode (either setting given asks for it: both are then required)."""
    return bool(settings.bot_token or settings.signing_secret)


def serves_teams(settings: Settings) -> bool:
    return settings.teams_app_id is not None


def require_surface(settings: Settings) -> None:
    """`technet serve` needs Slack's HTTP settings, Teams' or both; a surface half set up is an error."""
    if serves_slack(settings) or not serves_teams(settings):
        require(settings, "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")


def require(settings: Settings, *names: str) -> None:
    """Stop start-up when a surface needs a setting that is not there."""
    values = {
        "SLACK_BOT_TOKEN": settings.bot_token,
        "SLACK_SIGNING_SECRET": settings.signing_secret,
        "SLACK_APP_TOKEN": settings.app_token,
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


def _guid(value: str | None, name: str) -> str | None:
    if value is not None and not GUID.match(value):
        raise ConfigError(f"{name} must be a GUID like 00000000-0000-0000-0000-000000000000 "
                          f"(the Entra app registration's Overview page); got {value!r}")
    return value


def _http_url(value: str, name: str) -> str:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
    return value


def _teams_channel(value: str | None) -> str | None:
    if value is not None and not TEAMS_CHANNEL_ID.match(value):
        raise ConfigError("TEAMS_NETWORK_CHANNEL must be a Teams channel id like 19:abc...@thread.tacv2 "
                          f"(in Teams: the channel's ... menu, Get link to channel); got {value!r}")
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


def _channel(value: str | None, name: str = "TECHNET_NETWORK_CHANNEL") -> str | None:
    if value is not None and not CHANNEL_ID.match(value):
        raise ConfigError(
            f"{name} must be a channel id like C0123ABCD, got {value!r} "
            "(in Slack: channel details, the id at the bottom)"
        )
    return value


def _user_ids(value: str | None, name: str) -> frozenset[str]:
    """People named by their ids on a surface: `U0123ABCD` or `slack:U0123ABCD` (kept as the
    bare Slack id, as before Teams), or `teams:<user id>`."""
    if value is None:
        return frozenset()
    ids = [part.strip() for part in value.replace(" ", ",").split(",") if part.strip()]
    people = {text: _person(text) for text in ids}
    bad = [text for text, person in people.items() if person is None]
    if bad:
        raise ConfigError(f"{name} must be Slack user ids like U0123ABCD (or slack:U0123ABCD), Teams ids like "
                          "29:1abc... or Entra object ids (or teams:<user id>), "
                          f"separated by commas; not {', '.join(bad)}")
    return frozenset(person for person in people.values() if person is not None)


def _person(text: str) -> str | None:
    """`text` as bot.slack_refs.configured_identity reads it, or None if it names nobody."""
    surface, _, user_id = text.partition(":")
    if USER_ID.match(text):
        return text
    if surface.lower() == "slack" and USER_ID.match(user_id):
        return user_id
    if surface.lower() == "teams" and TEAMS_USER_ID.match(user_id):
        return f"teams:{user_id}"
    if BARE_TEAMS_USER.match(text):  # a Teams id written as Teams shows it
        return f"teams:{text}"
    return None


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


def _days(value: str, name: str, least: int) -> int:
    if not value.isdigit() or int(value) < least:
        raise ConfigError(f"{name} must be a whole number of days, at least {least}; got {value!r}")
    return int(value)


def _kept(value: str, name: str) -> timedelta | None:
    """A retention period in days; 0 keeps that kind for ever."""
    days = _days(value, name, 0)
    return timedelta(days=days) if days else None


def _log_level(value: str) -> str:
    level = value.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"TECHNET_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR; got {value!r}")
    return level


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")


def _month(value: str) -> int:
    """A month as 1-12 or its English name ("8", "August", "aug")."""
    text = value.strip().lower()
    if text.isdigit() and 1 <= int(text) <= 12:
        return int(text)
    for number, name in enumerate(_MONTHS, 1):
        if len(text) >= 3 and name.startswith(text):
            return number
    raise ConfigError(f"TECHNET_CPD_YEAR_START_MONTH must be a month, 1-12 or a name like August; got {value!r}")


def _day_hours(value: str) -> float:
    try:
        hours = float(value.replace(",", "."))
    except ValueError:
        hours = float("nan")
    if not 0 < hours <= 24:
        raise ConfigError(f"TECHNET_CPD_DAY_HOURS must be the hours in a working day, e.g. 7.5; got {value!r}")
    return hours


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd]?)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "": "hours"}


def duration(value: str, name: str, *, zero: bool = False) -> timedelta:
    """A duration such as 6h, 90m or 2d (a bare number is hours); `zero` allows 0 and "off"."""
    if zero and value.strip().lower() in ("off", "no", "none"):
        return timedelta(0)
    match = _DURATION.match(value)
    amount = timedelta(**{_UNITS[match.group(2).lower()]: float(match.group(1))}) if match else None
    if amount is None or (amount <= timedelta(0) and not zero):
        raise ConfigError(f"{name} must be a duration such as 6h, 90m or 2d; got {value!r}")
    return amount


def _cron(value: str, timezone: str) -> str:
    """Five crontab fields (minute hour day month weekday), read by APScheduler in TECHNET_TZ."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(value, timezone=ZoneInfo(timezone))
    except (ValueError, ZoneInfoNotFoundError) as e:
        raise ConfigError(f"TECHNET_DIGEST_CRON must be five crontab fields such as '0 9 1-7 * mon' "
                          f"(09:00 on the first Monday); got {value!r} ({e})") from None
    return value


def _yes_no(value: str, name: str) -> bool:
    text = value.strip().lower()
    if text in ("1", "yes", "true", "on"):
        return True
    if text in ("0", "no", "false", "off"):
        return False
    raise ConfigError(f"{name} must be yes or no; got {value!r}")


def _public_url(value: str | None) -> str | None:
    """Where the public pages are reached from outside, without a trailing slash: https://technet.example.ac.uk"""
    if value is None:
        return None
    if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", value):
        raise ConfigError(f"TECHNET_PUBLIC_URL must be an http(s) URL like https://technet.example.ac.uk; "
                          f"got {value!r}")
    return value.rstrip("/")


def _event_kinds(value: str) -> tuple[str, ...]:
    kinds = tuple(dict.fromkeys(k.strip() for k in value.split(",") if k.strip()))
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ConfigError(f"TECHNET_PUBLIC_EVENT_KINDS: unknown kind {unknown[0]!r}; choose from {', '.join(KINDS)}")
    return kinds


def _whole_number(value: str, name: str, least: int) -> int:
    if not value.isdigit() or int(value) < least:
        raise ConfigError(f"{name} must be a whole number, at least {least}; got {value!r}")
    return int(value)


def _reminder_offsets(value: str) -> tuple[str, ...]:
    """'1d,1h' -> ('1d', '1h'): whole days, hours or minutes before an event, longest first."""
    found: dict[str, int] = {}
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        match = re.fullmatch(r"(\d+)([dhm])", part.lower())
        minutes = int(match.group(1)) * {"d": 1440, "h": 60, "m": 1}[match.group(2)] if match else 0
        if not 0 < minutes <= 14 * 1440:
            raise ConfigError("TECHNET_EVENT_REMINDERS must be times before an event like 1d,1h or 30m "
                              f"(at most 14d), separated by commas; got {value!r}")
        assert match is not None
        found[f"{int(match.group(1))}{match.group(2)}"] = minutes
    return tuple(sorted(found, key=found.__getitem__, reverse=True))
