"""Awards views shared by the awards handlers and the scheduled award posts: the Nominate button."""

from __future__ import annotations

from core import ids, ui
from storage.awards import CycleInfo


def nominate_button(cycle: CycleInfo) -> ui.Button:
    """Opens the nomination form with `cycle` chosen: on the Home tab and under the channel's award posts."""
    return ui.button("Nominate", ids.AWARDS_NOMINATE_OPEN, str(cycle.id), style="primary")
