"""technet's settings as plain values: what handlers, digests and the surfaces are configured with.

bot/config.py reads and checks them from the environment; a test builds them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

SLACK_API_DEFAULT = "https://slack.com/api/"
DATABASE_DEFAULT = "sqlite:///var/technet.db"
# Microsoft's public cloud: the Bot Framework's OpenID metadata (whose jwks_uri gives the keys that
# sign incoming activities) and the token endpoint for the bot's own outgoing token.
TEAMS_OPENID_DEFAULT = "https://login.botframework.com/v1/.well-known/openidconfiguration"
TEAMS_TOKEN_DEFAULT = "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"


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
    # The due ledger's lease on a claimed item, in seconds: renewed while a worker sends, so short;
    # a crashed replica's items are taken up once it runs out. And how long a Slack Web API call
    # may wait for its answer (a post unanswered by then is ambiguous, looked for before a retry).
    lease_seconds: int = 30
    slack_timeout: int = 10
    # The scheduler's senders: each claims and sends batches of its own, so a slow post holds up
    # only its own sender (a late answer, a Retry-After waited out in the call).
    senders: int = 4
    log_level: str = "INFO"
    # Event reminders: DMs this long before each event to everyone going ("1d" is the same
    # local time the day before, even across a clock change; hours and minutes are elapsed time).
    event_reminders: tuple[str, ...] = ("1d", "1h")
    # CPD: the development year starts on the 1st of this month; a day of CPD is this many hours.
    cpd_year_start_month: int = 8
    cpd_day_hours: float = 7.5
    # The network report: a group of people smaller than this is shown as "fewer than N";
    # the networking events a year the action plan promises.
    report_min_group: int = 5
    networking_events_target: int = 2
    # Announcements and the e-zine: how late a scheduled post may still go out (marked late);
    # the e-zine's crontab in TECHNET_TZ (day and weekday must both match: the first Monday),
    # its channel, how long before it organisers are asked to approve (0: no approval), whether
    # an unanswered issue posts, its own grace, and a folder of template overrides.
    announce_grace: timedelta = timedelta(hours=6)
    digest_cron: str = "0 9 1-7 * mon"
    digest_channel: str | None = None
    digest_approval_lead: timedelta = timedelta(hours=24)
    digest_post_unapproved: bool = True
    digest_grace: timedelta = timedelta(hours=24)
    digest_template_dir: Path | None = None
    # Personal data (storage/personal_data): erasure this long after a surface reports an account
    # deactivated, and how long each kind is kept (None: for ever). Nominations count from their
    # cycle's close; the e-zine from the post.
    erase_after: timedelta = timedelta(days=90)
    retain_nominations: timedelta | None = timedelta(days=730)
    retain_audit: timedelta | None = timedelta(days=730)
    retain_deliveries: timedelta | None = timedelta(days=365)
    retain_ezine: timedelta | None = timedelta(days=1825)
    # The public pages (bot/web/): where `technet serve` is reached from outside (links in chat
    # to a member's calendar feed), which kinds of event are public, and feed requests a minute
    # per client address (0: no limit).
    public_url: str | None = None
    public_event_kinds: tuple[str, ...] = ("conference", "workshop", "showcase", "outreach")
    feed_rate: int = 30
    # Microsoft Teams (bot/teams/): off while teams_app_id is None. The tenant, when set, is the only
    # one whose activities are served; the network channel is a Teams channel conversation id.
    teams_app_id: str | None = None
    teams_app_password: str | None = None
    teams_tenant_id: str | None = None
    teams_openid_metadata_url: str = TEAMS_OPENID_DEFAULT
    teams_token_url: str = TEAMS_TOKEN_DEFAULT
    teams_network_channel: str | None = None

    @property
    def lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
