"""The kinds of due item the features send (a reminder, an announcement, an e-zine issue):
what digests/runner.py looks up for each row it claims. Each feature's digest adds its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from storage import ledger

if TYPE_CHECKING:
    from core.services import Services


class Skip(Exception):
    """Raised by a deliverer when the item no longer applies (its event was cancelled...)."""


Deliver = Callable[["Services", ledger.Claimed, datetime], str | None]
OnGiveUp = Callable[["Services", ledger.Claimed, str], None]


@dataclass(frozen=True)
class DueKind:
    name: str
    deliver: Deliver
    # How late a post may still go out (a restart spanning its time); older ones are skipped.
    grace: timedelta = timedelta(hours=6)
    # Called once when an item is skipped as too late or fails for good.
    on_give_up: OnGiveUp | None = None


@dataclass
class DueKinds:
    kinds: dict[str, DueKind] = field(default_factory=dict)

    def add(self, kind: DueKind) -> None:
        self.kinds[kind.name] = kind
