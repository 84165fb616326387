"""The `/tech` subcommands and who owns each.

A feature claims its subcommands when it puts their handler in the route table (core.routes);
the names are recorded, so help can suggest the nearest one and a test can compare them with
content/help.yaml.
"""

from __future__ import annotations

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

    def claim(self, *names: str, owner: str) -> None:
        for name in names:
            if name in self.names:
                raise ValueError(f"/tech {name} is registered by {self.names[name]} already")
            self.names[name] = owner
