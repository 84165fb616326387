"""Awards in chat: `/tech nominate`, the "Nominate for an award" shortcut, and `/tech awards`.

Members nominate through a modal; the confirmation (or, after the close, their text
back) comes by DM (nominating.py). Organisers open and close cycles and see counts
(commands.py). The cycle's panel reviews, scores, shortlists, exports and announces
(panel.py). Every rule is in storage/awards/; these listeners turn payloads into plain
values and replies, and views.py / panel_views.py build the neutral views (core.ui).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot import blocks
from bot.runtime import HomeSection, Runtime
from handlers._common import member_tz
from handlers.awards import commands, nominating, panel, views
from storage import awards
from storage.clock import now
from storage.members import Actor


def register(app: App, runtime: Runtime) -> None:
    nominating.register(app, runtime)
    commands.register(app, runtime)
    panel.register(app, runtime)
    runtime.home_sections.append(HomeSection(30, "awards", _home))


def _home(runtime: Runtime, actor: Actor) -> list[Any]:
    with runtime.db.reading() as session:
        cycles = awards.open_cycles(session, now())
    # The Home tab is assembled from Block Kit (handlers/home.py), so this section renders here.
    return blocks.render_all(views.home_blocks(cycles, member_tz(runtime, actor)))
