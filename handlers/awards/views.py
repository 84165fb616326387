"""The views of awards: the nomination form, the nominator's copies, organisers' views, Home."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import tzinfo

from core import ids, ui
from core.markup import escape
from core.views.awards import nominate_button
from core.views.moments import when
from storage import awards
from storage.awards import (
    CycleInfo,
    FigureRow,
    NominationCopy,
    NomineeSummary,
)


def chunks(text: str, limit: int = ui.SECTION_TEXT_LIMIT) -> list[str]:
    """Escaped text in pieces that each fit a section, never cutting an escape in two."""
    pieces: list[str] = []
    current = ""
    for char in text:
        piece = escape(char)
        if len(current) + len(piece) > limit:
            pieces.append(current)
            current = ""
        current += piece
    if current or not pieces:
        pieces.append(current)
    return pieces


def nominee_label(copy_or_summary: NominationCopy | NomineeSummary) -> str:
    """A mention for a person, the team's name (escaped) and its members for a team."""
    if isinstance(copy_or_summary, NominationCopy):
        user, team, members = copy_or_summary.nominee_user, copy_or_summary.team_name, copy_or_summary.team_members
    else:
        user, team, members = copy_or_summary.user_id, copy_or_summary.name if copy_or_summary.team_members \
            else None, copy_or_summary.team_members
    if team:
        return f"*{escape(team)}* (team: {', '.join(f'<@{m}>' for m in members)})"
    return f"<@{user}>"


# The nomination form ----------------------------------------------------------------

def nomination_modal(cycles: Sequence[CycleInfo], tz: tzinfo, *, selected: int | None = None,
                     nominee: str | None = None, editing: NominationCopy | None = None) -> ui.Form:
    """The form: award (open ones only), nominee, team, citation, up to three examples, a link."""
    body: list[ui.Block] = []
    if editing is not None:
        body.append(ui.section(f"Editing your nomination of {nominee_label(editing)} for "
                               f"*{escape(editing.cycle.title)}* (closes {when(editing.cycle.closes_at, tz)})."))
        teams = False
    else:
        options = tuple(ui.option(f"{c.title} (closes {c.closes_at.astimezone(tz):%-d %b})", str(c.id))
                        for c in cycles)
        initial = next((o for o, c in zip(options, cycles, strict=True) if c.id == selected),
                       options[0] if len(options) == 1 else None)
        body.append(ui.Field(id=ids.AWARDS_AWARD, label="Award", kind=ui.FieldKind.SELECT, action_id="award",
                             placeholder="Choose an award", options=options, initial=initial))
        teams = any(c.allow_team for c in cycles)
        body.append(ui.Field(id=ids.AWARDS_NOMINEE, label="Who are you nominating?", kind=ui.FieldKind.MEMBER,
                             action_id="nominee", placeholder="Choose a colleague", initial=nominee,
                             required=not teams,
                             hint="For a team, leave this empty and fill in the team below." if teams else None))
        if teams:
            body.append(ui.Field(id=ids.AWARDS_TEAM_MEMBERS, label="Team members (team awards only)",
                                 kind=ui.FieldKind.MEMBERS, action_id="team_members",
                                 placeholder="Choose the team's members", required=False))
            body.append(ui.Field(id=ids.AWARDS_TEAM_NAME, label="Team name (team awards only)", action_id="team_name",
                                 max_length=awards.TEAM_NAME_MAX, required=False))
    body.append(ui.Field(id=ids.AWARDS_CITATION, label="Citation", action_id="citation", multiline=True,
                         max_length=awards.CITATION_MAX, initial=editing.citation if editing else None,
                         placeholder="What did they do, and why did it matter?",
                         hint=f"{awards.CITATION_MIN} to {awards.CITATION_MAX:,} characters. "
                              "Only the panel and you will read it."))
    examples = list(editing.examples) if editing else []
    for i, block_id in enumerate(ids.AWARDS_EXAMPLES):
        body.append(ui.Field(id=block_id, label=f"Example of impact {i + 1}", multiline=True,
                             max_length=awards.EXAMPLE_MAX, initial=examples[i] if i < len(examples) else None,
                             required=False))
    body.append(ui.Field(id=ids.AWARDS_LINK, label="Link", kind=ui.FieldKind.URL, action_id="link",
                         initial=editing.link if editing and editing.link else None, required=False))
    metadata = json.dumps({"nomination": editing.id} if editing else {})
    return ui.Form(id=ids.AWARDS_NOMINATE_MODAL, title="Nominate for an award",
                   submit="Save" if editing else "Nominate", blocks=tuple(body), metadata=metadata)


def done_view(title: str, mrkdwn: ui.Markup) -> ui.Form:
    """What a modal turns into after a submission: says what happened; OK closes it."""
    return ui.Form(id=ids.AWARDS_DONE_MODAL, title=title, submit="OK", blocks=(ui.section(mrkdwn),))


def nomination_blocks(copy: NominationCopy, tz: tzinfo, intro: ui.Markup) -> list[ui.Block]:
    """A nominator's copy of their nomination, with Edit and Withdraw while the cycle is open."""
    result: list[ui.Block] = [ui.section(intro)]
    result += [ui.section(piece) for piece in chunks(copy.citation)]
    for i, example in enumerate(copy.examples, 1):
        result.append(ui.section(f"*Example of impact {i}*\n{escape(example)}"))
    if copy.link:
        result.append(ui.context(f"Link: {escape(copy.link)}"))
    if copy.status == awards.WITHDRAWN:
        result.append(ui.context(":wastebasket: Withdrawn. Nominate them again with `/tech nominate`."))
    elif copy.editable:
        result.append(ui.actions(
            ui.button("Edit", ids.AWARDS_NOMINATION_EDIT, str(copy.id)),
            ui.button("Withdraw", ids.AWARDS_NOMINATION_WITHDRAW, str(copy.id), style="danger",
                      confirm=ui.confirm("Withdraw this nomination?",
                                         f"The panel will not see it. You can nominate again until "
                                         f"{when(copy.cycle.closes_at, tz)}.", yes="Withdraw", no="Keep it")),
        ))
    return result


def returned_blocks(intro: ui.Markup, text: str) -> list[ui.Block]:
    return [ui.section(intro), *(ui.section(piece) for piece in chunks(text))]


def my_nominations_blocks(copies: Sequence[NominationCopy], tz: tzinfo) -> list[ui.Block]:
    if not copies:
        return [ui.section("You have not nominated anyone yet. `/tech nominate` starts one.")]
    result: list[ui.Block] = [ui.header("Your nominations")]
    for copy in copies[:20]:
        status = "withdrawn" if copy.status == awards.WITHDRAWN else copy.cycle.state
        text = f"{nominee_label(copy)} for *{escape(copy.cycle.title)}* ({status})"
        accessory = ui.button("Edit", ids.AWARDS_NOMINATION_EDIT, str(copy.id)) if copy.editable else None
        result.append(ui.section(text, accessory=accessory))
    return result


# Organisers --------------------------------------------------------------------------

def new_cycle_modal(default_panel: Sequence[str]) -> ui.Form:
    never = ui.option("Never tell nominees", awards.NOTIFY_NEVER)
    body = (
        ui.Field(id=ids.AWARDS_NAME, label="Award", action_id="name", max_length=150,
                 placeholder="e.g. Technician of the Year", hint="An existing award's name starts a new cycle of it."),
        ui.Field(id=ids.AWARDS_DESCRIPTION, label="Description", action_id="description", multiline=True,
                 max_length=1000, required=False),
        ui.Field(id=ids.AWARDS_CRITERIA, label="Scoring criteria, one per line", action_id="criteria",
                 multiline=True, max_length=1000, required=False,
                 hint="Empty: " + ", ".join(awards.DEFAULT_CRITERIA) + "."),
        ui.Field(id=ids.AWARDS_LABEL, label="Cycle label", action_id="label", max_length=60, required=False,
                 hint="e.g. 2025; empty: the year it closes."),
        ui.Field(id=ids.AWARDS_OPENS, label="Opens", kind=ui.FieldKind.DATETIME, action_id="opens", required=False,
                 hint="Empty: now."),
        ui.Field(id=ids.AWARDS_CLOSES, label="Closes", kind=ui.FieldKind.DATETIME, action_id="closes"),
        ui.Field(id=ids.AWARDS_RULES, label="Rules", kind=ui.FieldKind.CHECKBOXES, action_id="rules", required=False,
                 options=(ui.option("Self-nominations allowed", "allow_self"),
                          ui.option("Team nominations allowed", "allow_team"))),
        ui.Field(id=ids.AWARDS_NOTIFY, label="Nominees", kind=ui.FieldKind.RADIO, action_id="notify", initial=never,
                 options=(never, ui.option("Tell nominees at the close", awards.NOTIFY_AT_CLOSE))),
        ui.Field(id=ids.AWARDS_PANEL, label="Panel", kind=ui.FieldKind.MEMBERS, action_id="panel", required=False,
                 initial=tuple(sorted(default_panel)) or None,
                 hint="Only the panel reads nominations. Empty: TECHNET_AWARDS_PANEL."),
        ui.Field(id=ids.AWARDS_CHAIR, label="Panel chair", kind=ui.FieldKind.MEMBER, action_id="chair",
                 required=False, hint="Reads the audit log. Empty: the first panel member."),
    )
    return ui.Form(id=ids.AWARDS_NEW_MODAL, title="New award cycle", submit="Open cycle", blocks=body)


def cycles_blocks(cycles: Sequence[CycleInfo], tz: tzinfo) -> list[ui.Block]:
    if not cycles:
        return [ui.section("No award cycles yet. Organisers start one with `/tech awards new`.")]
    lines = [f"`{c.id}`  *{escape(c.title)}*: {c.state}, {when(c.opens_at, tz)} to {when(c.closes_at, tz)}"
             for c in cycles]
    return [ui.header("Award cycles"), ui.section("\n".join(lines))]


def figures_blocks(rows: Sequence[FigureRow], min_group: int) -> list[ui.Block]:
    if not rows:
        return [ui.section("No award cycles yet.")]
    lines = []
    for row in rows:
        title = f"*{escape(row.award_name)} {escape(row.label)}*"
        if row.nominations is None:
            lines.append(f"{title}: {row.state}; counts are shown once it closes.")
            continue
        if not row.nominations.exact:
            lines.append(f"{title}: closed; its counts are withheld (fewer than {min_group} nominees).")
            continue
        compared = ""
        if row.change is not None and row.previous_nominations is not None:
            compared = f" ({row.change.text} on {escape(row.previous_label or '')}: {row.previous_nominations.text})"
        departments = f", from {row.departments.text} departments" if row.departments and row.departments.exact \
            else ""
        lines.append(f"{title}: {row.nominations.text} nominations{compared}{departments}")
    return [ui.header("Award figures"), ui.section("\n".join(lines)),
            ui.context("Counts only, for closed cycles: names stay with the panel. A cycle with fewer than "
                           f"{min_group} nominees (or nominators) shows no exact count, so that no figure can be "
                           "one person's.")]


# Home --------------------------------------------------------------------------------

def home_blocks(cycles: Sequence[CycleInfo], tz: tzinfo) -> list[ui.Block]:
    if not cycles:
        return []
    result: list[ui.Block] = [ui.section(":trophy: *Awards open for nominations*")]
    for cycle in cycles[:5]:
        result.append(ui.section(f"*{escape(cycle.title)}*\nCloses {when(cycle.closes_at, tz)}",
                                 accessory=nominate_button(cycle)))
    return result
