"""The `/tech` subcommands and who owns each.

A feature claims its subcommands in the route table (core.routes), or, while its listener is
still Bolt's own, with a matcher from here that Bolt tries in turn. Either way the names are
recorded, so help can suggest the nearest one and a test can compare them with content/help.yaml.
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

    def claim(self, *names: str, owner: str) -> None:
        for name in names:
            if name in self.names:
                raise ValueError(f"/tech {name} is registered by {self.names[name]} already")
            self.names[name] = owner

    def matcher(self, *names: str, owner: str) -> Callable[..., bool]:
        self.claim(*names, owner=owner)
        wanted = frozenset(names)

        def matches(body: dict[str, Any]) -> bool:
            return split(body.get("text"))[0] in wanted

        self.matchers.append(matches)
        return matches

    def routes(self, matchers: Sequence[Any]) -> bool:
        """Whether a listener with these Bolt matchers is one of the `/tech` listeners."""
        return any(getattr(m, "func", None) in self.matchers for m in matchers)
