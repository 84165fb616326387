"""Scheduled work: what is due is asked of the database on each tick, claimed, posted once.

Each module here that posts something adds its kinds of due item in register(kinds).
"""

from __future__ import annotations

import logging

from digests import announcements, awards, careers, event_notices, ezine, mentoring, reminders
from digests.runner import DueKinds

MODULES: list = [awards, careers, mentoring, announcements, ezine, reminders, event_notices]  # type: ignore[type-arg]


def register_all(kinds: DueKinds) -> None:
    for module in MODULES:
        module.register(kinds)


def plan_all(runtime, now) -> None:  # type: ignore[no-untyped-def]
    """Before each tick: modules with recurring posts (the e-zine) put their next one in the ledger."""
    for module in MODULES:
        if hasattr(module, "plan"):
            try:
                module.plan(runtime, now)
            except Exception:  # one module's planning must not stop the tick's posts
                logging.getLogger(__name__).exception("planning %s failed", module.__name__)
