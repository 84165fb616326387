"""Scheduled work: what is due is asked of the database on each tick, claimed, posted once.

Each module here that posts something adds its kinds of due item in register(kinds).
"""

from __future__ import annotations

import logging
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING

from digests import (actions, announcements, awards, careers, event_notices, ezine, mentoring, outputs, personal_data,
                     polls, reminders, surveys)
from core.due import DueKinds

if TYPE_CHECKING:
    from core.services import Services

MODULES: list[ModuleType] = [actions, awards, careers, mentoring, announcements, ezine, reminders, event_notices,
                             personal_data, polls, surveys, outputs]


def register_all(kinds: DueKinds) -> None:
    for module in MODULES:
        module.register(kinds)


def plan_all(runtime: Services, now: datetime) -> None:
    """Before each tick: modules with recurring posts (the e-zine) put their next one in the ledger."""
    for module in MODULES:
        if hasattr(module, "plan"):
            try:
                module.plan(runtime, now)
            except Exception:  # one module's planning must not stop the tick's posts
                logging.getLogger(__name__).exception("planning %s failed", module.__name__)
