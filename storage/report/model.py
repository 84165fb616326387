"""The report as plain data: figures, charts and sections, privacy already applied."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from storage.privacy import Change, ChangeKind, Shown, State, Unit
from storage.report.periods import Period

NOT_RECORDED = "Not recorded"
# Figure.compared_with of a figure known only as it is now.
NOW_ONLY = "no earlier record"


class Pillar(enum.StrEnum):
    """The four pillars of the Technician Commitment."""

    VISIBILITY = "visibility"
    RECOGNITION = "recognition"
    CAREER_DEVELOPMENT = "career development"
    SUSTAINABILITY = "sustainability"


@dataclass(frozen=True)
class Figure:
    """One measure for the period and the previous one, with the change."""

    key: str
    section: str
    label: str
    pillar: Pillar
    current: Shown
    previous: Shown
    change: Change
    # The group within a breakdown ("Chemistry"), or None for a headline measure.
    group: str | None = None
    # A target to compare the current value with ("target 2 a year"), when there is one.
    target: float | None = None
    note: str = ""
    # What `previous` is, when it is not the previous period ("at 1 Aug 2025", "the previous cycle").
    compared_with: str | None = None

    @property
    def snapshot(self) -> bool:
        """Known only as it is now: there is nothing to compare it with."""
        return self.previous.state == State.NONE and self.change.kind == ChangeKind.NONE and \
            self.compared_with == NOW_ONLY

    @property
    def met_target(self) -> bool | None:
        if self.target is None or not self.current.exact or self.current.value is None:
            return None
        return self.current.value >= self.target

    @property
    def target_text(self) -> str:
        """"target 2, met", or nothing when the figure has no target."""
        if self.target is None:
            return ""
        if self.current.unit == Unit.SHARE:
            amount = f"{round(self.target * 100)}%"
        else:
            amount = f"{self.target:g}"
        met = self.met_target
        return f"target {amount}" + ("" if met is None else ", met" if met else ", not met")


@dataclass(frozen=True)
class Point:
    label: str
    shown: Shown


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]


class ChartKind(enum.StrEnum):
    # Year-on-year bars: one group of bars per development year.
    YEARS = "years"
    # A line through the months of the period (and the previous period's, for comparison).
    MONTHLY = "monthly"
    # How many fall in each band: a histogram or a breakdown, drawn as bars.
    DISTRIBUTION = "distribution"


@dataclass(frozen=True)
class Chart:
    """What to draw: plain data, privacy already applied (a suppressed point has no value)."""

    key: str
    kind: ChartKind
    title: str
    x_label: str
    y_label: str
    period_label: str
    series: tuple[Series, ...]
    pillar: Pillar

    @property
    def has_data(self) -> bool:
        """Worth drawing: some point shows a number above nothing."""
        return any(p.shown.exact and (p.shown.value or 0) > 0 for s in self.series for p in s.points)

    @property
    def suppressed_points(self) -> int:
        return sum(1 for s in self.series for p in s.points if p.shown.state in (State.FEWER, State.WITHHELD))


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    figures: tuple[Figure, ...]
    charts: tuple[Chart, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    period: Period
    previous: Period
    generated_at: datetime
    min_group: int
    sections: tuple[Section, ...]
    # Nothing to report yet: fewer than `min_group` people have ever used technet, so every
    # figure would be theirs alone (and suppressed).
    empty: bool = False

    @property
    def figures(self) -> list[Figure]:
        return [f for s in self.sections for f in s.figures]

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]

    def figure(self, key: str, group: str | None = None) -> Figure:
        for f in self.figures:
            if f.key == key and f.group == group:
                return f
        raise KeyError((key, group))

    def breakdown(self, key: str) -> dict[str, Figure]:
        return {f.group: f for f in self.figures if f.key == key and f.group is not None}

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    @property
    def headline(self) -> list[Figure]:
        """The few figures for a glance (the Home tab), in HEADLINE_KEYS order, where present."""
        return [f for key in HEADLINE_KEYS for f in self.figures if f.key == key and f.group is None]

    @property
    def ongoing(self) -> bool:
        """The period has not ended yet: its figures are so far."""
        return self.generated_at < self.period.ends_at


HEADLINE_SECTIONS = ("members", "awards", "registration", "mentoring")
HEADLINE_KEYS = (
    "members.total", "members.new", "members.active", "events.held", "events.networking", "events.attended",
    "awards.nominations", "registration.registered", "cpd.logged", "mentoring.active_pairs",
)
