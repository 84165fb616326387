"""What `/tech actions` shows: the plan by pillar with RAG colours, one action with its
history, and the owner's update form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from core import ids, ui
from core.markup import escape
from storage import actions
from storage.actions import ActionInfo

USAGE = ("*The action plan*\n"
         "`/tech actions`: the plan by pillar, with each action's RAG status\n"
         "`/tech actions <n>`: one action, its measure and its history of updates\n"
         "`/tech actions update <n>`: post an update (a status and a note) on an action you own")

# The colour of each status as the plan's spreadsheets show it.
RAG_MARK = {
    actions.NOT_STARTED: ":white_circle:",
    actions.ON_TRACK: ":large_green_circle:",
    actions.AT_RISK: ":large_orange_circle:",
    actions.LATE: ":red_circle:",
    actions.DONE: ":large_blue_circle:",
}


def mark(status: str) -> str:
    return RAG_MARK.get(status, ":white_circle:")


def _owners(a: ActionInfo) -> str:
    return ", ".join(escape(name) for name in a.owners) or "no owner"


def _measure(a: ActionInfo, figures: Mapping[int, str]) -> str:
    if not a.measure:
        return ""
    figure = figures.get(a.id)
    return f"\n_Measure:_ {escape(a.measure)}" + (f" (the report: {escape(figure)})" if figure else "")


def line(a: ActionInfo, figures: Mapping[int, str]) -> str:
    return (f"{mark(a.shown_status)} *{a.id}.* {escape(a.title)}\n"
            f"{a.shown_status.capitalize()} · due {a.due_on:%-d %b %Y} · {_owners(a)}{_measure(a, figures)}")


def plan_blocks(plan: Sequence[ActionInfo], counts: Mapping[str, int], figures: Mapping[int, str], *,
                mine: Sequence[int] = ()) -> list[ui.Block]:
    if not plan:
        return [ui.section("The action plan is empty. An admin loads it with `technet import actions FILE.csv`.")]
    tally = " · ".join(f"{mark(s)} {s} {counts.get(s, 0)}" for s in actions.STATUSES)
    blocks: list[ui.Block] = [ui.header("The action plan"), ui.context(tally)]
    pillar = None
    for a in plan:
        if a.pillar != pillar:
            pillar = a.pillar
            blocks += [ui.divider(), ui.section(f"*{escape(a.pillar_label)}*")]
        accessory = ui.button("Post an update", ids.ACTIONS_UPDATE_OPEN, str(a.id)) if a.id in mine else None
        blocks.append(ui.section(line(a, figures), accessory=accessory))
    blocks.append(ui.context("`/tech actions <n>` shows an action's history; owners post updates with "
                             "`/tech actions update <n>`."))
    return blocks


def action_blocks(a: ActionInfo, figures: Mapping[int, str], *, can_update: bool) -> list[ui.Block]:
    blocks: list[ui.Block] = [ui.section(f"*{escape(a.pillar_label)}*\n{line(a, figures)}")]
    if a.updates:
        history = "\n".join(f"• {u.at:%-d %b %Y}: {mark(u.status)} {u.status}"
                            + (f" ({escape(u.by)})" if u.by else "")
                            + (f": {escape(u.note)}" if u.note else "") for u in a.updates[:10])
        blocks.append(ui.section("*Updates*\n" + history))
    if can_update:
        blocks.append(ui.actions(ui.button("Post an update", ids.ACTIONS_UPDATE_OPEN, str(a.id), style="primary")))
    return blocks


def update_form(a: ActionInfo) -> ui.Form:
    options = tuple(ui.option(s.capitalize(), s) for s in actions.STATUSES)
    chosen = next((o for o in options if o.value == a.status), None)
    return ui.Form(id=ids.ACTIONS_UPDATE_MODAL, title="Update an action", submit="Post", metadata=str(a.id),
                   blocks=(ui.section(f"*{a.id}.* {escape(a.title)}\nDue {a.due_on:%-d %B %Y}"),
                           ui.Field(id=ids.ACTIONS_STATUS, label="Status", kind=ui.FieldKind.SELECT,
                                    options=options, initial=chosen),
                           ui.Field(id=ids.ACTIONS_NOTE, label="Note", multiline=True, required=False,
                                    max_length=actions.NOTE_LIMIT, hint="What changed, what is in the way")))


def updated_form(a: ActionInfo, today: date) -> ui.Form:
    text = f":white_check_mark: *{a.id}.* {escape(a.title)} is now {mark(a.shown_status)} *{a.shown_status}*."
    if a.shown_status != a.status:
        text += f"\nIt was due on {a.due_on:%-d %B %Y}, so the plan shows it late until it is done."
    return ui.Form(id="", title="Update posted", close="Close", blocks=(ui.section(text),))
