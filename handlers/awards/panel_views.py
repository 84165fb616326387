"""The awards panel's views: the review list, scoring, announcing, the audit log."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import tzinfo

from core import ids, ui
from core.markup import escape
from core.views.moments import when
from handlers.awards.views import chunks, nominee_label
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
    """What a panel button or form carries: the cycle, the nominee's key, the page (panel.parse_value reads it)."""
    return json.dumps({"c": cycle_id, "n": key, "p": page}, separators=(",", ":"))


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return escape(flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…")


def review_blocks(review: Review, tz: tzinfo, *, page: int = 0) -> list[ui.Block]:
    cycle = review.cycle
    result: list[ui.Block] = [
        ui.header(f"{cycle.title}: nominations"),
        ui.context(f"Closed {when(cycle.closes_at, tz)} · {plural(len(review.nominees), 'nominee')} · panel of "
                       f"{len(cycle.panel)} · only the panel sees this, and each view is recorded."),
    ]
    if review.recusals:
        result.append(ui.section(recusals_text(review)))
    if not review.nominees:
        result.append(ui.section("Nobody was nominated in this cycle." if not review.recusals else
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
        result.append(ui.section("\n".join(lines)))
        value = _value(cycle.id, summary.key, page)
        buttons = [ui.button("Read and score", ids.AWARDS_READ, value)]
        if cycle.state != awards.ANNOUNCED:
            buttons.append(ui.button("Remove from shortlist" if summary.shortlisted else "Shortlist",
                                         ids.AWARDS_SHORTLIST, value))
            if not summary.winner:
                buttons.append(ui.button("Mark winner", ids.AWARDS_WINNER, value, style="primary"))
        result.append(ui.actions(*buttons))
    footer = [ui.button("Export CSV", ids.AWARDS_EXPORT, _value(cycle.id))]
    if cycle.state != awards.ANNOUNCED and any(s.winner for s in review.nominees):
        footer.append(ui.button("Announce…", ids.AWARDS_ANNOUNCE, _value(cycle.id), style="primary"))
    if start + PAGE_SIZE < len(review.nominees):
        footer.append(ui.button("Next page", ids.AWARDS_PAGE, _value(cycle.id, "", page + 1)))
    if page > 0:
        footer.append(ui.button("Previous page", ids.AWARDS_PAGE, _value(cycle.id, "", page - 1)))
    result.append(ui.actions(*footer))
    return result[: ui.MESSAGE_BLOCK_LIMIT]


def recusals_text(review: Review) -> str:
    """Who on the panel takes no part in judging whom: the chair's list, or a member's own."""
    def reason(r: Recusal) -> str:
        return "their own nomination" if r.reason == awards.RECUSED_NOMINEE else "they nominated them"

    if review.is_chair:
        lines = [f"<@{r.panel_member}>: {escape(r.nominee_name)} ({reason(r)})" for r in review.recusals]
        return "*Recusals (conflicts of interest)*\n" + "\n".join(lines)
    names = ", ".join(escape(r.nominee_name) for r in review.recusals)
    return f"You are recused from {names}: you nominated them, so the rest of the panel judges them."


def score_modal(cycle: CycleInfo, summary: NomineeSummary, tz: tzinfo) -> ui.Form:
    """Every citation for one nominee, then a 1-5 score per criterion."""
    departments = escape(", ".join(summary.departments)) or "department not recorded"
    team = f" (team: {', '.join(f'<@{m}>' for m in summary.team_members)})" if summary.team_members else ""
    body: list[ui.Block] = [ui.section(f"*{escape(summary.name)}*{team} · {departments}\n"
                                        f"Scored by {summary.scorers} of {plural(len(cycle.panel), 'panel member')}.")]
    # Room for the scores at the end: the modal holds 100 blocks.
    room = ui.SURFACE_BLOCK_LIMIT - len(cycle.criteria) - 4
    shown = 0
    for n in summary.nominations:
        piece: list[ui.Block] = [ui.divider(), ui.context(
            f"From {escape(n.nominator_name)} ({escape(n.nominator_department or 'department not recorded')}), "
            f"{when(n.updated_at, tz)}")]
        piece += [ui.section(p) for p in chunks(n.citation)]
        piece += [ui.section(f"*Impact:* {escape(e)}") for e in n.examples]
        if n.link:
            piece.append(ui.context(f"Link: {escape(n.link)}"))
        if len(body) + len(piece) > room:
            break
        body += piece
        shown += 1
    if shown < len(summary.nominations):
        body.append(ui.context(f"{plural(len(summary.nominations) - shown, 'more nomination')}: export the CSV to "
                                   "read them all."))
    body.append(ui.divider())
    options = tuple(ui.option(str(i), str(i)) for i in range(1, 6))
    for i, criterion in enumerate(cycle.criteria):
        mine = summary.my_scores.get(criterion)
        body.append(ui.Field(id=f"{ids.AWARDS_SCORE_PREFIX}{i}", label=f"{criterion} (1 to 5)",
                             kind=ui.FieldKind.SELECT, action_id="score", options=options,
                             initial=options[mine - 1] if mine else None))
    return ui.Form(id=ids.AWARDS_SCORE_MODAL, title="Score nominee", submit="Save scores", blocks=tuple(body),
                   metadata=_value(cycle.id, summary.key))


def announce_modal(cycle: CycleInfo, text: str, people: frozenset[str]) -> ui.Form:
    """A preview of the post as it will appear, and its text to edit; submitting approves it."""
    body = (
        ui.context("Preview of the post in the network channel:"),
        ui.section(safe_announcement(text, people)),
        ui.divider(),
        ui.Field(id=ids.AWARDS_ANNOUNCE_TEXT, label="Text of the announcement", action_id="text", multiline=True,
                 initial=text, max_length=awards.ANNOUNCEMENT_MAX,
                 hint="Edit if you like; posting it announces the winner to the whole network."),
    )
    return ui.Form(id=ids.AWARDS_ANNOUNCE_MODAL, title="Announce the winner", submit="Post announcement",
                   blocks=body, metadata=_value(cycle.id))


def announcement_blocks(text: str, people: frozenset[str]) -> list[ui.Block]:
    return [ui.section(piece) for piece in _announcement_pieces(text, people)]


def _announcement_pieces(text: str, people: frozenset[str]) -> list[str]:
    safe = safe_announcement(text, people)
    return [safe[i:i + ui.SECTION_TEXT_LIMIT] for i in range(0, len(safe), ui.SECTION_TEXT_LIMIT)] or [""]


def audit_blocks(cycle: CycleInfo, lines: Sequence[AuditLine], tz: tzinfo) -> list[ui.Block]:
    if not lines:
        return [ui.section(f"Nobody has read the nominations of *{escape(cycle.title)}* yet.")]
    rows = [f"{when(line.at, tz)}  <@{line.actor}>  {escape(line.action)}"
            f"{'' if line.allowed else ' :no_entry: *refused*'}  {escape(line.detail)}" for line in lines]
    return [ui.header(f"Audit log: {cycle.title}"), *(ui.section(p) for p in _join_fitting(rows))]


def _join_fitting(rows: Sequence[str]) -> list[str]:
    pieces, current = [], ""
    for row in rows:
        if current and len(current) + len(row) + 1 > ui.SECTION_TEXT_LIMIT:
            pieces.append(current)
            current = ""
        current = f"{current}\n{row}" if current else row
    return [*pieces, current] if current else pieces
