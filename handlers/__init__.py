"""Slack listeners, one module per feature, each exposing register(app, runtime)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers import (announce, ask, awards, cpd, dev, digest, events, find, help, home, mentor, news, profile,
                      register, report)

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime import Runtime

# Bolt runs the first /tech listener whose matcher fits, so help (the catch-all that
# answers `/tech`, `/tech help` and unknown subcommands) must be registered last.
MODULES = [home, profile, find, awards, dev, cpd, report, mentor, register, ask, announce, news, digest, events,
           help]


def register_all(app: App, runtime: Runtime) -> None:
    for module in MODULES:
        module.register(app, runtime)
