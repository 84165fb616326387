"""The features, one module (or package) each, each exposing register(runtime): it puts its
handlers in the route table and its parts of the Home page in runtime.home_sections."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers import (actions, announce, ask, awards, calendar, cpd, deliveries, dev, digest, events, find, help,
                      home, idea, mentor, news, outputs, poll, privacy, profile, propose, register, report, survey)

if TYPE_CHECKING:
    from core.services import Services

# The order the Home page's sections and help's lists follow where they tie.
MODULES = [home, profile, find, awards, dev, cpd, report, deliveries, mentor, register, ask, announce, news, digest,
           events, poll, survey, idea, privacy, calendar, actions, propose, outputs, help]


def register_all(runtime: Services) -> None:
    for module in MODULES:
        module.register(runtime)
