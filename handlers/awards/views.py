"""Block Kit for awards: the nomination form, the nominator's copies, organisers' views, Home."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DateTimePickerElement,
    InputBlock,
    PlainTextInputElement,
    RadioButtonsElement,
    StaticSelectElement,
    UrlInputElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import blocks
from core import ids
from core.markup import escape
from storage import awards
from storage.awards import (
    CycleInfo,
    FigureRow,
    NominationCopy,
    NomineeSummary,
)


def when(moment: datetime, tz: tzinfo) -> str:
    """'Fri 14 Mar 2025, 17:00' in the reader's zone."""
    return moment.astimezone(tz).strftime("%a %-d %b %Y, %H:%M")


def chunks(text: str, limit: int = blocks.SECTION_TEXT_LIMIT) -> list[str]:
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


def _input(block_id: str, label: str, element: Any, *, optional: bool = False, hint: str | None = None,
           dispatch: bool = False) -> InputBlock:
    return InputBlock(block_id=block_id, label=blocks.plain(label), element=element, optional=optional,
                      hint=blocks.plain(hint) if hint else None, dispatch_action=dispatch or None)


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
                     nominee: str | None = None, editing: NominationCopy | None = None) -> View:
    """The form: award (open ones only), nominee, team, citation, up to three examples, a link."""
    body: list[Block] = []
    if editing is not None:
        body.append(blocks.section(f"Editing your nomination of {nominee_label(editing)} for "
                                   f"*{escape(editing.cycle.title)}* (closes {when(editing.cycle.closes_at, tz)})."))
        teams = False
    else:
        options = [blocks.option(f"{c.title} (closes {c.closes_at.astimezone(tz):%-d %b})", str(c.id)) for c in cycles]
        initial = next((o for o, c in zip(options, cycles, strict=True) if c.id == selected),
                       options[0] if len(options) == 1 else None)
        body.append(_input(ids.AWARDS_AWARD, "Award", StaticSelectElement(
            action_id="award", placeholder=blocks.plain("Choose an award"), options=options, initial_option=initial)))
        teams = any(c.allow_team for c in cycles)
        body.append(_input(ids.AWARDS_NOMINEE, "Who are you nominating?", UserSelectElement(
            action_id="nominee", placeholder=blocks.plain("Choose a colleague"), initial_user=nominee),
            optional=teams, hint="For a team, leave this empty and fill in the team below." if teams else None))
        if teams:
            body.append(_input(ids.AWARDS_TEAM_MEMBERS, "Team members (team awards only)", UserMultiSelectElement(
                action_id="team_members", placeholder=blocks.plain("Choose the team's members")), optional=True))
            body.append(_input(ids.AWARDS_TEAM_NAME, "Team name (team awards only)", PlainTextInputElement(
                action_id="team_name", max_length=awards.TEAM_NAME_MAX), optional=True))
    body.append(_input(ids.AWARDS_CITATION, "Citation", PlainTextInputElement(
        action_id="citation", multiline=True, max_length=awards.CITATION_MAX,
        initial_value=editing.citation if editing else None,
        placeholder=blocks.plain("What did they do, and why did it matter?")),
        hint=f"{awards.CITATION_MIN} to {awards.CITATION_MAX:,} characters. Only the panel and you will read it."))
    examples = list(editing.examples) if editing else []
    for i, block_id in enumerate(ids.AWARDS_EXAMPLES):
        body.append(_input(block_id, f"Example of impact {i + 1}", PlainTextInputElement(
            action_id=block_id, multiline=True, max_length=awards.EXAMPLE_MAX,
            initial_value=examples[i] if i < len(examples) else None), optional=True))
    body.append(_input(ids.AWARDS_LINK, "Link", UrlInputElement(
        action_id="link", initial_value=editing.link if editing and editing.link else None), optional=True))
    metadata = json.dumps({"nomination": editing.id} if editing else {})
    return View(type="modal", callback_id=ids.AWARDS_NOMINATE_MODAL, title=blocks.plain("Nominate for an award"),
                submit=blocks.plain("Save" if editing else "Nominate"), close=blocks.plain("Cancel"), blocks=body,
                private_metadata=metadata)


def done_view(title: str, mrkdwn: str) -> View:
    """What a modal turns into after a submission: says what happened; OK closes it."""
    return View(type="modal", callback_id=ids.AWARDS_DONE_MODAL, title=blocks.plain(title), submit=blocks.plain("OK"),
                blocks=[blocks.section(mrkdwn)])


def nomination_blocks(copy: NominationCopy, tz: tzinfo, intro: str) -> list[Block]:
    """A nominator's copy of their nomination, with Edit and Withdraw while the cycle is open."""
    result: list[Block] = [blocks.section(intro)]
    result += [blocks.section(piece) for piece in chunks(copy.citation)]
    for i, example in enumerate(copy.examples, 1):
        result.append(blocks.section(f"*Example of impact {i}*\n{escape(example)}"))
    if copy.link:
        result.append(blocks.context(f"Link: {escape(copy.link)}"))
    if copy.status == awards.WITHDRAWN:
        result.append(blocks.context(":wastebasket: Withdrawn. Nominate them again with `/tech nominate`."))
    elif copy.editable:
        result.append(blocks.actions(
            blocks.button("Edit", ids.AWARDS_NOMINATION_EDIT, str(copy.id)),
            blocks.button("Withdraw", ids.AWARDS_NOMINATION_WITHDRAW, str(copy.id), style="danger",
                          confirm=blocks.confirm("Withdraw this nomination?",
                                                 f"The panel will not see it. You can nominate again until "
                                                 f"{when(copy.cycle.closes_at, tz)}.", yes="Withdraw", no="Keep it")),
        ))
    return result


def returned_blocks(intro: str, text: str) -> list[Block]:
    return [blocks.section(intro), *(blocks.section(piece) for piece in chunks(text))]


def my_nominations_blocks(copies: Sequence[NominationCopy], tz: tzinfo) -> list[Block]:
    if not copies:
        return [blocks.section("You have not nominated anyone yet. `/tech nominate` starts one.")]
    result: list[Block] = [blocks.header("Your nominations")]
    for copy in copies[:20]:
        status = "withdrawn" if copy.status == awards.WITHDRAWN else copy.cycle.state
        text = f"{nominee_label(copy)} for *{escape(copy.cycle.title)}* ({status})"
        accessory = blocks.button("Edit", ids.AWARDS_NOMINATION_EDIT, str(copy.id)) if copy.editable else None
        result.append(blocks.section(text, accessory=accessory))
    return result


# Organisers --------------------------------------------------------------------------

def new_cycle_modal(default_panel: Sequence[str]) -> View:
    rules = CheckboxesElement(action_id="rules", options=[
        blocks.option("Self-nominations allowed", "allow_self"),
        blocks.option("Team nominations allowed", "allow_team")])
    never = blocks.option("Never tell nominees", awards.NOTIFY_NEVER)
    notify = RadioButtonsElement(action_id="notify", initial_option=never, options=[
        never, blocks.option("Tell nominees at the close", awards.NOTIFY_AT_CLOSE)])
    body = [
        _input(ids.AWARDS_NAME, "Award", PlainTextInputElement(action_id="name", max_length=150,
               placeholder=blocks.plain("e.g. Technician of the Year")),
               hint="An existing award's name starts a new cycle of it."),
        _input(ids.AWARDS_DESCRIPTION, "Description", PlainTextInputElement(
            action_id="description", multiline=True, max_length=1000), optional=True),
        _input(ids.AWARDS_CRITERIA, "Scoring criteria, one per line", PlainTextInputElement(
            action_id="criteria", multiline=True, max_length=1000), optional=True,
            hint="Empty: " + ", ".join(awards.DEFAULT_CRITERIA) + "."),
        _input(ids.AWARDS_LABEL, "Cycle label", PlainTextInputElement(action_id="label", max_length=60),
               optional=True, hint="e.g. 2025; empty: the year it closes."),
        _input(ids.AWARDS_OPENS, "Opens", DateTimePickerElement(action_id="opens"), optional=True,
               hint="Empty: now."),
        _input(ids.AWARDS_CLOSES, "Closes", DateTimePickerElement(action_id="closes")),
        _input(ids.AWARDS_RULES, "Rules", rules, optional=True),
        _input(ids.AWARDS_NOTIFY, "Nominees", notify),
        _input(ids.AWARDS_PANEL, "Panel", UserMultiSelectElement(
            action_id="panel", initial_users=sorted(default_panel) or None), optional=True,
            hint="Only the panel reads nominations. Empty: TECHNET_AWARDS_PANEL."),
        _input(ids.AWARDS_CHAIR, "Panel chair", UserSelectElement(action_id="chair"), optional=True,
               hint="Reads the audit log. Empty: the first panel member."),
    ]
    return View(type="modal", callback_id=ids.AWARDS_NEW_MODAL, title=blocks.plain("New award cycle"),
                submit=blocks.plain("Open cycle"), close=blocks.plain("Cancel"), blocks=body)


def cycles_blocks(cycles: Sequence[CycleInfo], tz: tzinfo) -> list[Block]:
    if not cycles:
        return [blocks.section("No award cycles yet. Organisers start one with `/tech awards new`.")]
    lines = [f"`{c.id}`  *{escape(c.title)}*: {c.state}, {when(c.opens_at, tz)} to {when(c.closes_at, tz)}"
             for c in cycles]
    return [blocks.header("Award cycles"), blocks.section("\n".join(lines))]


def figures_blocks(rows: Sequence[FigureRow], min_group: int) -> list[Block]:
    if not rows:
        return [blocks.section("No award cycles yet.")]
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
    return [blocks.header("Award figures"), blocks.section("\n".join(lines)),
            blocks.context("Counts only, for closed cycles: names stay with the panel. A cycle with fewer than "
                           f"{min_group} nominees (or nominators) shows no exact count, so that no figure can be "
                           "one person's.")]


# Home --------------------------------------------------------------------------------

def home_blocks(cycles: Sequence[CycleInfo], tz: tzinfo) -> list[Block]:
    if not cycles:
        return []
    result: list[Block] = [blocks.section(":trophy: *Awards open for nominations*")]
    for cycle in cycles[:5]:
        result.append(blocks.section(
            f"*{escape(cycle.title)}*\nCloses {when(cycle.closes_at, tz)}",
            accessory=blocks.button("Nominate", ids.AWARDS_NOMINATE_OPEN, str(cycle.id), style="primary")))
    return result
