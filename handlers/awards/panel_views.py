"""Block Kit for the awards panel: the review list, scoring, announcing, the audit log."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import tzinfo

from slack_sdk.models.blocks import Block, PlainTextInputElement, StaticSelectElement
from slack_sdk.models.views import View

from bot import blocks
from core import ids
from core.markup import escape
from handlers._common import malformed, payload_count, payload_id
from handlers.awards.views import _input, chunks, nominee_label, when
from storage import awards
from storage.awards import AuditLine, CycleInfo, NomineeSummary, Recusal, Review
from storage.words import plural

PAGE_SIZE = 15
EXCERPT = 280
_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]{2,})&gt;")


def safe_announcement(text: str, people: frozenset[str]) -> str:
    """Panel-approved text as mrkdwn: literal, except that mentions of `people` (the winners) still work.

    No `<!channel>`, no disguised links, no mention of anyone else (an award's name is typed too).
    """
    return _MENTION.sub(lambda m: f"<@{m.group(1)}>" if m.group(1) in people else m.group(0), escape(text))


def _value(cycle_id: int, key: str = "", page: int = 0) -> str:
    return json.dumps({"c": cycle_id, "n": key, "p": page}, separators=(",", ":"))


def parse_value(value: str) -> tuple[int, str, int]:
    """_value's (cycle, nominee key, page), as a panel button or form carries it back."""
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("n", ""), str):
        raise malformed("a panel button's value is not a cycle's")
    return (payload_id(str(data.get("c")), "a panel button's cycle"), data.get("n", ""),
            payload_count(str(data.get("p", 0)), "a panel button's page"))


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return escape(flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…")


def review_blocks(review: Review, tz: tzinfo, *, page: int = 0) -> list[Block]:
    cycle = review.cycle
    result: list[Block] = [
        blocks.header(f"{cycle.title}: nominations"),
        blocks.context(f"Closed {when(cycle.closes_at, tz)} · {plural(len(review.nominees), 'nominee')} · panel of "
                       f"{len(cycle.panel)} · only the panel sees this, and each view is recorded."),
    ]
    if review.recusals:
        result.append(blocks.section(recusals_text(review)))
    if not review.nominees:
        result.append(blocks.section("Nobody was nominated in this cycle." if not review.recusals else
                                     "There is nobody here for you to judge."))
    start = page * PAGE_SIZE
    for summary in review.nominees[start:start + PAGE_SIZE]:
        marks = " :trophy: *winner*" if summary.winner else " :star: shortlisted" if summary.shortlisted else ""
        average = f"average {summary.average:.1f}/5" if summary.average is not None else "not scored yet"
        departments = escape(", ".join(summary.departments)) or "department not recorded"
        lines = [f"{nominee_label(summary)} · {departments}{marks}",
                 f"{plural(len(summary.nominations), 'nomination')} · {average} · scored by {summary.scorers} of "
                 f"{plural(len(cycle.panel), 'panel member')}"]
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


def recusals_text(review: Review) -> str:
    """Who on the panel takes no part in judging whom: the chair's list, or a member's own."""
    def reason(r: Recusal) -> str:
        return "their own nomination" if r.reason == awards.RECUSED_NOMINEE else "they nominated them"

    if review.is_chair:
        lines = [f"<@{r.panel_member}>: {escape(r.nominee_name)} ({reason(r)})" for r in review.recusals]
        return "*Recusals (conflicts of interest)*\n" + "\n".join(lines)
    names = ", ".join(escape(r.nominee_name) for r in review.recusals)
    return f"You are recused from {names}: you nominated them, so the rest of the panel judges them."


def score_modal(cycle: CycleInfo, summary: NomineeSummary, tz: tzinfo) -> View:
    """Every citation for one nominee, then a 1-5 score per criterion."""
    departments = escape(", ".join(summary.departments)) or "department not recorded"
    team = f" (team: {', '.join(f'<@{m}>' for m in summary.team_members)})" if summary.team_members else ""
    body: list[Block] = [blocks.section(f"*{escape(summary.name)}*{team} · {departments}\n"
                                        f"Scored by {summary.scorers} of {plural(len(cycle.panel), 'panel member')}.")]
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
        body.append(blocks.context(f"{plural(len(summary.nominations) - shown, 'more nomination')}: export the CSV to "
                                   "read them all."))
    body.append(blocks.divider())
    options = [blocks.option(str(i), str(i)) for i in range(1, 6)]
    for i, criterion in enumerate(cycle.criteria):
        mine = summary.my_scores.get(criterion)
        body.append(_input(f"{ids.AWARDS_SCORE_PREFIX}{i}", f"{criterion} (1 to 5)", StaticSelectElement(
            action_id="score", options=options, initial_option=options[mine - 1] if mine else None)))
    return View(type="modal", callback_id=ids.AWARDS_SCORE_MODAL, title=blocks.plain("Score nominee"),
                submit=blocks.plain("Save scores"), close=blocks.plain("Cancel"), blocks=body,
                private_metadata=_value(cycle.id, summary.key))


def announce_modal(cycle: CycleInfo, text: str, people: frozenset[str]) -> View:
    """A preview of the post as it will appear, and its text to edit; submitting approves it."""
    body: list[Block] = [
        blocks.context("Preview of the post in the network channel:"),
        blocks.section(safe_announcement(text, people)),
        blocks.divider(),
        _input(ids.AWARDS_ANNOUNCE_TEXT, "Text of the announcement", PlainTextInputElement(
            action_id="text", multiline=True, initial_value=text, max_length=awards.ANNOUNCEMENT_MAX),
            hint="Edit if you like; posting it announces the winner to the whole network."),
    ]
    return View(type="modal", callback_id=ids.AWARDS_ANNOUNCE_MODAL, title=blocks.plain("Announce the winner"),
                submit=blocks.plain("Post announcement"), close=blocks.plain("Cancel"), blocks=body,
                private_metadata=_value(cycle.id))


def announcement_blocks(text: str, people: frozenset[str]) -> list[Block]:
    return [blocks.section(piece) for piece in _announcement_pieces(text, people)]


def _announcement_pieces(text: str, people: frozenset[str]) -> list[str]:
    safe = safe_announcement(text, people)
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
