"""Organiser-editable content (help, FAQ, registration guide), shipped as YAML.

A deployment can point TECHNET_CONTENT_DIR at its own copy; any file missing there
falls back to the shipped one. Nothing here knows about Slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SHIPPED = Path(__file__).parent


class ContentError(Exception):
    pass


@dataclass(frozen=True)
class CommandHelp:
    usage: str
    summary: str
    role: str

    @property
    def subcommand(self) -> str:
        parts = self.usage.split()
        return parts[1] if len(parts) > 1 else ""


@dataclass(frozen=True)
class Content:
    intro: str
    commands: tuple[CommandHelp, ...]

    def commands_for(self, roles: set[str]) -> list[CommandHelp]:
        return [c for c in self.commands if c.role in roles]


def load_yaml(name: str, override_dir: Path | None = None) -> Any:
    path = override_dir / name if override_dir and (override_dir / name).exists() else SHIPPED / name
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ContentError(f"{path}: {e}") from None


def load(override_dir: Path | None = None) -> Content:
    data = load_yaml("help.yaml", override_dir)
    try:
        commands = tuple(CommandHelp(c["usage"], c["summary"], c.get("role", "member")) for c in data["commands"])
        return Content(intro=data["intro"], commands=commands)
    except (KeyError, TypeError) as e:
        raise ContentError(f"help.yaml: missing {e}") from None
