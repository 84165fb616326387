"""What `technet serve` runs: the Bolt app for Slack, the Teams endpoint, or both, on one route table."""

from __future__ import annotations

from slack_bolt import App

import handlers
from bot.runtime import Runtime
from bot.config import ConfigError
from bot.teams import available
from bot.teams.endpoint import TeamsEndpoint


def surfaces(runtime: Runtime, *, slack: bool, teams: bool) -> tuple[App | None, TeamsEndpoint | None]:
    """(the Bolt app or None, the WSGI endpoint of /api/messages or None); handlers registered once."""
    from bot.app import create_app

    app = create_app(runtime, process_before_response=True, guarded=True) if slack else None
    if app is None:
        handlers.register_all(runtime)  # create_app registers them when Slack is served
    return app, teams_endpoint(runtime) if teams else None


def teams_endpoint(runtime: Runtime) -> TeamsEndpoint:
    from bot.teams.auth import TokenVerifier
    from bot.teams.connector import Connector, TokenSource

    from bot.teams.delivery import Surfaces, TeamsDelivery

    missing = available()
    if missing:
        raise ConfigError(f"TEAMS_APP_ID is set but {missing}")
    settings = runtime.settings
    assert settings.teams_app_id is not None and settings.teams_app_password is not None
    verifier = TokenVerifier(settings.teams_app_id, settings.teams_openid_metadata_url)
    connector = Connector(TokenSource(settings.teams_token_url, settings.teams_app_id, settings.teams_app_password))
    # Everything sent outside a request (the ledger's reminders, notices, posts) goes by the address's surface.
    runtime.delivery = Surfaces(runtime.delivery if (settings.bot_token or settings.signing_secret) else None,
                                TeamsDelivery(runtime.db, connector, f"28:{settings.teams_app_id}",
                                              public_url=settings.public_url))
    return TeamsEndpoint(runtime, verifier, connector)
