"""Scheduled work: what is due is asked of the database on each tick, claimed, posted once.

Each module here that posts something adds its kinds of due item in register(kinds).
"""

from __future__ import annotations

from digests.runner import DueKinds

MODULES: list = []  # type: ignore[type-arg]


def register_all(kinds: DueKinds) -> None:
    for module in MODULES:
        module.register(kinds)
