"""Helpers only the awards handlers need: one unit of work.

Internal to handlers/awards/ (hence the underscores). What every feature's listeners share
(replies, form values, errors by field, the member's zone) is in handlers/_common.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.orm import Session

from storage import awards
from storage.clock import now

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)
T = TypeVar("T")


def _unit(runtime: Services, work: Callable[[Session], T]) -> T:
    """One unit of work. A refused panel request is rolled back, so it is recorded in a unit of its own."""
    try:
        with runtime.db.transaction() as session:
            return work(session)
    except awards.PanelRefusal as refusal:
        log.warning("awards: %s was refused %r (cycle %s)", refusal.actor, refusal.action, refusal.cycle_id)
        with runtime.db.transaction() as session:
            awards.record_refusal(session, refusal, now=now())
        raise
