"""The network report: the Technician Commitment action-plan measures, as plain data.

An organiser takes it to the steering group: each figure for a period (by default the
current development year) beside the previous period of the same length, with the
change, and labelled with its Technician Commitment pillar.

Privacy, decided here and nowhere else:
- counts only, never names;
- a count of people smaller than `min_group` (default 5) is shown as "fewer than 5";
- within a breakdown that adds up to a total that is shown (members by department,
  by month ...), further cells are withheld until no withheld cell can be worked out
  from the total and the others (complementary suppression); when even that cannot
  protect them, the total is withheld too;
- a change is shown only when both of its values are.

Each feature's section is built from that feature's tables, read here (never written).
A section whose feature is not in this build is left out and named in `Report.absent`.

Figures that need no feature: the members section (Member rows). Periods are days in
the network's time zone, turned into UTC instants at local midnight, so daylight saving
never moves an edge.
"""

from __future__ import annotations

import enum
import importlib
import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from content import ContentError
from storage.errors import DomainError
from storage.members import Actor, Role
from storage.models import Member

NOT_RECORDED = "Not recorded"
# Figure.compared_with of a figure known only as it is now.
NOW_ONLY = "no earlier record"
# A report covers at most this many years: beyond it the monthly line is unreadable.
LONGEST_YEARS = 10
# Year-on-year charts show at most this many development years, the latest last.
YEARS_IN_CHARTS = 6
PERIOD_USAGE = ("Give a period as `this year`, `last year` or two dates like `2025-08-01..2026-07-31` "
                "(the first and the last day).")


class Pillar(enum.StrEnum):
    """The four pillars of the Technician Commitment."""

    VISIBILITY = "visibility"
    RECOGNITION = "recognition"
    CAREER_DEVELOPMENT = "career development"
    SUSTAINABILITY = "sustainability"


@dataclass(frozen=True)
class ReportOptions:
    """The settings the figures depend on, as plain values."""

    timezone: str = "Europe/London"
    # The development year starts on the 1st of this month (shared with CPD).
    year_start_month: int = 8
    # A count of people below this is shown as "fewer than N".
    min_group: int = 5
    # Networking events a year the action plans promise.
    networking_target: int = 2
    # Registered members at the end against the start: the plans aim for +50%.
    registration_aim: float = 0.5
    cpd_target_days: float = 10.0
    cpd_day_hours: float = 7.5
    # A deployment's own content (TECHNET_CONTENT_DIR): the registration guide's register names.
    content_dir: str | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# Periods ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """Whole days in the network's time zone, first and last day included.

    `year_start_month` is set when the period is a development year; its previous
    period is then the previous development year, otherwise the same number of days
    just before it.
    """

    first_day: date
    last_day: date
    timezone: str
    year_start_month: int | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def starts_at(self) -> datetime:
        return local_midnight(self.first_day, self.tz)

    @property
    def ends_at(self) -> datetime:
        """The first instant after the period (exclusive)."""
        return local_midnight(self.last_day + timedelta(days=1), self.tz)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def is_development_year(self) -> bool:
        return self.year_start_month is not None

    @property
    def label(self) -> str:
        if self.year_start_month is not None:
            return f"{year_label(self.first_day.year, self.year_start_month)} development year"
        return self.range_text

    @property
    def short_label(self) -> str:
        if self.year_start_month is not None:
            return year_label(self.first_day.year, self.year_start_month)
        return f"{day_text(self.first_day)} – {day_text(self.last_day)}"

    @property
    def range_text(self) -> str:
        return f"{day_text(self.first_day)} to {day_text(self.last_day)}"

    def previous(self) -> Period:
        if self.year_start_month is not None:
            return development_year_starting(self.first_day.year - 1, self.year_start_month, self.timezone)
        return Period(self.first_day - timedelta(days=self.days), self.first_day - timedelta(days=1), self.timezone)

    def months(self) -> list[Period]:
        """The calendar months of the period, the first and last cut to the period."""
        result = []
        day = self.first_day
        while day <= self.last_day:
            next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            result.append(Period(day, min(next_month - timedelta(days=1), self.last_day), self.timezone))
            day = next_month
        return result


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant at which `day` begins in `tz` (midnight exists on every UK DST change day)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


def day_text(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def year_label(start_year: int, start_month: int) -> str:
    """2025/26 for a year from August 2025; 2025 for a calendar year."""
    return str(start_year) if start_month == 1 else f"{start_year}/{(start_year + 1) % 100:02d}"


def development_year_starting(year: int, start_month: int, timezone_name: str) -> Period:
    first = date(year, start_month, 1)
    last = date(year + 1, start_month, 1) - timedelta(days=1)
    return Period(first, last, timezone_name, start_month)


def development_year_of(day: date, options: ReportOptions) -> Period:
    year = day.year if day.month >= options.year_start_month else day.year - 1
    return development_year_starting(year, options.year_start_month, options.timezone)


def today_in(now: datetime, options: ReportOptions) -> date:
    return now.astimezone(options.tz).date()


_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_RANGE = re.compile(rf"^{_DATE}\s*(?:\.\.|–|—|\bto\b)\s*{_DATE}$")


def parse_period(text: str | None, *, now: datetime, options: ReportOptions) -> Period:
    """`this year` (also nothing), `last year`, or `YYYY-MM-DD..YYYY-MM-DD` (both days included)."""
    words = " ".join((text or "").lower().split())
    this_year = development_year_of(today_in(now, options), options)
    if words in ("", "this year"):
        return this_year
    if words == "last year":
        return this_year.previous()
    match = _RANGE.match(words)
    if match is None:
        raise DomainError(f"I can't read “{(text or '').strip()[:60]}” as a period. {PERIOD_USAGE}", field="period")
    numbers = [int(n) for n in match.groups()]
    return period_between(_date(*numbers[:3]), _date(*numbers[3:]), options, today=today_in(now, options))


def parse_day(text: str, what: str = "date") -> date:
    """One YYYY-MM-DD day, or a DomainError that says what is wrong with it."""
    match = re.fullmatch(_DATE, text.strip())
    if match is None:
        raise DomainError(f"The {what} “{text.strip()[:30]}” is not a date like 2025-08-01.", field=what)
    return _date(*(int(n) for n in match.groups()))


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DomainError(f"{year:04d}-{month:02d}-{day:02d} is not a day in the calendar. {PERIOD_USAGE}",
                          field="period") from None


def period_between(first: date, last: date, options: ReportOptions, *, today: date | None = None) -> Period:
    """The days from `first` to `last`, both included; a whole development year is recognised as one.
    With `today`, a period that has not begun is refused: it has no figures yet."""
    if last < first:
        raise DomainError(f"The period ends ({last.isoformat()}) before it starts ({first.isoformat()}): "
                          "give the first day first.", field="period")
    if (last - first).days >= 366 * LONGEST_YEARS:
        raise DomainError(f"A report covers at most {LONGEST_YEARS} years; give a shorter period.", field="period")
    if today is not None and first > today:
        raise DomainError(f"The period starts after today ({today.isoformat()}): it has no figures yet.",
                          field="period")
    year = development_year_of(first, options)
    if year.first_day == first and year.last_day == last:
        return year
    return Period(first, last, options.timezone)


# What a figure shows --------------------------------------------------------------------

class State(enum.StrEnum):
    EXACT = "exact"
    # A group of people smaller than the threshold.
    FEWER = "fewer"
    # Withheld so that a total cannot give a small group away.
    WITHHELD = "withheld"
    # Nothing to measure (a median of nobody).
    NONE = "none"


class Unit(enum.StrEnum):
    COUNT = "count"
    DAYS = "days"
    SHARE = "share"


@dataclass(frozen=True)
class Shown:
    """A value as it may be shown. `value` is None unless the state is EXACT: a suppressed
    number is not kept, so no renderer can leak it."""

    state: State
    value: float | None = None
    unit: Unit = Unit.COUNT
    min_group: int = 5

    @property
    def exact(self) -> bool:
        return self.state == State.EXACT

    @property
    def text(self) -> str:
        if self.state == State.FEWER:
            return f"fewer than {self.min_group}"
        if self.state == State.WITHHELD:
            return "withheld"
        if self.state == State.NONE or self.value is None:
            return "–"
        if self.unit == Unit.DAYS:
            return f"{self.value:.1f} days"
        if self.unit == Unit.SHARE:
            return f"{round(self.value * 100)}%"
        return f"{round(self.value):,}"

    def __str__(self) -> str:
        return self.text


def exact(value: float, unit: Unit = Unit.COUNT, min_group: int = 5) -> Shown:
    return Shown(State.EXACT, value, unit, min_group)


def people(count: int, min_group: int) -> Shown:
    """A count of people: "fewer than N" when it is 1 to N-1 (nobody is nobody)."""
    if 0 < count < min_group:
        return Shown(State.FEWER, None, Unit.COUNT, min_group)
    return Shown(State.EXACT, count, Unit.COUNT, min_group)


class ChangeKind(enum.StrEnum):
    UP = "up"
    DOWN = "down"
    SAME = "same"
    # Nothing before, something now: never a division by zero.
    NEW = "new"
    # One side is suppressed: the change would give it away.
    HIDDEN = "hidden"
    # Nothing either time.
    NONE = "none"


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    delta: float | None = None
    # delta / previous, only when previous is more than 0.
    ratio: float | None = None
    unit: Unit = Unit.COUNT

    @property
    def text(self) -> str:
        if self.kind == ChangeKind.NEW:
            return "new"
        if self.kind == ChangeKind.HIDDEN:
            return "not shown"
        if self.kind == ChangeKind.NONE:
            return "–"
        if self.kind == ChangeKind.SAME:
            return "no change"
        assert self.delta is not None
        sign = "+" if self.delta > 0 else "−"
        if self.unit == Unit.SHARE:
            return f"{sign}{abs(round(self.delta * 100))} points"
        amount = f"{abs(self.delta):.1f} days" if self.unit == Unit.DAYS else f"{abs(round(self.delta)):,}"
        percent = f" ({sign}{abs(round(self.ratio * 100))}%)" if self.ratio is not None else ""
        return f"{sign}{amount}{percent}"

    def __str__(self) -> str:
        return self.text


def change_between(current: Shown, previous: Shown) -> Change:
    """The change from `previous` to `current`: "new" when there was nothing before, never infinite."""
    unit = current.unit
    if current.state in (State.FEWER, State.WITHHELD) or previous.state in (State.FEWER, State.WITHHELD):
        return Change(ChangeKind.HIDDEN, unit=unit)
    now_value = current.value if current.exact else None
    before = previous.value if previous.exact else None
    if not before:
        # Nothing (or nothing to measure) before: "new" if there is something now, never a division by 0.
        return Change(ChangeKind.NEW, unit=unit) if now_value else Change(ChangeKind.NONE, unit=unit)
    if now_value is None:
        return Change(ChangeKind.NONE, unit=unit)
    delta = now_value - before
    if abs(delta) < 1e-9:
        return Change(ChangeKind.SAME, 0.0, 0.0 if unit != Unit.SHARE else None, unit)
    ratio = delta / before if unit != Unit.SHARE else None
    return Change(ChangeKind.UP if delta > 0 else ChangeKind.DOWN, delta, ratio, unit)


# Suppression ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Breakdown:
    """Cells of a breakdown as they may be shown, and whether its total may be."""

    cells: dict[str, Shown]
    total_shown: bool


def suppress(cells: Mapping[str, int], min_group: int, *, total: Shown | None = None) -> Breakdown:
    """Primary and complementary suppression of a breakdown of people.

    `cells` are counts of people that add up to `total` (shown exactly, or as "fewer
    than N"); `total=None` means no total is shown beside them. A cell of 1 to N-1 is
    "fewer than N". While a suppressed cell could be worked out from what is shown
    (the total, the other cells, and the rule itself: a small cell is 1 to N-1, a
    withheld one at least N), the smallest cell still shown is withheld too, and when
    none is left the total is withheld.
    """
    k = min_group
    fewer = {name for name, n in cells.items() if 0 < n < k}
    withheld: set[str] = set()
    total_shown = True
    if fewer and total is not None and total.state != State.WITHHELD:
        candidates = sorted((n, name) for name, n in cells.items() if name not in fewer and n > 0)
        while _pinned(cells, fewer, withheld, total, k):
            if candidates:
                withheld.add(candidates.pop(0)[1])
            else:
                total_shown = False
                break
    shown = {}
    for name, n in cells.items():
        if name in fewer:
            shown[name] = Shown(State.FEWER, None, Unit.COUNT, k)
        elif name in withheld:
            shown[name] = Shown(State.WITHHELD, None, Unit.COUNT, k)
        else:
            shown[name] = Shown(State.EXACT, n, Unit.COUNT, k)
    return Breakdown(shown, total_shown)


def _pinned(cells: Mapping[str, int], fewer: set[str], withheld: set[str], total: Shown, k: int) -> bool:
    """Whether a reader knowing the rule can tell some suppressed cell's exact value."""
    hidden = fewer | withheld
    visible = sum(n for name, n in cells.items() if name not in hidden)
    if total.exact:
        assert total.value is not None
        low_sum = high_sum = int(total.value) - visible
    else:
        # The total is "fewer than k": 1 to k-1.
        low_sum, high_sum = 1 - visible, k - 1 - visible
    # The smallest visible cell bounds a withheld one: the rule withholds the smallest first.
    smallest_visible = min((n for name, n in cells.items() if name not in hidden and n > 0), default=None)
    bounds = {}
    for name in hidden:
        if name in fewer:
            bounds[name] = (1, k - 1)
        else:
            bounds[name] = (k, max(k, min(high_sum, smallest_visible if smallest_visible is not None else high_sum)))
    low_all = sum(lo for lo, _ in bounds.values())
    high_all = sum(hi for _, hi in bounds.values())
    for lo, hi in bounds.values():
        low = max(lo, low_sum - (high_all - hi))
        high = min(hi, high_sum - (low_all - lo))
        if low >= high:
            return True
    return False


# The report as data ---------------------------------------------------------------------

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
    # Sections whose feature is not in this build (or not finished): left out.
    absent: tuple[str, ...] = ()
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


# Building ------------------------------------------------------------------------------------

@dataclass
class Context:
    """What every section builder is given."""

    session: Session
    period: Period
    previous: Period
    options: ReportOptions
    now: datetime

    @property
    def k(self) -> int:
        return self.options.min_group

    def people(self, count: int) -> Shown:
        return people(count, self.k)

    def figure(self, key: str, section: str, label: str, pillar: Pillar, current: Shown, previous: Shown, *,
               group: str | None = None, target: float | None = None, note: str = "",
               compared_with: str | None = None) -> Figure:
        return Figure(key, section, label, pillar, current, previous, change_between(current, previous), group,
                      target, note, compared_with)

    def count_figure(self, key: str, section: str, label: str, pillar: Pillar, counts: tuple[int, int], *,
                     of_people: bool = True, target: float | None = None, note: str = "") -> Figure:
        """A figure from (current, previous) counts; people are subject to suppression, things are not."""
        shown = [self.people(n) if of_people else exact(n, min_group=self.k) for n in counts]
        return self.figure(key, section, label, pillar, shown[0], shown[1], target=target, note=note)

    def until(self, period: Period) -> datetime:
        """The end of what has happened in `period`: its end, or now while it is under way."""
        return min(period.ends_at, self.now)

    def withheld(self) -> Shown:
        return Shown(State.WITHHELD, None, Unit.COUNT, self.k)

    def snapshot_figure(self, key: str, section: str, label: str, pillar: Pillar, current: Shown, *,
                        group: str | None = None, note: str = "") -> Figure:
        """A figure known only as it is now (no history is kept for it): nothing to compare with."""
        previous = Shown(State.NONE, None, current.unit, self.k)
        return Figure(key, section, label, pillar, current, previous, Change(ChangeKind.NONE, unit=current.unit),
                      group, None, note, NOW_ONLY)

    def things(self, key: str, section: str, label: str, pillar: Pillar, current: Mapping[str, int],
               previous: Mapping[str, int], order: Sequence[str]) -> list[Figure]:
        """A breakdown of things (events, issues): counts shown as they are."""
        return [self.figure(key, section, label, pillar, exact(current.get(g, 0), min_group=self.k),
                            exact(previous.get(g, 0), min_group=self.k), group=g) for g in order]

    def years(self, earliest: datetime | None) -> list[Period]:
        """Development years from the one of `earliest` to the period's (the last YEARS_IN_CHARTS)."""
        last = development_year_of(self.period.last_day, self.options)
        if earliest is None:
            return [last]
        first = development_year_of(earliest.astimezone(self.options.tz).date(), self.options)
        count = min(last.first_day.year - first.first_day.year + 1, YEARS_IN_CHARTS)
        return [development_year_starting(last.first_day.year - i, self.options.year_start_month,
                                          self.options.timezone) for i in reversed(range(max(count, 1)))]


def breakdown_figures(ctx: Context, key: str, section: str, label: str, pillar: Pillar,
                      current: Mapping[str, int], previous: Mapping[str, int],
                      totals: tuple[Shown, Shown], *, order: Sequence[str] | None = None
                      ) -> tuple[list[Figure], tuple[Shown, Shown]]:
    """A breakdown of people for both periods, suppressed against its totals.

    Returns the figures (one per group seen in either period) and the totals as they may
    be shown (withheld where the breakdown could otherwise give a small group away).
    """
    groups = list(order) if order is not None else sorted(set(current) | set(previous), key=str.casefold)
    now_cells = suppress({g: current.get(g, 0) for g in groups}, ctx.k, total=totals[0])
    before_cells = suppress({g: previous.get(g, 0) for g in groups}, ctx.k, total=totals[1])
    figures = [ctx.figure(key, section, label, pillar, now_cells.cells[g], before_cells.cells[g], group=g)
               for g in groups]
    shown_totals = (totals[0] if now_cells.total_shown else Shown(State.WITHHELD, None, Unit.COUNT, ctx.k),
                    totals[1] if before_cells.total_shown else Shown(State.WITHHELD, None, Unit.COUNT, ctx.k))
    return figures, shown_totals


def with_shown(figures: list[Figure], key: str, current: Shown, previous: Shown) -> list[Figure]:
    """Replace the headline figure `key`'s values (after a breakdown withheld its total)."""
    return [replace(f, current=current, previous=previous, change=change_between(current, previous))
            if f.key == key and f.group is None else f for f in figures]


def monthly_series(ctx: Context, name: str, period: Period, counts: Sequence[int], total: Shown,
                   *, labels: Sequence[str] | None = None) -> tuple[Series, bool]:
    """Counts of people per month of `period`, suppressed against the period's total."""
    months = period.months()
    names = list(labels) if labels is not None else [f"{m.first_day:%b %y}" for m in months]
    cells = suppress(dict(zip(names, counts, strict=True)), ctx.k, total=total)
    return Series(name, tuple(Point(n, cells.cells[n]) for n in names)), cells.total_shown


def monthly_lines(ctx: Context, column: Any, where: ColumnElement[bool], totals: tuple[Shown, Shown], *,
                  distinct: Any = None, source: Any = None) -> tuple[tuple[Series, ...], tuple[Shown, Shown]]:
    """A line per period of what `column` dates, month by month, and the totals as they may be shown.

    The previous period gets its own line only when it is a development year too (its
    months then have the same names); a range of days is compared by its figures alone.
    """
    now_p, before_p = ctx.period, ctx.previous
    withheld = Shown(State.WITHHELD, None, Unit.COUNT, ctx.k)
    months = now_p.months()
    labels = [f"{m.first_day:%b}" if now_p.is_development_year else f"{m.first_day:%b %y}" for m in months]
    counts = _monthly_counts(ctx.session, column, where, now_p, distinct=distinct, source=source)
    line, shown = monthly_series(ctx, now_p.short_label, now_p, counts, totals[0], labels=labels)
    lines = [line]
    total_now = totals[0] if shown else withheld
    total_before = totals[1]
    if now_p.is_development_year and len(before_p.months()) == len(months):
        counts = _monthly_counts(ctx.session, column, where, before_p, distinct=distinct, source=source)
        line, shown = monthly_series(ctx, before_p.short_label, before_p, counts, totals[1], labels=labels)
        lines.append(line)
        total_before = totals[1] if shown else withheld
    return tuple(lines), (total_now, total_before)


def years_label(years: Sequence[Period]) -> str:
    return years[0].short_label if len(years) == 1 else f"{years[0].short_label} to {years[-1].short_label}"


def year_series(ctx: Context, name: str, years: Sequence[Period], counts: Sequence[int], figure: Figure | None,
                *, of_people: bool = True) -> Series:
    """A bar per development year; the report's own periods show exactly what their figure shows
    (a total a breakdown withheld stays withheld in the chart)."""
    points = []
    for year, n in zip(years, counts, strict=True):
        shown = ctx.people(int(n)) if of_people else exact(int(n), min_group=ctx.k)
        if figure is not None and year == ctx.period:
            shown = figure.current
        elif figure is not None and year == ctx.previous:
            shown = figure.previous
        points.append(Point(year.short_label, shown))
    return Series(name, tuple(points))


def _by_name(rows: Iterable[tuple[str | None, int]]) -> dict[str, int]:
    """Counts by name, a missing (or blank) name as NOT_RECORDED; groups of nobody left out."""
    result: dict[str, int] = {}
    for name, n in rows:
        key = (name or "").strip() or NOT_RECORDED
        if int(n):
            result[key] = result.get(key, 0) + int(n)
    return result


def count_when(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def distinct_when(condition: ColumnElement[bool], column: Any) -> ColumnElement[int]:
    return func.count(func.distinct(case((condition, column), else_=None)))


def within(column: Any, period: Period) -> ColumnElement[bool]:
    return and_(column >= period.starts_at, column < period.ends_at)


def days_within(column: Any, period: Period) -> ColumnElement[bool]:
    """For DATE columns (CPD's done_on): the period's days."""
    return and_(column >= period.first_day, column <= period.last_day)


# Members ------------------------------------------------------------------------------------

MEMBERS = "Members"


def _in_network(period: Period) -> ColumnElement[bool]:
    """A member during the period: joined before it ended, and had not left before it began.

    Members carry no leaving date; a deactivated account's record was last changed when
    Slack told us it was deactivated, so that (or their last activity, if later) is when
    they left: a member who left is counted in the periods they were part of.
    """
    return and_(
        Member.is_bot.is_(False),
        Member.created_at < period.ends_at,
        or_(Member.deactivated.is_(False), Member.updated_at >= period.starts_at,
            Member.last_active_at >= period.starts_at),
    )


def members_section(ctx: Context) -> Section:
    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    row = session.execute(select(
        count_when(_in_network(now_p)), count_when(_in_network(before_p)),
        count_when(and_(Member.is_bot.is_(False), within(Member.created_at, now_p))),
        count_when(and_(Member.is_bot.is_(False), within(Member.created_at, before_p))),
        count_when(and_(Member.is_bot.is_(False), within(Member.last_active_at, now_p))),
        count_when(and_(Member.is_bot.is_(False), within(Member.last_active_at, before_p))),
    )).one()
    total, total_before, new, new_before, active, active_before = (int(n) for n in row)
    pillar = Pillar.VISIBILITY
    figures = [
        ctx.count_figure("members.total", MEMBERS, "Members during the period", pillar, (total, total_before)),
        ctx.count_figure("members.new", MEMBERS, "New members", pillar, (new, new_before)),
        ctx.count_figure("members.active", MEMBERS, "Active members (last used technet in the period)", pillar,
                         (active, active_before),
                         note="A member counts as active in the period of their latest use of technet."),
    ]
    def by_department(period: Period) -> dict[str, int]:
        rows = session.execute(select(Member.department, func.count()).where(_in_network(period))
                               .group_by(Member.department))
        return _by_name((name, n) for name, n in rows)

    total_figure, new_figure = figures[0], figures[1]
    departments, (total_now, total_before) = breakdown_figures(
        ctx, "members.by_department", MEMBERS, "Members by department", pillar,
        by_department(now_p), by_department(before_p), (total_figure.current, total_figure.previous))
    monthly, (new_now, new_before_shown) = monthly_lines(
        ctx, Member.created_at, Member.is_bot.is_(False), (new_figure.current, new_figure.previous))
    figures = with_shown(figures, "members.total", total_now, total_before)
    figures = with_shown(figures, "members.new", new_now, new_before_shown)
    figures += departments
    years = ctx.years(session.scalar(select(func.min(Member.created_at)).where(Member.is_bot.is_(False))))
    yearly = session.execute(select(
        *(count_when(_in_network(y)) for y in years),
        *(count_when(and_(Member.is_bot.is_(False), within(Member.created_at, y))) for y in years),
    )).one()
    figure_of = {f.key: f for f in figures if f.group is None}
    charts = (
        Chart("members.years", ChartKind.YEARS, "Members, year on year", "Development year", "Members",
              years_label(years), (
                  year_series(ctx, "Members", years, yearly[:len(years)], figure_of["members.total"]),
                  year_series(ctx, "New members", years, yearly[len(years):], figure_of["members.new"]),
              ), pillar),
        Chart("members.monthly", ChartKind.MONTHLY, "New members each month", "Month", "New members",
              now_p.label, monthly, pillar),
        Chart("members.departments", ChartKind.DISTRIBUTION, "Members by department", "Members", "Department",
              now_p.label, (Series(now_p.short_label, tuple(Point(f.group or "", f.current) for f in departments)),),
              pillar),
    )
    return Section("members", MEMBERS, tuple(figures), charts)


def _monthly_counts(session: Session, column: Any, where: ColumnElement[bool], period: Period,
                    *, distinct: Any = None, source: Any = None) -> list[int]:
    """Rows of `source` (or distinct values of `distinct`) per local month of the period, in one query."""
    months = period.months()
    # The condition once, in WHERE (rows outside the period are never looked at); each
    # month's column then only compares the date.
    if distinct is None:
        columns = [count_when(within(column, m)) for m in months]
    else:
        columns = [distinct_when(within(column, m), distinct) for m in months]
    query = select(*columns).where(where, within(column, period))
    if source is not None:
        query = query.select_from(source)
    return [int(n) for n in session.execute(query).one()]


# Events ------------------------------------------------------------------------------------------

EVENTS = "Events and network meetings"
# The kinds where technicians from across the institution meet: what "networking events" counts.
NETWORKING_KINDS = ("network_meeting", "conference", "showcase")


def events_section(ctx: Context) -> Section:
    from storage import events as ev
    from storage.models.events import Event, Rsvp

    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    pillar = Pillar.VISIBILITY
    both = and_(Event.starts_at >= before_p.starts_at, Event.starts_at < now_p.ends_at)

    def held(p: Period) -> ColumnElement[bool]:
        # Held: not cancelled, and started within the period, before now.
        return and_(Event.status == ev.SCHEDULED, Event.starts_at >= p.starts_at, Event.starts_at < ctx.until(p))

    kinds = {kind: (int(a), int(b)) for kind, a, b in session.execute(
        select(Event.kind, count_when(held(now_p)), count_when(held(before_p))).where(both).group_by(Event.kind))}
    label_of = {**ev.KINDS, **{k: k.replace("_", " ").capitalize() for k in kinds if k not in ev.KINDS}}
    order = [k for k in ev.KINDS if k in kinds] + sorted(k for k in kinds if k not in ev.KINDS)
    networking = [k for k in NETWORKING_KINDS if k in ev.KINDS]
    # The yearly target, pro rata for a period that is not a development year.
    target = ctx.options.networking_target * (1 if now_p.is_development_year else round(now_p.days / 365, 2))
    # Where an organiser recorded who came, that; elsewhere the members who said they were going.
    came = or_(and_(Event.attendance_recorded_at.is_not(None), Rsvp.attended.is_(True)),
               and_(Event.attendance_recorded_at.is_(None), Rsvp.status == ev.GOING))

    def going(p: Period) -> ColumnElement[bool]:
        return and_(Event.status == ev.SCHEDULED, within(Event.starts_at, p), Rsvp.status == ev.GOING)

    rsvps = Rsvp.__table__.join(Event.__table__, Event.id == Rsvp.event_id)
    # One pass over the answers, by department: a member is in one department, so the
    # departments' distinct attendees add up to the network's.
    rows = [(d, *(int(n) for n in counts)) for d, *counts in session.execute(
        select(Member.department, count_when(going(now_p)), count_when(going(before_p)),
               count_when(and_(held(now_p), came)), count_when(and_(held(before_p), came)),
               distinct_when(and_(held(now_p), came), Rsvp.member_id),
               distinct_when(and_(held(before_p), came), Rsvp.member_id))
        .select_from(rsvps.join(Member.__table__, Member.id == Rsvp.member_id)).where(both)
        .group_by(Member.department))]
    going_now, going_before, attended, attended_before, attendees, attendees_before = (
        sum(r[i] for r in rows) for i in range(1, 7))
    held_figure = ctx.count_figure("events.held", EVENTS, "Events held", pillar,
                                   (sum(a for a, _ in kinds.values()), sum(b for _, b in kinds.values())),
                                   of_people=False)
    networking_figure = ctx.count_figure(
        "events.networking", EVENTS, "Networking events held (network meetings, conferences, showcases)", pillar,
        (sum(kinds.get(k, (0, 0))[0] for k in networking), sum(kinds.get(k, (0, 0))[1] for k in networking)),
        of_people=False, target=target)
    attended_figure = ctx.count_figure("events.attended", EVENTS, "Attendances", pillar, (attended, attended_before),
                                       note="where an organiser recorded who came, those; elsewhere the members "
                                            "who said they were going.")
    attendees_figure = ctx.count_figure("events.attendees", EVENTS, "Members who attended", pillar,
                                        (attendees, attendees_before))
    departments, (attendees_now, attendees_was) = breakdown_figures(
        ctx, "events.by_department", EVENTS, "Members who attended, by department", pillar,
        _by_name((r[0], r[5]) for r in rows), _by_name((r[0], r[6]) for r in rows),
        (attendees_figure.current, attendees_figure.previous))
    lines, (attended_now, attended_was) = monthly_lines(
        ctx, Event.starts_at, and_(Event.status == ev.SCHEDULED, Event.starts_at < ctx.now, came),
        (attended_figure.current, attended_figure.previous), source=rsvps)
    figures = [
        held_figure, networking_figure,
        ctx.count_figure("events.rsvps", EVENTS, "RSVPs: going", pillar, (going_now, going_before)),
        attended_figure, attendees_figure,
    ]
    figures = with_shown(figures, "events.attendees", attendees_now, attendees_was)
    figures = with_shown(figures, "events.attended", attended_now, attended_was)
    figures += ctx.things("events.by_kind", EVENTS, "Events held by kind", pillar,
                          {label_of[k]: v[0] for k, v in kinds.items()},
                          {label_of[k]: v[1] for k, v in kinds.items()}, [label_of[k] for k in order])
    figures += departments
    charts = (Chart("events.attendance", ChartKind.MONTHLY, "Attendance at events each month", "Month",
                    "Attendances", now_p.label, lines, pillar),)
    return Section("events", EVENTS, tuple(figures), charts)


# Awards ------------------------------------------------------------------------------------------

AWARDS = "Awards"


def awards_section(ctx: Context) -> Section:
    """Counts of closed cycles only (as `/tech awards figures`): a live count would let someone
    watching it tie a nomination to the colleague who just mentioned writing one. Never who
    nominated whom."""
    from storage import awards as aw
    from storage.models.awards import Award, AwardCycle, Nomination

    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    pillar = Pillar.RECOGNITION

    def closed_in(p: Period) -> ColumnElement[bool]:
        return and_(AwardCycle.closes_at >= p.starts_at, AwardCycle.closes_at < ctx.until(p))

    active = Nomination.status == aw.ACTIVE
    nominations = Nomination.__table__.join(AwardCycle.__table__, AwardCycle.id == Nomination.cycle_id)
    row = session.execute(select(
        count_when(and_(closed_in(now_p), active)), count_when(and_(closed_in(before_p), active)),
        distinct_when(and_(closed_in(now_p), active), Nomination.nominee_key),
        distinct_when(and_(closed_in(before_p), active), Nomination.nominee_key),
        distinct_when(and_(closed_in(now_p), active), Nomination.nominator_id),
        distinct_when(and_(closed_in(before_p), active), Nomination.nominator_id),
    ).select_from(nominations)).one()
    total, total_before, nominees, nominees_before, nominators, nominators_before = (int(n) for n in row)

    def departments(p: Period) -> int:
        return int(session.scalar(
            select(func.count(func.distinct(Member.department)))
            .select_from(nominations.join(Member.__table__, Member.id == Nomination.nominator_id))
            .where(closed_in(p), active, Member.department.is_not(None))) or 0)

    def all_departments(p: Period) -> int:
        return int(session.scalar(select(func.count(func.distinct(Member.department)))
                                  .where(_in_network(p), Member.department.is_not(None))) or 0)

    represented = (departments(now_p), departments(before_p))
    known = (all_departments(now_p), all_departments(before_p))
    total_figure = ctx.count_figure("awards.nominations", AWARDS, "Nominations (cycles that closed in the period)",
                                    pillar, (total, total_before))
    figures = [
        total_figure,
        ctx.count_figure("awards.nominees", AWARDS, "People and teams nominated", pillar, (nominees, nominees_before)),
        ctx.count_figure("awards.nominators", AWARDS, "Colleagues who nominated", pillar,
                         (nominators, nominators_before)),
        ctx.count_figure("awards.departments", AWARDS, "Departments nominations came from", pillar, represented,
                         of_people=False, note=f"of {known[0]} departments with members in the period "
                                               f"({known[1]} the period before)."),
        ctx.figure("awards.departments_share", AWARDS, "Share of departments nominations came from", pillar,
                   *(exact(r / k, Unit.SHARE, ctx.k) if k else Shown(State.NONE, None, Unit.SHARE, ctx.k)
                     for r, k in zip(represented, known))),
    ]
    # Each cycle that closed in the period against the award's previous closed cycle.
    cycles = session.execute(
        select(AwardCycle.id, AwardCycle.award_id, Award.name, AwardCycle.label, AwardCycle.closes_at)
        .join(Award, Award.id == AwardCycle.award_id).where(AwardCycle.closes_at < ctx.now)
        .order_by(AwardCycle.award_id, AwardCycle.opens_at, AwardCycle.id)).all()
    counts = dict(session.execute(select(Nomination.cycle_id, func.count()).where(active)
                                  .group_by(Nomination.cycle_id)).all())
    previous_of: dict[int, Any] = {}
    last: dict[int, Any] = {}
    for cycle in cycles:
        previous_of[cycle.id] = last.get(cycle.award_id)
        last[cycle.award_id] = cycle
    in_period = [c for c in cycles if now_p.starts_at <= c.closes_at < ctx.until(now_p)]
    names = {c.id: f"{c.name} {c.label}" + (f" (against {previous_of[c.id].label})" if previous_of[c.id] else "")
             for c in in_period}
    current = suppress({names[c.id]: int(counts.get(c.id, 0)) for c in in_period}, ctx.k, total=total_figure.current)
    before_ids = {previous_of[c.id].id for c in in_period if previous_of[c.id]}
    closed_before = {c.id for c in cycles if before_p.starts_at <= c.closes_at < ctx.until(before_p)}
    # When the earlier cycles are exactly those of the previous period, they add up to its total.
    before_total = total_figure.previous if before_ids and before_ids == closed_before else None
    before = suppress({names[c.id]: int(counts.get(previous_of[c.id].id, 0)) if previous_of[c.id] else 0
                       for c in in_period}, ctx.k, total=before_total)
    for c in in_period:
        figures.append(ctx.figure("awards.per_cycle", AWARDS, "Nominations per cycle, against the previous cycle",
                                  pillar, current.cells[names[c.id]], before.cells[names[c.id]], group=names[c.id],
                                  compared_with="the previous cycle"))
    withheld = ctx.withheld()
    figures = with_shown(figures, "awards.nominations",
                         total_figure.current if current.total_shown else withheld,
                         total_figure.previous if before.total_shown else withheld)
    nominations_figure = next(f for f in figures if f.key == "awards.nominations")
    first = session.scalar(select(func.min(AwardCycle.closes_at)).where(AwardCycle.closes_at < ctx.now))
    years = ctx.years(first)
    yearly = session.execute(select(*(count_when(and_(active, within(AwardCycle.closes_at, y),
                                                     AwardCycle.closes_at < ctx.now)) for y in years))
                             .select_from(nominations)).one()
    charts = (Chart("awards.years", ChartKind.YEARS, "Award nominations, year on year", "Development year",
                    "Nominations", years_label(years),
                    (year_series(ctx, "Nominations", years, yearly, nominations_figure),), pillar),)
    return Section("awards", AWARDS, tuple(figures), charts,
                   ("Counted when a cycle closes; counts only, never who nominated whom.",))


# Professional registration --------------------------------------------------------------------------

REGISTRATION = "Professional registration"


def registration_section(ctx: Context) -> Section:
    """No history of statuses is kept: a member's status is as it is now, and a registered
    member counts as registered from the last change to their status (a lower bound at
    the start of a period when they changed it since)."""
    from storage import registration as rg
    from storage.models.mentoring import RegistrationStatus

    session, now_p = ctx.session, ctx.period
    pillar = Pillar.RECOGNITION
    people_now = and_(Member.is_bot.is_(False), Member.deactivated.is_(False))
    statuses = Member.__table__.join(RegistrationStatus.__table__, RegistrationStatus.member_id == Member.id)
    registered = RegistrationStatus.status == "registered"

    def registered_at(moment: datetime) -> int:
        return int(session.scalar(select(func.count()).select_from(statuses).where(
            Member.is_bot.is_(False), registered, RegistrationStatus.updated_at < moment,
            or_(Member.deactivated.is_(False), Member.updated_at >= moment))) or 0)

    at_start, at_end = registered_at(now_p.starts_at), registered_at(ctx.until(now_p))
    aim = round(at_start * (1 + ctx.options.registration_aim)) if at_start else None
    registered_figure = ctx.figure(
        "registration.registered", REGISTRATION,
        "Registered members now" if ctx.now < now_p.ends_at else f"Registered members on {day_text(now_p.last_day)}",
        pillar,
        ctx.people(at_end), ctx.people(at_start), target=aim,
        note=f"the action plans aim for +{round(ctx.options.registration_aim * 100)}%.",
        compared_with=f"at {day_text(now_p.first_day)}")
    by_status = dict(session.execute(select(RegistrationStatus.status, func.count()).select_from(statuses)
                                     .where(people_now).group_by(RegistrationStatus.status)).all())
    recorded = sum(int(n) for n in by_status.values())
    members_now = int(session.scalar(select(func.count()).select_from(Member).where(people_now)) or 0)
    status_cells = {rg.STATUSES.get(k, k): int(n) for k, n in by_status.items()}
    if members_now - recorded:
        status_cells[NOT_RECORDED] = members_now - recorded
    status_order = [rg.STATUSES[k] for k in rg.STATUSES if rg.STATUSES[k] in status_cells] + \
        [k for k in status_cells if k not in rg.STATUSES.values()]
    members_shown = ctx.people(members_now)
    status_shown = suppress({k: status_cells[k] for k in status_order}, ctx.k, total=members_shown)
    by_register = _by_name(session.execute(
        select(RegistrationStatus.register, func.count()).select_from(statuses)
        .where(people_now, registered).group_by(RegistrationStatus.register)).all())
    registered_now = sum(int(n) for n in by_register.values())
    ongoing = ctx.now < now_p.ends_at
    # While the period is under way, "registered now" is the period's own figure; otherwise its own.
    registered_shown = registered_figure.current if ongoing else ctx.people(registered_now)
    register_names = _register_names(rg, ctx.options.content_dir)
    register_order = sorted(by_register, key=lambda k: (k == NOT_RECORDED, register_names.get(k, k).casefold()))
    register_shown = suppress({register_names.get(k, k): by_register[k] for k in register_order}, ctx.k,
                              total=registered_shown)
    figures = [
        registered_figure,
        ctx.snapshot_figure("registration.members", REGISTRATION, "Members now", pillar,
                            members_shown if status_shown.total_shown else ctx.withheld()),
    ]
    if ongoing and not register_shown.total_shown:
        figures = with_shown(figures, "registration.registered", ctx.withheld(), registered_figure.previous)
    elif not ongoing:
        figures.append(ctx.snapshot_figure("registration.registered_now", REGISTRATION, "Registered members now",
                                           pillar, registered_shown if register_shown.total_shown else ctx.withheld()))
    figures += [ctx.snapshot_figure("registration.by_status", REGISTRATION, "Members by registration status (now)",
                                    pillar, shown, group=name) for name, shown in status_shown.cells.items()]
    figures += [ctx.snapshot_figure("registration.by_register", REGISTRATION, "Registered members by register (now)",
                                    pillar, shown, group=name) for name, shown in register_shown.cells.items()]
    years = ctx.years(session.scalar(select(func.min(RegistrationStatus.updated_at)).where(registered)))
    counts = [registered_at(min(y.ends_at, ctx.now)) for y in years]
    charts = (Chart("registration.years", ChartKind.YEARS, "Registered members at the end of each year",
                    "Development year", "Registered members", years_label(years),
                    (year_series(ctx, "Registered", years, counts, figures[0]),), pillar),)
    return Section("registration", REGISTRATION, tuple(figures), charts,
                   ("Statuses are as members recorded them; a member counts as registered from their last change "
                    "of status.",))


def _register_names(rg: Any, content_dir: str | None) -> dict[str, str]:
    """Register keys to their names in the registration guide (content/registration.yaml)."""
    try:
        guide = rg.load_guide(Path(content_dir) if content_dir else None)
    except ContentError:
        # Organiser-edited content that does not load: the keys themselves still say which register.
        return {}
    return {r.key: r.name for r in guide.registers}


# CPD -----------------------------------------------------------------------------------------

CPD = "Continuing professional development"
# Bands of days per FTE for the distribution.
CPD_BANDS = ((0, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, None))


def cpd_section(ctx: Context) -> Section:
    from storage.models.careers import CpdEntry

    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    pillar = Pillar.CAREER_DEVELOPMENT
    minutes_per_day = ctx.options.cpd_day_hours * 60
    fte = dict(session.execute(select(Member.id, Member.fte).where(Member.is_bot.is_(False))).all())

    def per_fte(p: Period) -> dict[int, float]:
        totals = session.execute(select(CpdEntry.member_id, func.sum(CpdEntry.minutes))
                                 .where(days_within(CpdEntry.done_on, p)).group_by(CpdEntry.member_id))
        return {m: int(total) / minutes_per_day / fte[m] for m, total in totals if m in fte and _valid_fte(fte[m])}

    def on_track(p: Period, days: Mapping[int, float]) -> tuple[int, int]:
        # The yearly target pro rata to FTE and to the share of the period gone (as `/tech cpd summary`).
        today = min(p.last_day, today_in(ctx.now, ctx.options))
        elapsed = max(0, (today - p.first_day).days + 1)
        year_days = 366 if p.is_development_year and p.days == 366 else 365
        expected = ctx.options.cpd_target_days * elapsed / year_days
        members = [m for m in session.scalars(select(Member.id).where(_in_network(p))) if _valid_fte(fte.get(m))]
        return sum(1 for m in members if days.get(m, 0.0) + 1e-9 >= expected), len(members)

    days_now, days_before = per_fte(now_p), per_fte(before_p)
    logged = (len(days_now), len(days_before))
    logged_figure = ctx.count_figure("cpd.logged", CPD, "Members who logged CPD", pillar, logged)

    def median_shown(days: Mapping[int, float]) -> Shown:
        if not days:
            return Shown(State.NONE, None, Unit.DAYS, ctx.k)
        if len(days) < ctx.k:
            return Shown(State.WITHHELD, None, Unit.DAYS, ctx.k)
        return exact(round(statistics.median(days.values()), 2), Unit.DAYS, ctx.k)

    def share_shown(track: tuple[int, int]) -> Shown:
        yes, of = track
        if not of:
            return Shown(State.NONE, None, Unit.SHARE, ctx.k)
        # Either side a small group: the share and the member count would give it away.
        if 0 < yes < ctx.k or 0 < of - yes < ctx.k:
            return Shown(State.WITHHELD, None, Unit.SHARE, ctx.k)
        return exact(yes / of, Unit.SHARE, ctx.k)

    figures = [
        logged_figure,
        ctx.figure("cpd.median_days", CPD, "Median days of CPD per FTE (members who logged)", pillar,
                   median_shown(days_now), median_shown(days_before)),
        ctx.figure("cpd.on_track", CPD, "Share of members on track for the pro-rata target", pillar,
                   share_shown(on_track(now_p, days_now)), share_shown(on_track(before_p, days_before)),
                   note=f"{ctx.options.cpd_target_days:g} days a year pro rata to FTE, and to the share of the "
                        "period gone."),
    ]
    labels = [f"{lo}–{hi} days" if hi is not None else f"{lo}+ days" for lo, hi in CPD_BANDS]

    def bands(days: Mapping[int, float]) -> dict[str, int]:
        cells = dict.fromkeys(labels, 0)
        for value in days.values():
            for label, (lo, hi) in zip(labels, CPD_BANDS, strict=True):
                if value >= lo and (hi is None or value < hi):
                    cells[label] += 1
                    break
        return cells

    distribution, (logged_now, logged_was) = breakdown_figures(
        ctx, "cpd.distribution", CPD, "Members by days of CPD per FTE", pillar, bands(days_now), bands(days_before),
        (logged_figure.current, logged_figure.previous), order=labels)
    figures = with_shown(figures, "cpd.logged", logged_now, logged_was)
    figures += distribution
    charts = (Chart("cpd.distribution", ChartKind.DISTRIBUTION, "Days of CPD per FTE", "Members",
                    "Days per FTE", now_p.label,
                    (Series(now_p.short_label, tuple(Point(f.group or "", f.current) for f in distribution)),),
                    pillar),)
    return Section("cpd", CPD, tuple(figures), charts)


def _valid_fte(value: float | None) -> bool:
    return value is not None and 0 < value <= 1


# Mentoring -----------------------------------------------------------------------------------

MENTORING = "Mentoring"


def mentoring_section(ctx: Context) -> Section:
    from storage.models.mentoring import MentoringPairing, MentorProfile

    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    pillar = Pillar.CAREER_DEVELOPMENT

    def active(p: Period) -> ColumnElement[bool]:
        return and_(MentoringPairing.started_at < ctx.until(p),
                    or_(MentoringPairing.ended_at.is_(None), MentoringPairing.ended_at >= p.starts_at))

    row = session.execute(select(
        count_when(active(now_p)), count_when(active(before_p)),
        count_when(within(MentoringPairing.started_at, now_p)), count_when(within(MentoringPairing.started_at, before_p)),
        count_when(within(MentoringPairing.ended_at, now_p)), count_when(within(MentoringPairing.ended_at, before_p)),
    )).one()
    pairs, pairs_before, started, started_before, ended, ended_before = (int(n) for n in row)
    today = today_in(ctx.now, ctx.options)
    ongoing = dict(session.execute(select(MentoringPairing.mentor_id, func.count())
                                   .where(MentoringPairing.ended_at.is_(None))
                                   .group_by(MentoringPairing.mentor_id)).all())
    mentors = session.execute(
        select(MentorProfile.member_id, MentorProfile.capacity, MentorProfile.paused_until)
        .join(Member, Member.id == MentorProfile.member_id)
        .where(Member.is_bot.is_(False), Member.deactivated.is_(False))).all()
    free = sum(1 for m, capacity, paused in mentors
               if capacity > ongoing.get(m, 0) and (paused is None or paused < today))
    figures = [
        ctx.count_figure("mentoring.active_pairs", MENTORING, "Mentoring pairs active during the period", pillar,
                         (pairs, pairs_before)),
        ctx.count_figure("mentoring.started", MENTORING, "Pairs started", pillar, (started, started_before)),
        ctx.count_figure("mentoring.ended", MENTORING, "Pairs ended", pillar, (ended, ended_before)),
        ctx.snapshot_figure("mentoring.mentors", MENTORING, "Mentors (now)", Pillar.SUSTAINABILITY,
                            ctx.people(len(mentors))),
        ctx.snapshot_figure("mentoring.free_capacity", MENTORING, "Mentors with room for another mentee (now)",
                            Pillar.SUSTAINABILITY, ctx.people(free)),
    ]
    return Section("mentoring", MENTORING, tuple(figures))


# E-zine and announcements ------------------------------------------------------------------------

NEWS = "E-zine, news and announcements"


def news_section(ctx: Context) -> Section:
    """Published things, not people: counts are shown as they are."""
    from storage import announcements as an
    from storage import ledger
    from storage import news as nw
    from storage.ezine import POSTED
    from storage.models import DueItem
    from storage.models.news import EzineIssue, NewsItem

    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    pillar = Pillar.VISIBILITY
    issues = session.execute(select(count_when(within(EzineIssue.posted_at, now_p)),
                                    count_when(within(EzineIssue.posted_at, before_p)))
                             .where(EzineIssue.status == POSTED)).one()
    posts = session.execute(select(count_when(within(DueItem.done_at, now_p)), count_when(within(DueItem.done_at, before_p)))
                            .where(DueItem.kind == an.KIND, DueItem.status == ledger.DONE)).one()
    approved_at = func.coalesce(NewsItem.reviewed_at, NewsItem.created_at)
    categories = {c: (int(a), int(b)) for c, a, b in session.execute(
        select(NewsItem.category, count_when(within(approved_at, now_p)), count_when(within(approved_at, before_p)))
        .where(NewsItem.status == nw.APPROVED).group_by(NewsItem.category))}
    label_of = {**nw.CATEGORIES, **{c: c.replace("_", " ").capitalize() for c in categories if c not in nw.CATEGORIES}}
    order = [c for c in nw.CATEGORIES if c in categories] + sorted(c for c in categories if c not in nw.CATEGORIES)
    figures = [
        ctx.count_figure("news.issues", NEWS, "E-zine issues posted", pillar, tuple(int(n) for n in issues),
                         of_people=False),
        ctx.count_figure("news.announcements", NEWS, "Scheduled announcements posted", pillar,
                         tuple(int(n) for n in posts), of_people=False),
        ctx.count_figure("news.items", NEWS, "News items approved for the e-zine", pillar,
                         (sum(a for a, _ in categories.values()), sum(b for _, b in categories.values())),
                         of_people=False),
    ]
    figures += ctx.things("news.by_category", NEWS, "News items by category", pillar,
                          {label_of[c]: v[0] for c, v in categories.items()},
                          {label_of[c]: v[1] for c, v in categories.items()}, [label_of[c] for c in order])
    return Section("news", NEWS, tuple(figures))


# Development opportunities ------------------------------------------------------------------------

OPPORTUNITIES = "Development opportunities"


def opportunities_section(ctx: Context) -> Section:
    from storage.models.careers import Opportunity, OpportunityReminder

    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    pillar = Pillar.CAREER_DEVELOPMENT
    listed = session.execute(select(count_when(within(Opportunity.created_at, now_p)),
                                    count_when(within(Opportunity.created_at, before_p)))).one()
    reminders = session.execute(select(count_when(within(OpportunityReminder.created_at, now_p)),
                                       count_when(within(OpportunityReminder.created_at, before_p)))).one()
    figures = (
        ctx.count_figure("opportunities.listed", OPPORTUNITIES, "Opportunities listed", pillar,
                         tuple(int(n) for n in listed), of_people=False),
        ctx.count_figure("opportunities.reminders", OPPORTUNITIES, "Deadline reminders members asked for", pillar,
                         tuple(int(n) for n in reminders)),
    )
    return Section("opportunities", OPPORTUNITIES, figures)


# The sections and whether their feature is here --------------------------------------------------

@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    # Modules the section reads; when one cannot be imported, the feature is not in this build.
    needs: tuple[str, ...]
    build: Callable[[Context], Section]


def _available(spec: SectionSpec) -> bool:
    for name in spec.needs:
        try:
            importlib.import_module(name)
        except ImportError:
            return False
    return True


SECTIONS: list[SectionSpec] = [
    SectionSpec("members", MEMBERS, (), members_section),
    SectionSpec("events", EVENTS, ("storage.events", "storage.models.events"), events_section),
    SectionSpec("awards", AWARDS, ("storage.awards", "storage.models.awards"), awards_section),
    SectionSpec("registration", REGISTRATION, ("storage.registration", "storage.models.mentoring"),
                registration_section),
    SectionSpec("cpd", CPD, ("storage.cpd", "storage.models.careers"), cpd_section),
    SectionSpec("mentoring", MENTORING, ("storage.mentoring", "storage.models.mentoring"), mentoring_section),
    SectionSpec("news", NEWS, ("storage.news", "storage.ezine", "storage.announcements", "storage.models.news"),
                news_section),
    SectionSpec("opportunities", OPPORTUNITIES, ("storage.opportunities", "storage.models.careers"),
                opportunities_section),
]


def build_report(session: Session, actor: Actor | None, period: Period, *, now: datetime,
                 options: ReportOptions, only: Sequence[str] | None = None) -> Report:
    """The report for `period` beside the previous period. Organisers only (`actor=None`
    is the command line, run by whoever holds the database)."""
    if actor is not None:
        actor.require(Role.ORGANISER, "see the network report")
    ctx = Context(session, period, period.previous(), options, now)
    sections: list[Section] = []
    absent: list[str] = []
    for spec in SECTIONS:
        if only is not None and spec.key not in only:
            continue
        if not _available(spec):
            absent.append(spec.title)
            continue
        sections.append(spec.build(ctx))
    people = session.scalar(select(func.count()).select_from(Member).where(Member.is_bot.is_(False))) or 0
    return Report(period, ctx.previous, now, options.min_group, tuple(sections), tuple(absent),
                  people < options.min_group)


def headline(session: Session, actor: Actor, *, now: datetime, options: ReportOptions) -> Report:
    """This development year's headline figures, for an organiser's Home tab (cheap sections only)."""
    period = development_year_of(today_in(now, options), options)
    # The sections that answer in a fraction of a second at 10,000 members (bench/report.py).
    return build_report(session, actor, period, now=now, options=options, only=HEADLINE_SECTIONS)
