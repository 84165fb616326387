"""The network report's views: the DM summary, the replies to `/tech report`, the Home section."""

from __future__ import annotations

from collections.abc import Sequence

from core import ui
from core.markup import escape
from storage.report import Figure, Report, Shown, State, day_text
from storage.words import plural

USAGE = ("`/tech report [this year | last year | YYYY-MM-DD..YYYY-MM-DD]`: the network report (the Technician "
         "Commitment measures) in your DM, with its charts. Organisers only; counts only, small groups suppressed.")
# Breakdown rows shown in Slack; the whole table is in `technet report`.
MOST_ROWS = 12
# Slack shows at most 10 fields in a section.
MOST_FIELDS = 10


def usage_reply() -> ui.Message:
    return ui.note(USAGE)


def refused_reply(message: str, *, with_usage: bool = False) -> ui.Message:
    body: list[ui.Block] = [ui.section(f":no_entry: {escape(message)}")]
    if with_usage:
        body.append(ui.context(USAGE))
    return ui.message(body)


def preparing_reply(period_label: str, *, with_usage: bool) -> ui.Message:
    text = (f":bar_chart: Preparing the network report for the {escape(period_label)}: it will arrive in your DM "
            "with me in a moment, with its charts.")
    body: list[ui.Block] = [ui.section(text)]
    if with_usage:
        body.append(ui.context(USAGE))
    return ui.message(body)


def figure_line(f: Figure, report: Report) -> str:
    """`*Members during the period*: 40 (2024/25: 20; +20 (+100%)) _visibility_`"""
    if f.snapshot:
        return f"*{escape(f.label)}*: {_value(f.current)} _{f.pillar}_"
    target = f", {escape(f.target_text)}" if f.target_text else ""
    before = f.compared_with or report.previous.short_label
    return (f"*{escape(f.label)}*: {_value(f.current)} ({escape(before)}: {_value(f.previous)}; "
            f"{escape(f.change.text)}{target}) _{f.pillar}_")


def _value(shown: Shown) -> str:
    return f"*{escape(shown.text)}*" if shown.state == State.EXACT else f"_{escape(shown.text)}_"


def summary_blocks(report: Report, *, charts: int) -> list[ui.Block]:
    """The DM: the period, each section's figures and breakdowns, and what comes next."""
    period = report.period
    so_far = f", so far (to {day_text(report.generated_at.astimezone(period.tz).date())})" if report.ongoing else ""
    result: list[ui.Block] = [
        ui.header(f"Network report: {period.label}"),
        ui.context(f"{escape(period.range_text)}{so_far}, beside {escape(report.previous.label)}. Counts only; "
                   f"a group of fewer than {report.min_group} people shows as “fewer than {report.min_group}”, "
                   "and a second figure is withheld where a total could give it away."),
    ]
    if report.empty:
        result.append(ui.section(f":seedling: There is nothing to report yet: fewer than {report.min_group} people "
                                 "have used technet, and any figure would be theirs alone."))
        return result
    for section in report.sections:
        lines = [figure_line(f, report) for f in section.figures if f.group is None]
        result += [ui.divider(), ui.section(f"*{escape(section.title)}*\n" + "\n".join(lines))]
        for label, rows in _breakdowns(section.figures):
            result.append(_breakdown_block(label, rows))
    notes = []
    if charts:
        notes.append(f"{plural(charts, 'chart follows', 'charts follow')} as images.")
    notes.append("The full tables, with charts: `technet report --format html` (or `csv`, `md`).")
    closing: list[ui.Block] = [ui.divider(), ui.context(" ".join(notes))]
    # Slack takes 50 blocks in a message: the closing note always fits, the body gives way.
    return result[: ui.MESSAGE_BLOCK_LIMIT - len(closing)] + closing


def _breakdowns(figures: Sequence[Figure]) -> list[tuple[str, list[Figure]]]:
    groups: dict[str, list[Figure]] = {}
    for f in figures:
        if f.group is not None:
            groups.setdefault(f.label, []).append(f)
    return list(groups.items())


def _breakdown_block(label: str, rows: list[Figure]) -> ui.Section:
    shown = rows[:MOST_ROWS]
    text = f"_{escape(label)}_: " + " · ".join(f"{escape(r.group or '')} {_value(r.current)}" for r in shown)
    if len(rows) > MOST_ROWS:
        text += f" · and {len(rows) - MOST_ROWS} more in the full report"
    return ui.section(text)


def home_blocks(report: Report) -> list[ui.Block]:
    """The organiser's Home section: this development year's headline figures."""
    figures = report.headline[:MOST_FIELDS]
    if report.empty or not figures:
        return []
    fields = [f"*{escape(f.label)}*\n{escape(f.current.text)}  "
              f"({escape(f.change.text)} on {escape(f.compared_with or report.previous.short_label)})"
              for f in figures]
    return [
        ui.section(f"*Network figures, {escape(report.period.label)} so far*"),
        ui.section(fields=fields),
        ui.context("`/tech report` sends the full report, with charts, to your DM."),
    ]
