"""What every section builder shares: the context, suppressed breakdowns, monthly and
year-on-year series, and the SQL helpers that count within a period."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from storage.models import Member
from storage.privacy import (
    Change, ChangeKind, Shown, State, Unit, change_between, exact, people, suppress,
)
from storage.report.model import NOT_RECORDED, NOW_ONLY, Figure, Pillar, Point, Series
from storage.report.periods import Period, ReportOptions, development_year_of, development_year_starting

# Year-on-year charts show at most this many development years, the latest last.
YEARS_IN_CHARTS = 6


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

    def counts(self, column: Any, *where: ColumnElement[bool]) -> tuple[int, int]:
        """How many rows `column` dates within the period and within the previous one."""
        row = self.session.execute(select(count_when(within(column, self.period)),
                                          count_when(within(column, self.previous))).where(*where)).one()
        return int(row[0]), int(row[1])

    def withheld(self, unit: Unit = Unit.COUNT) -> Shown:
        return Shown(State.WITHHELD, None, unit, self.k)

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

    def things_by_kind(self, key: str, section: str, label: str, pillar: Pillar,
                       counts: Mapping[str, tuple[int, int]], known: Mapping[str, str]) -> list[Figure]:
        """A breakdown of things by a stored key (current, previous): the `known` keys by their
        labels, in their order, then any other key made readable, alphabetically."""
        label_of = {k: known[k] if k in known else k.replace("_", " ").capitalize() for k in counts}
        order = [k for k in known if k in counts] + sorted(k for k in counts if k not in known)
        return self.things(key, section, label, pillar, {label_of[k]: v[0] for k, v in counts.items()},
                           {label_of[k]: v[1] for k, v in counts.items()}, [label_of[k] for k in order])

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
    shown_totals = (totals[0] if now_cells.total_shown else ctx.withheld(),
                    totals[1] if before_cells.total_shown else ctx.withheld())
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
    withheld = ctx.withheld()
    months = now_p.months()
    labels = [f"{m.first_day:%b}" if now_p.is_development_year else f"{m.first_day:%b %y}" for m in months]
    counts = monthly_counts(ctx.session, column, where, now_p, distinct=distinct, source=source)
    line, shown = monthly_series(ctx, now_p.short_label, now_p, counts, totals[0], labels=labels)
    lines = [line]
    total_now = totals[0] if shown else withheld
    total_before = totals[1]
    if now_p.is_development_year and len(before_p.months()) == len(months):
        counts = monthly_counts(ctx.session, column, where, before_p, distinct=distinct, source=source)
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


def by_name(rows: Iterable[tuple[str | None, int]]) -> dict[str, int]:
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


def in_network(period: Period) -> ColumnElement[bool]:
    """A member during the period: joined before it ended, and had not left before it began.

    A member who left is counted in the periods they were part of: they left when their account
    was deactivated (`deactivated_at`; for one deactivated before technet kept that, when their
    record last changed), or at their last activity if later.
    """
    left = func.coalesce(Member.deactivated_at, Member.updated_at)
    return and_(
        Member.is_bot.is_(False),
        Member.created_at < period.ends_at,
        or_(Member.deactivated.is_(False), left >= period.starts_at, Member.last_active_at >= period.starts_at),
    )


def monthly_counts(session: Session, column: Any, where: ColumnElement[bool], period: Period,
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
