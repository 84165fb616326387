"""Block Kit for awards: the nomination form, copies, the panel's review, scoring, announcing."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ConfirmObject,
    DateTimePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    StaticSelectElement,
    UrlInputElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot import blocks, ids
from bot.mrkdwn import escape, truncate
from storage import awards
from storage.awards import (
    AuditLine,
    CycleInfo,
    FigureRow,
    NominationCopy,
    NomineeSummary,
    Review,
)

PAGE_SIZE = 15
EXCERPT = 280
_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]{2,})&gt;")


def when(moment: datetime, tz: tzinfo) -> str:
    """'Fri 14 Mar 2025, 17:00' in the reader's zone."""
    return moment.astimezone(tz).strftime("%a %-d %b %Y, %H:%M")


def safe_announcement(text: str) -> str:
    """Panel-approved text as mrkdwn: literal, except that mentions of people still work.

    No `<!channel>`, no disguised links; `<@U…>` mentions (the winners) survive.
    """
    return _MENTION.sub(r"<@\1>", escape(text))


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


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=truncate(text, 150), emoji=True)


def _option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=truncate(text, 75), emoji=True), value=value)


def _input(block_id: str, label: str, element: Any, *, optional: bool = False, hint: str | None = None,
           dispatch: bool = False) -> InputBlock:
    return InputBlock(block_id=block_id, label=_plain(label), element=element, optional=optional,
                      hint=_plain(hint) if hint else None, dispatch_action=dispatch or None)


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
        options = [_option(f"{c.title} (closes {c.closes_at.astimezone(tz):%-d %b})", str(c.id)) for c in cycles]
        initial = next((o for o, c in zip(options, cycles) if c.id == selected), options[0] if len(options) == 1
                       else None)
        body.append(_input(ids.AWARDS_AWARD, "Award", StaticSelectElement(
            action_id="award", placeholder=_plain("Choose an award"), options=options, initial_option=initial)))
        teams = any(c.allow_team for c in cycles)
        body.append(_input(ids.AWARDS_NOMINEE, "Who are you nominating?", UserSelectElement(
            action_id="nominee", placeholder=_plain("Choose a colleague"), initial_user=nominee),
            optional=teams, hint="For a team, leave this empty and fill in the team below." if teams else None))
        if teams:
            body.append(_input(ids.AWARDS_TEAM_MEMBERS, "Team members (team awards only)", UserMultiSelectElement(
                action_id="team_members", placeholder=_plain("Choose the team's members")), optional=True))
            body.append(_input(ids.AWARDS_TEAM_NAME, "Team name (team awards only)", PlainTextInputElement(
                action_id="team_name", max_length=awards.TEAM_NAME_MAX), optional=True))
    body.append(_input(ids.AWARDS_CITATION, "Citation", PlainTextInputElement(
        action_id="citation", multiline=True, max_length=awards.CITATION_MAX,
        initial_value=editing.citation if editing else None,
        placeholder=_plain("What did they do, and why did it matter?")),
        hint=f"{awards.CITATION_MIN} to {awards.CITATION_MAX:,} characters. Only the panel and you will read it."))
    examples = list(editing.examples) if editing else []
    for i, block_id in enumerate(ids.AWARDS_EXAMPLES):
        body.append(_input(block_id, f"Example of impact {i + 1}", PlainTextInputElement(
            action_id=block_id, multiline=True, max_length=awards.EXAMPLE_MAX,
            initial_value=examples[i] if i < len(examples) else None), optional=True))
    body.append(_input(ids.AWARDS_LINK, "Link (optional)", UrlInputElement(
        action_id="link", initial_value=editing.link if editing and editing.link else None), optional=True))
    metadata = json.dumps({"nomination": editing.id} if editing else {})
    return View(type="modal", callback_id=ids.AWARDS_NOMINATE_MODAL, title=_plain("Nominate for an award"),
                submit=_plain("Save" if editing else "Nominate"), close=_plain("Cancel"), blocks=body,
                private_metadata=metadata)


def done_view(title: str, mrkdwn: str) -> View:
    """What a modal turns into after a submission: says what happened; OK closes it."""
    return View(type="modal", callback_id=ids.AWARDS_DONE_MODAL, title=_plain(title), submit=_plain("OK"),
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
                          confirm=ConfirmObject(title="Withdraw this nomination?",
                                                text=f"The panel will not see it. You can nominate again until "
                                                     f"{when(copy.cycle.closes_at, tz)}.",
                                                confirm="Withdraw", deny="Keep it")),
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
        _option("Self-nominations allowed", "allow_self"), _option("Team nominations allowed", "allow_team")])
    notify = RadioButtonsElement(action_id="notify", options=[
        _option("Never tell nominees", awards.NOTIFY_NEVER), _option("Tell nominees at the close", awards.NOTIFY_AT_CLOSE)],
        initial_option=_option("Never tell nominees", awards.NOTIFY_NEVER))
    body = [
        _input(ids.AWARDS_NAME, "Award", PlainTextInputElement(action_id="name", max_length=150,
               placeholder=_plain("e.g. Technician of the Year")),
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
    return View(type="modal", callback_id=ids.AWARDS_NEW_MODAL, title=_plain("New award cycle"),
                submit=_plain("Open cycle"), close=_plain("Cancel"), blocks=body)


def cycles_blocks(cycles: Sequence[CycleInfo], tz: tzinfo) -> list[Block]:
    if not cycles:
        return [blocks.section("No award cycles yet. Organisers start one with `/tech awards new`.")]
    lines = [f"`{c.id}`  *{escape(c.title)}*: {c.state}, {when(c.opens_at, tz)} to {when(c.closes_at, tz)}"
             for c in cycles]
    return [blocks.header("Award cycles"), blocks.section("\n".join(lines))]


def figures_blocks(rows: Sequence[FigureRow]) -> list[Block]:
    if not rows:
        return [blocks.section("No award cycles yet.")]
    lines = []
    for row in rows:
        title = f"*{escape(row.award_name)} {escape(row.label)}*"
        if row.nominations is None:
            lines.append(f"{title}: {row.state}; counts are shown once it closes.")
            continue
        compared = ""
        if row.change is not None:
            sign = "+" if row.change >= 0 else ""
            compared = f" ({sign}{row.change} on {escape(row.previous_label or '')}: {row.previous_nominations})"
        lines.append(f"{title}: {row.nominations} nominations{compared}, from {row.departments} departments")
    return [blocks.header("Award figures"), blocks.section("\n".join(lines)),
            blocks.context("Counts only, for closed cycles: names stay with the panel.")]


# The panel ---------------------------------------------------------------------------

def _value(cycle_id: int, key: str = "", page: int = 0) -> str:
    return json.dumps({"c": cycle_id, "n": key, "p": page}, separators=(",", ":"))


def parse_value(value: str | None) -> tuple[int, str, int]:
    data = json.loads(value or "{}")
    return int(data["c"]), str(data.get("n", "")), int(data.get("p", 0))


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return escape(flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…")


def review_blocks(review: Review, tz: tzinfo, *, page: int = 0) -> list[Block]:
    cycle = review.cycle
    result: list[Block] = [
        blocks.header(f"{cycle.title}: nominations"),
        blocks.context(f"Closed {when(cycle.closes_at, tz)} · {len(review.nominees)} nominees · panel of "
                       f"{len(cycle.panel)} · only the panel sees this, and each view is recorded."),
    ]
    if not review.nominees:
        result.append(blocks.section("Nobody was nominated in this cycle."))
    start = page * PAGE_SIZE
    for summary in review.nominees[start:start + PAGE_SIZE]:
        marks = " :trophy: *winner*" if summary.winner else " :star: shortlisted" if summary.shortlisted else ""
        average = f"average {summary.average:.1f}/5" if summary.average is not None else "not scored yet"
        departments = escape(", ".join(summary.departments)) or "department not recorded"
        lines = [f"{nominee_label(summary)} · {departments}{marks}",
                 f"{len(summary.nominations)} nomination(s) · {average} · scored by {summary.scorers} of "
                 f"{len(cycle.panel)} panel members"]
        lines += [f"> {_excerpt(n.citation)}" for n in summary.nominations[:3]]
        result.append(blocks.section("\n".join(lines)))
        value = _value(cycle.id, summary.key, page)
        buttons = [blocks.button("Read and score", ids.AWARDS_READ, value)]
        if cycle.state != awards.ANNOUNCED:
            buttons.append(blocks.button("Remove from shortlist" if summary.shortlisted else "Shortlist",
                                         ids.AWARDS_SHORTLIST, value))
            if not summary.winner:
                buttons.append(blocks.button("Mark winner", ids.AWARDS_WINNER, value, style="primary"))
        result.append(blocks.actions(*buttons))
    footer = [blocks.button("Export CSV", ids.AWARDS_EXPORT, _value(cycle.id))]
    if cycle.state != awards.ANNOUNCED and any(s.winner for s in review.nominees):
        footer.append(blocks.button("Announce…", ids.AWARDS_ANNOUNCE, _value(cycle.id), style="primary"))
    if start + PAGE_SIZE < len(review.nominees):
        footer.append(blocks.button("Next page", ids.AWARDS_PAGE, _value(cycle.id, "", page + 1)))
    if page > 0:
        footer.append(blocks.button("Previous page", ids.AWARDS_PAGE, _value(cycle.id, "", page - 1)))
    result.append(blocks.actions(*footer))
    return result[: blocks.MESSAGE_BLOCK_LIMIT]


def score_modal(cycle: CycleInfo, summary: NomineeSummary, tz: tzinfo) -> View:
    """Every citation for one nominee, then a 1-5 score per criterion (none when conflicted)."""
    departments = escape(", ".join(summary.departments)) or "department not recorded"
    team = f" (team: {', '.join(f'<@{m}>' for m in summary.team_members)})" if summary.team_members else ""
    body: list[Block] = [blocks.section(f"*{escape(summary.name)}*{team} · {departments}\n"
                                        f"Scored by {summary.scorers} of {len(cycle.panel)} panel members.")]
    # Room for the scores at the end: the modal holds 100 blocks.
    room = blocks.SURFACE_BLOCK_LIMIT - len(cycle.criteria) - 4
    shown = 0
    for n in summary.nominations:
        piece: list[Block] = [blocks.divider(), blocks.context(
            f"From {escape(n.nominator_name)} ({escape(n.nominator_department or 'department not recorded')}), "
            f"{when(n.updated_at, tz)}")]
        piece += [blocks.section(p) for p in chunks(n.citation)]
        piece += [blocks.section(f"*Impact:* {escape(e)}") for e in n.examples]
        if n.link:
            piece.append(blocks.context(f"Link: {escape(n.link)}"))
        if len(body) + len(piece) > room:
            break
        body += piece
        shown += 1
    if shown < len(summary.nominations):
        body.append(blocks.context(f"{len(summary.nominations) - shown} more nomination(s): export the CSV to "
                                   "read them all."))
    body.append(blocks.divider())
    if summary.conflict:
        body.append(blocks.section(f":no_entry: {escape(summary.conflict)}"))
        return View(type="modal", title=_plain("Nominations"), close=_plain("Close"), blocks=body)
    options = [_option(str(i), str(i)) for i in range(1, 6)]
    for i, criterion in enumerate(cycle.criteria):
        mine = summary.my_scores.get(criterion)
        body.append(_input(f"{ids.AWARDS_SCORE_PREFIX}{i}", f"{criterion} (1 to 5)", StaticSelectElement(
            action_id="score", options=options, initial_option=options[mine - 1] if mine else None)))
    return View(type="modal", callback_id=ids.AWARDS_SCORE_MODAL, title=_plain("Score nominee"),
                submit=_plain("Save scores"), close=_plain("Cancel"), blocks=body,
                private_metadata=_value(cycle.id, summary.key))


def announce_modal(cycle: CycleInfo, text: str) -> View:
    """A preview of the post as it will appear, and its text to edit; submitting approves it."""
    body: list[Block] = [
        blocks.context("Preview of the post in the network channel:"),
        blocks.section(safe_announcement(text)),
        blocks.divider(),
        _input(ids.AWARDS_ANNOUNCE_TEXT, "Text of the announcement", PlainTextInputElement(
            action_id="text", multiline=True, initial_value=text, max_length=awards.ANNOUNCEMENT_MAX),
            hint="Edit if you like; posting it announces the winner to the whole network."),
    ]
    return View(type="modal", callback_id=ids.AWARDS_ANNOUNCE_MODAL, title=_plain("Announce the winner"),
                submit=_plain("Post announcement"), close=_plain("Cancel"), blocks=body,
                private_metadata=_value(cycle.id))


def announcement_blocks(text: str) -> list[Block]:
    return [blocks.section(piece) for piece in _announcement_pieces(text)]


def _announcement_pieces(text: str) -> list[str]:
    safe = safe_announcement(text)
    return [safe[i:i + blocks.SECTION_TEXT_LIMIT] for i in range(0, len(safe), blocks.SECTION_TEXT_LIMIT)] or [""]


def audit_blocks(cycle: CycleInfo, lines: Sequence[AuditLine], tz: tzinfo) -> list[Block]:
    if not lines:
        return [blocks.section(f"Nobody has read the nominations of *{escape(cycle.title)}* yet.")]
    rows = [f"{when(line.at, tz)}  <@{line.actor}>  {escape(line.action)}"
            f"{'' if line.allowed else ' :no_entry: *refused*'}  {escape(line.detail)}" for line in lines]
    return [blocks.header(f"Audit log: {cycle.title}"), *(blocks.section(p) for p in _join_fitting(rows))]


def _join_fitting(rows: Sequence[str]) -> list[str]:
    pieces, current = [], ""
    for row in rows:
        if current and len(current) + len(row) + 1 > blocks.SECTION_TEXT_LIMIT:
            pieces.append(current)
            current = ""
        current = f"{current}\n{row}" if current else row
    return [*pieces, current] if current else pieces


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
