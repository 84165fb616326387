"""The network report written out: a standalone HTML page (charts embedded), a CSV of every
figure, or Markdown. `technet report` and `/tech report` both come through here.

storage/report/ decided every number and what is suppressed; this module only lays
them out, so nothing here can show a suppressed value (it never has one).
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from jinja2 import Environment

from storage.forms import csv_safe
from storage.report import Chart, Figure, Report, ReportOptions, Section, day_text

if TYPE_CHECKING:  # for the annotation only: digests/ sit beneath bot/ and import nothing of it
    from core.settings import Settings

FORMATS = ("html", "csv", "md")
CSV_HEADER = ("section", "key", "group", "pillar", "label", "period", "value", "shown", "previous_period",
              "previous_value", "previous_shown", "change", "target", "note")


def options_for(settings: Settings) -> ReportOptions:
    return ReportOptions(
        timezone=settings.timezone,
        year_start_month=settings.cpd_year_start_month,
        min_group=settings.report_min_group,
        networking_target=settings.networking_events_target,
        cpd_day_hours=settings.cpd_day_hours,
        content_dir=str(settings.content_dir) if settings.content_dir else None,
    )


def chart_images(report: Report) -> dict[str, bytes]:
    """Each chart with something to draw, as PNG, by its key (in the report's order)."""
    from digests import report_charts  # matplotlib loads only when a chart is drawn

    images = {}
    for chart in report.charts:
        png = report_charts.render(chart)
        if png is not None:
            images[chart.key] = png
    return images


# The layout every format shares ----------------------------------------------------------

@dataclass
class Table:
    title: str
    pillar: str
    rows: list[Figure]


@dataclass
class SectionView:
    title: str
    headline: list[Figure]
    tables: list[Table]
    charts: list[Chart]
    notes: list[str] = field(default_factory=list)


def sections_view(report: Report, drawn: set[str]) -> list[SectionView]:
    """Headline figures first, then each breakdown as a table, then the charts that were drawn."""
    views = []
    for section in report.sections:
        views.append(SectionView(section.title, [f for f in section.figures if f.group is None],
                                 _tables(section), [c for c in section.charts if c.key in drawn],
                                 [*section.notes, *_figure_notes(section)]))
    return views


def _tables(section: Section) -> list[Table]:
    tables: dict[str, Table] = {}
    for f in section.figures:
        if f.group is not None:
            tables.setdefault(f.key, Table(f.label, str(f.pillar), [])).rows.append(f)
    return list(tables.values())


def _figure_notes(section: Section) -> list[str]:
    return [f"{f.label}: {f.note}" for f in section.figures if f.note and f.group is None]


def context(report: Report, drawn: set[str]) -> dict[str, Any]:
    return {
        "report": report,
        "sections": sections_view(report, drawn),
        "period": report.period,
        "previous": report.previous,
        "as_of": day_text(report.generated_at.astimezone(report.period.tz).date()),
        "generated": _moment(report.generated_at, report),
        "k": report.min_group,
    }


def _moment(moment: datetime, report: Report) -> str:
    local = moment.astimezone(report.period.tz)
    return f"{day_text(local.date())} {local:%H:%M}"


# The formats ------------------------------------------------------------------------------

def render_html(report: Report, env: Environment, images: Mapping[str, bytes] | None = None) -> str:
    """A page that stands alone: styles inline, each chart a base64 PNG in an <img>."""
    if images is None:
        images = {} if report.empty else chart_images(report)
    embedded = {key: base64.b64encode(png).decode("ascii") for key, png in images.items()}
    return env.get_template("report.html.j2").render(**context(report, set(images)), images=embedded)


def render_markdown(report: Report, env: Environment) -> str:
    """Markdown tables (charts are for the HTML report and Slack)."""
    return env.get_template("report.md.j2").render(**context(report, set()), cell=markdown_cell)


def render_csv(report: Report) -> str:
    """One row per figure, breakdowns included; a suppressed value has an empty `value`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    period = f"{report.period.label} ({report.period.range_text})"
    previous = f"{report.previous.label} ({report.previous.range_text})"
    for f in report.figures:
        writer.writerow([
            f.section, f.key, csv_safe(f.group or ""), str(f.pillar), f.label, period,
            _number(f.current.value), f.current.text, f.compared_with or previous, _number(f.previous.value),
            f.previous.text,
            f.change.text, _number(f.target), f.note,
        ])
    return out.getvalue()


def render(report: Report, fmt: str, env: Environment) -> str:
    if fmt == "html":
        return render_html(report, env)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "md":
        return render_markdown(report, env)
    raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:.4g}"


def markdown_cell(value: Any) -> str:
    """Text in a Markdown table cell: a | would end the cell, a newline the row."""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    for ch in "*_`[]<>":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())
