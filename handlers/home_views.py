"""The Home tab's own sections: your profile (order 10) and, for organisers, shortcuts and figures (order 90)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core import ids, ui
from handlers.profile_views import chip
from storage import profiles
from storage.members import Actor, Role
from storage.privacy import Shown, share_of

if TYPE_CHECKING:
    from core.services import Services

# Organiser shortcuts: (label, action_id). Only buttons whose action a handler serves
# belong here (a test presses each one and expects it handled).
ORGANISER_SHORTCUTS: tuple[tuple[str, str], ...] = (
    ("New event", ids.EVENTS_NEW),
    ("Schedule an announcement", ids.ANNOUNCE_NEW),
    ("Network report", ids.REPORT_SEND),
    ("Export the directory (CSV)", ids.FIND_EXPORT),
)


def progress_bar(percent: int, width: int = 10) -> str:
    filled = round(width * percent / 100)
    return "▰" * filled + "▱" * (width - filled)


def profile_section(runtime: Services, actor: Actor) -> list[ui.Block]:
    """How complete the member's profile is, what is missing, whether colleagues can find them."""
    with runtime.db.reading() as session:
        state = profiles.completeness(session, actor.member_id)
    text = f"*Your profile*  {progress_bar(state.percent)}  {state.percent}%"
    if state.missing:
        text += "\nStill to add: " + ", ".join(state.missing) + "."
    label = "Edit profile" if state.saved else "Fill in my profile"
    button = ui.button(label, ids.PROFILE_EDIT, style=None if state.percent == 100 else "primary")
    if state.listed:
        listing = ":mag: You are in the skills directory" + (
            " and may be featured in the e-zine spotlight." if state.spotlight else ".")
    else:
        listing = ":see_no_evil: You are not in the skills directory: colleagues can't find you by skill."
    return [ui.section(text, accessory=button), ui.context(listing)]


def organiser_section(runtime: Services, actor: Actor) -> list[ui.Block]:
    """Shortcuts and the directory's figures; nothing for anyone else."""
    if not actor.has(Role.ORGANISER):
        return []
    with runtime.db.reading() as session:
        figures = profiles.headline_figures(session, actor, min_group=runtime.settings.report_min_group)

    def share(count: Shown) -> str:
        percent = share_of(count, figures.members)
        return f"{count} of {figures.members}" + (f" ({percent})" if percent.exact else "")

    facts = [
        ("Profiles filled in", share(figures.profiles_saved)),
        ("In the skills directory", share(figures.listed)),
        ("Open to the e-zine spotlight", share(figures.spotlight)),
    ]
    result: list[ui.Block] = [
        ui.section("*For organisers*"),
        ui.section(fields=[f"*{name}*\n{value}" for name, value in facts]),
    ]
    if figures.top_skills:
        result.append(ui.context("Most listed skills: " + " ".join(
            f"{chip(label)} {count}" for label, count in figures.top_skills)))
    result.append(ui.actions(*(ui.button(label, action_id) for label, action_id in ORGANISER_SHORTCUTS)))
    return result
