"""Awards in chat: `/tech nominate`, the "Nominate for an award" shortcut, and `/tech awards`.

Members nominate through a modal; the confirmation (or, after the close, their text
back) comes by DM (nominating.py). Organisers open and close cycles and see counts
(commands.py). The cycle's panel reviews, scores, shortlists, exports and announces
(panel.py). Every rule is in storage/awards/; these handlers (core.routes) take plain requests,
return neutral replies, and views.py / panel_views.py build the neutral views (core.ui).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ui
from core.services import HomeSection
from handlers._common import member_tz
from handlers.awards import commands, nominating, panel, views
from storage import awards
from storage.clock import now
from storage.members import Actor

if TYPE_CHECKING:
    from core.services import Services


def register(runtime: Services) -> None:
    nominating.register(runtime)
    commands.register(runtime)
    panel.register(runtime)
    runtime.home_sections.append(HomeSection(30, "awards", _home))


def _home(runtime: Services, actor: Actor) -> list[ui.Block]:
    with runtime.db.reading() as session:
        cycles = awards.open_cycles(session, now())
    return views.home_blocks(cycles, member_tz(runtime, actor))
