"""The skills directory as neutral blocks: search results with a button to message each person."""

from __future__ import annotations

from collections.abc import Mapping

from core import ids, ui
from core.markup import escape, truncate
from handlers.profile_views import chips, message_url, registration_line
from storage.profiles import Hit, SearchResult
from storage.words import plural

FIND_USAGE = (
    "*Find a technician*\n"
    "`/tech find [skill or words]`  technicians in the directory whose skills, equipment expertise or bio "
    "match, best matches first; e.g. `/tech find HPLC` or `/tech find who knows the confocal`\n"
    "Only colleagues who chose to be listed appear. Add yourself with `/tech profile`."
)
EXPORT_USAGE = "`/tech find export`  (organisers) the directory as CSV, with counts of skills by department"


def results_blocks(result: SearchResult, query: str, *, team_id: str | None, viewer: str,
                   registrations: Mapping[str, str] | None = None) -> list[ui.Block]:
    shown = escape(truncate(query.strip(), 80))
    if not result.hits:
        return [
            ui.section(f"Nobody in the directory matches “{shown}” yet."),
            ui.context("Try a shorter word or another name for it (`/tech find NMR`, `/tech find welding`). "
                           "Only colleagues who chose to be listed appear."),
        ]
    count = plural(result.total, "technician matches", "technicians match")
    result_blocks: list[ui.Block] = [ui.section(f"*{count}* “{shown}”, best first:")]
    result_blocks += [hit_block(hit, team_id=team_id, own=hit.user_id == viewer,
                                registration=(registrations or {}).get(hit.user_id)) for hit in result.hits]
    note = "Only colleagues who chose to be listed appear."
    if result.total > len(result.hits):
        note = f"Showing the best {len(result.hits)} of {result.total}: add a word to narrow it down. " + note
    result_blocks.append(ui.context(note))
    return result_blocks


def hit_block(hit: Hit, *, team_id: str | None, own: bool, registration: str | None = None) -> ui.Section:
    about = " · ".join(escape(x) for x in (hit.job_title, hit.department) if x)
    lines = [f"*{escape(hit.name)}*" + (" (you)" if own else "") + (f"  {about}" if about else "")]
    if hit.matched:
        lines.append("Knows " + chips(hit.matched, budget=1200))
    if hit.bio_matched:
        lines.append("_Mentioned in their bio_")
    if hit.other_tags:
        lines.append("Also " + chips(hit.other_tags[:8], budget=600))
    if registration:
        lines.append(registration_line(registration))
    button = None if own else ui.button("Message", ids.FIND_MESSAGE, hit.user_id,
                                        url=message_url(team_id, hit.user_id))
    return ui.section("\n".join(lines), accessory=button)
