"""Routing `/tech <subcommand>` to the handler module that owns it.

Each handler module registers its own `/tech` listener with a matcher for its
subcommands; Bolt runs the first listener that matches, and handlers/help.py,
registered last, answers everything else (`rest()`). The names are recorded so help
can suggest the nearest one and a test can compare them with content/help.yaml; the
matchers are recorded so the app can put the `/tech` listeners first (bot/app.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

COMMAND = "/tech"


def split(text: str | None) -> tuple[str, str]:
    """'events all' -> ('events', 'all'); the subcommand is case-insensitive."""
    parts = (text or "").strip().split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0].lower(), parts[1] if len(parts) > 1 else ""


class Subcommands:
    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.matchers: list[Callable[..., bool]] = []

    def matcher(self, *names: str, owner: str) -> Callable[..., bool]:
        for name in names:
            if name in self.names:
                raise ValueError(f"/tech {name} is registered by {self.names[name]} already")
            self.names[name] = owner
        wanted = frozenset(names)

        def matches(body: dict[str, Any]) -> bool:
            return split(body.get("text"))[0] in wanted

        self.matchers.append(matches)
        return matches

    def rest(self, *names: str, owner: str) -> Callable[..., bool]:
        """The catch-all: `names` recorded as the owner's, and every other subcommand too."""
        self.matcher(*names, owner=owner)

        def anything(body: dict[str, Any]) -> bool:
            return True

        self.matchers.append(anything)
        return anything

    def routes(self, matchers: Sequence[Any]) -> bool:
        """Whether a listener with these Bolt matchers is one of the `/tech` listeners."""
        return any(getattr(m, "func", None) in self.matchers for m in matchers)
