"""The Home page: built afresh each time a member opens it, and after changes.

Each feature appends a `core.routes.HomeSection` to `runtime.home_sections`; the
page is the greeting, the sections in ascending order, then what the member can type.
This module adds the profile section (order 10) and the organisers' one (order 90), and
registers the page's builder with the route table (each surface shows what it builds).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from core import ui
from core.markup import escape
from core.request import Request
from core.services import HomeSection
from handlers.help import help_blocks
from handlers.home_views import organiser_section, profile_section
from storage.members import Actor, get_member

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)

# A section larger than this is cut: it is a bug in that section, not a reason to lose the page.
SECTION_BLOCK_CAP = 50


def register(runtime: Services) -> None:
    @runtime.routes.home_page
    def home_page(request: Request) -> ui.Home:
        return home_view(runtime, request.actor)

    runtime.home_sections.append(HomeSection(10, "your profile", profile_section))
    runtime.home_sections.append(HomeSection(90, "for organisers", organiser_section))


def home_view(runtime: Services, actor: Actor) -> ui.Home:
    """The greeting, each feature's section in order, then what the member can type."""
    with runtime.db.reading() as session:
        name = get_member(session, actor.identity).name
    greeting = [ui.section(f"Hello *{escape(name)}* :wave:")]
    parts: list[tuple[str, list[Any]]] = []
    failed: list[str] = []
    for home_section in sorted(runtime.home_sections, key=lambda s: s.order):
        try:
            part = list(home_section.build(runtime, actor))
        except Exception:
            # One feature's fault must not blank everyone's Home tab; the log has the traceback.
            log.exception("the Home section %r failed for %s", home_section.name, actor.user_id)
            failed.append(home_section.name)
            continue
        if part:
            parts.append((home_section.name, part))
    return ui.Home(tuple(fit(greeting, parts, help_blocks(runtime.content, actor.roles), failed=failed)))


def fit(greeting: Sequence[Any], parts: Sequence[tuple[str, Sequence[Any]]], commands: Sequence[Any], *,
        failed: Sequence[str] = (), limit: int = ui.SURFACE_BLOCK_LIMIT) -> list[Any]:
    """Whole sections in order within the page's `limit` of blocks; what did not fit is named.

    The commands list at the end gives way first (to a one-line pointer to /tech help);
    then a section that does not fit is left out whole rather than cut in the middle
    (its buttons are usually last).
    """
    sections = [(name, [ui.divider(), *list(part)[:SECTION_BLOCK_CAP]]) for name, part in parts]
    notes = [f"{', '.join(failed)} could not be shown just now; try again in a minute."] if failed else []
    main = [*greeting, *(b for _, piece in sections for b in piece)]
    tail = [ui.divider(), *commands]
    if len(main) + len(_notes(notes)) + len(tail) <= limit:
        return [*main, *_notes(notes), *tail]
    pointer = [ui.divider(), ui.context("Type `/tech help` to see everything technet can do for you.")]
    body = list(greeting)
    left_out: list[str] = []
    # Room for the pointer and one note block.
    reserve = len(pointer) + 1
    for name, piece in sections:
        if len(body) + len(piece) <= limit - reserve:
            body += piece
        else:
            left_out.append(name)
    if left_out:
        notes.insert(0, f"Not shown, to keep this page within Slack's limits: {', '.join(left_out)}.")
    return [*body, *_notes(notes), *pointer]


def _notes(notes: Sequence[str]) -> list[ui.Block]:
    return [ui.context(*notes)] if notes else []
