"""What handlers and digests may use of a running technet: no surface in it.

bot.runtime.Runtime holds all of this and what only the surfaces use (the Slack client, the
listener executor); handlers and digests name it by this protocol, so they cannot reach for
those, and an import of bot/ from below is never needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from jinja2 import Environment

from content import Content
from core import ui
from core.commands import Subcommands
from core.delivery import Delivery
from core.due import DueKinds
from core.routes import Routes
from core.settings import Settings
from storage.db import Database
from storage.members import Actor, RoleGrants


class Services(Protocol):
    settings: Settings
    db: Database
    content: Content
    templates: Environment
    grants: RoleGrants
    delivery: Delivery
    subcommands: Subcommands
    routes: Routes
    home_sections: list[HomeSection]
    due_kinds: DueKinds


@dataclass(frozen=True)
class HomeSection:
    """A part of the Home page, added by the feature that owns it to `Services.home_sections`.

    `build` returns the section's blocks for this member, or nothing to leave it out. Sections
    are shown in ascending `order`.
    """

    order: int
    name: str
    build: Callable[[Services, Actor], Sequence[ui.Block]]
