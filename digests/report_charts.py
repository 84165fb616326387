"""The network report's charts, drawn to PNG with matplotlib's Agg backend.

Why here and not in storage/: storage/report/ decides every number (and what is
suppressed) as plain data a Teams surface could reuse; drawing is output, like the
e-zine's templates beside this module, and storage stays free of a plotting library
that costs a second to import. The figures go through matplotlib's object API (a
`Figure` on a `FigureCanvasAgg`), never pyplot: pyplot keeps global state that is not
safe in Bolt's listener threads, and Agg needs no display.

Sized for Slack: 960 x 540 pixels (16:9). Slack previews an image about 360 pixels
wide, so the text is large (a 12-point label is about 8 pixels high there).
"""

from __future__ import annotations

import io
import math

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from storage.report import Chart, ChartKind, Series, Shown, State

WIDTH_IN, HEIGHT_IN, DPI = 6.4, 3.6, 150
PIXELS = (round(WIDTH_IN * DPI), round(HEIGHT_IN * DPI))
# Okabe and Ito's palette: told apart with any colour vision.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
# A distribution shows at most this many bands; more would not be readable at preview size.
MOST_BANDS = 12
TITLE_PT, SUBTITLE_PT, LABEL_PT, TICK_PT, NOTE_PT = 15, 11, 12, 11, 9


def render(chart: Chart) -> bytes | None:
    """The chart as PNG bytes, or None when there is nothing to draw (never an empty chart)."""
    if not chart.has_data:
        return None
    figure = MplFigure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    draw = {ChartKind.YEARS: _years, ChartKind.MONTHLY: _monthly, ChartKind.DISTRIBUTION: _distribution}[chart.kind]
    draw(ax, chart)
    figure.suptitle(chart.title, fontsize=TITLE_PT, fontweight="bold")
    ax.set_title(chart.period_label, fontsize=SUBTITLE_PT, color="#444444")
    ax.tick_params(labelsize=TICK_PT)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if chart.suppressed_points:
        k = next(p.shown.min_group for s in chart.series for p in s.points)
        # Room below the axes for the note, so it never covers the axis label.
        layout = figure.get_layout_engine()
        assert isinstance(layout, ConstrainedLayoutEngine)  # the figure is made with layout="constrained"
        layout.set(rect=(0, 0.06, 1, 0.94))
        figure.text(0.005, 0.01, f"Not drawn: groups of fewer than {k} people, and any withheld so totals "
                                  "cannot reveal them.", fontsize=NOTE_PT, color="#555555")
    # Titles and labels can be people's words (a survey's question and options): "$5 or $10" is
    # text, never matplotlib's maths. Per text, not rcParams, which every thread shares.
    for text in figure.findobj(Text):
        text.set_parse_math(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _value(shown: Shown) -> float:
    return float(shown.value) if shown.exact and shown.value is not None else math.nan


def _mark(shown: Shown) -> str:
    """The label on a bar: its number, or why there is none."""
    if shown.exact:
        return _number(shown.value)
    return f"<{shown.min_group}" if shown.state == State.FEWER else "withheld"


def _years(ax: Axes, chart: Chart) -> None:
    labels = [p.label for p in chart.series[0].points]
    width = 0.8 / len(chart.series)
    for i, series in enumerate(chart.series):
        xs = [j + (i - (len(chart.series) - 1) / 2) * width for j in range(len(labels))]
        heights = [_value(p.shown) for p in series.points]
        bars = ax.bar(xs, [0 if math.isnan(h) else h for h in heights], width * 0.95,
                      label=series.name, color=COLOURS[i % len(COLOURS)])
        for x, bar, point in zip(xs, bars, series.points, strict=True):
            ax.annotate(_mark(point.shown), (x, bar.get_height()), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=NOTE_PT)
    ax.set_xticks(range(len(labels)), labels)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(chart.x_label, fontsize=LABEL_PT)
    ax.set_ylabel(chart.y_label, fontsize=LABEL_PT)
    ax.margins(y=0.15)
    if len(chart.series) > 1:
        ax.legend(fontsize=NOTE_PT + 1, frameon=False)


def _monthly(ax: Axes, chart: Chart) -> None:
    labels = [p.label for p in chart.series[0].points]
    for i, series in enumerate(chart.series):
        ys = [_value(p.shown) for p in series.points]
        # The latest period strongest; an earlier one dashed behind it.
        ax.plot(range(len(ys)), ys, marker="o", linewidth=2.5 if i == 0 else 1.5, linestyle="-" if i == 0 else "--",
                color=COLOURS[i % len(COLOURS)], label=series.name, zorder=3 - i)
    step = max(1, math.ceil(len(labels) / 12))
    ax.set_xticks(range(0, len(labels), step), labels[::step])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(chart.x_label, fontsize=LABEL_PT)
    ax.set_ylabel(chart.y_label, fontsize=LABEL_PT)
    ax.grid(axis="y", alpha=0.3)
    if len(chart.series) > 1:
        ax.legend(fontsize=NOTE_PT + 1, frameon=False)


def _distribution(ax: Axes, chart: Chart) -> None:
    series: Series = chart.series[0]
    points = list(series.points)
    if len(points) > MOST_BANDS:
        # The largest bands that are shown; the rest are named in the report's table.
        points = sorted(points, key=lambda p: -_value(p.shown) if p.shown.exact else 0)[:MOST_BANDS]
        points = [p for p in series.points if p in points]
    labels = [_short(p.label) for p in points]
    values = [_value(p.shown) for p in points]
    ys = list(range(len(points)))[::-1]
    bars = ax.barh(ys, [0 if math.isnan(v) else v for v in values], 0.7, color=COLOURS[0])
    for y, bar, point in zip(ys, bars, points, strict=True):
        ax.annotate(_mark(point.shown), (bar.get_width(), y), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=NOTE_PT)
    ax.set_yticks(ys, labels)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(chart.x_label, fontsize=LABEL_PT)
    ax.set_ylabel(chart.y_label, fontsize=LABEL_PT)
    ax.margins(x=0.12)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
