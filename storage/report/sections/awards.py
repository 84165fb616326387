"""Awards: nominations per closed cycle, nominees, nominators and departments represented."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select

from storage import awards as aw
from storage.models import Member
from storage.models.awards import Award, AwardCycle, Nomination
from storage.privacy import Shown, State, Unit, of_group, suppress
from storage.report.building import (
    Context, count_when, distinct_when, in_network, with_shown, within, year_series, years_label,
)
from storage.report.model import Chart, ChartKind, Pillar, Section
from storage.report.periods import Period


AWARDS = "Awards"


def awards_section(ctx: Context) -> Section:
    """Counts of closed cycles only (as `/tech awards figures`): a live count would let someone
    watching it tie a nomination to the colleague who just mentioned writing one. Never who
    nominated whom."""
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
                                  .where(in_network(p), Member.department.is_not(None))) or 0)

    represented = (departments(now_p), departments(before_p))
    known = (all_departments(now_p), all_departments(before_p))
    # Nominations are a figure about the nominees, and the departments they came from one about
    # the nominators: with 1 to N-1 of them, a count could be one person's (as `/tech awards figures`).
    total_figure = ctx.figure("awards.nominations", AWARDS, "Nominations (cycles that closed in the period)",
                              pillar, of_group(total, nominees, ctx.k), of_group(total_before, nominees_before, ctx.k))
    figures = [
        total_figure,
        ctx.count_figure("awards.nominees", AWARDS, "People and teams nominated", pillar, (nominees, nominees_before)),
        ctx.count_figure("awards.nominators", AWARDS, "Colleagues who nominated", pillar,
                         (nominators, nominators_before)),
        ctx.figure("awards.departments", AWARDS, "Departments nominations came from", pillar,
                   of_group(represented[0], nominators, ctx.k), of_group(represented[1], nominators_before, ctx.k),
                   note=f"of {known[0]} departments with members in the period ({known[1]} the period before)."),
        ctx.figure("awards.departments_share", AWARDS, "Share of departments nominations came from", pillar,
                   *(of_group(r / k, n, ctx.k, Unit.SHARE) if k else Shown(State.NONE, None, Unit.SHARE, ctx.k)
                     for r, k, n in zip(represented, known, (nominators, nominators_before), strict=True))),
    ]
    # Each cycle that closed in the period against the award's previous closed cycle.
    cycles = session.execute(
        select(AwardCycle.id, AwardCycle.award_id, Award.name, AwardCycle.label, AwardCycle.closes_at)
        .join(Award, Award.id == AwardCycle.award_id).where(AwardCycle.closes_at < ctx.now)
        .order_by(AwardCycle.award_id, AwardCycle.opens_at, AwardCycle.id)).all()
    counts, nominees_of = {}, {}
    for cycle_id, n, distinct_nominees in session.execute(
            select(Nomination.cycle_id, func.count(), func.count(func.distinct(Nomination.nominee_key)))
            .where(active).group_by(Nomination.cycle_id)).all():
        counts[cycle_id], nominees_of[cycle_id] = int(n), int(distinct_nominees)

    def about_few(cycle_ids: dict[str, int | None]) -> list[str]:
        """The cells (by name) of cycles with 1 to N-1 nominees."""
        return [name for name, c in cycle_ids.items() if c is not None and 0 < nominees_of.get(c, 0) < ctx.k]

    previous_of: dict[int, Any] = {}
    last: dict[int, Any] = {}
    for cycle in cycles:
        previous_of[cycle.id] = last.get(cycle.award_id)
        last[cycle.award_id] = cycle
    in_period = [c for c in cycles if now_p.starts_at <= c.closes_at < ctx.until(now_p)]
    names = {c.id: f"{c.name} {c.label}" + (f" (against {previous_of[c.id].label})" if previous_of[c.id] else "")
             for c in in_period}
    current = suppress({names[c.id]: int(counts.get(c.id, 0)) for c in in_period}, ctx.k, total=total_figure.current,
                       about_few=about_few({names[c.id]: c.id for c in in_period}))
    before_ids = {previous_of[c.id].id for c in in_period if previous_of[c.id]}
    closed_before = {c.id for c in cycles if before_p.starts_at <= c.closes_at < ctx.until(before_p)}
    # When the earlier cycles are exactly those of the previous period, they add up to its total.
    before_total = total_figure.previous if before_ids and before_ids == closed_before else None
    before = suppress({names[c.id]: int(counts.get(previous_of[c.id].id, 0)) if previous_of[c.id] else 0
                       for c in in_period}, ctx.k, total=before_total,
                      about_few=about_few({names[c.id]: previous_of[c.id].id if previous_of[c.id] else None
                                           for c in in_period}))
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
    in_year = [and_(active, within(AwardCycle.closes_at, y), AwardCycle.closes_at < ctx.now) for y in years]
    yearly = session.execute(select(*(count_when(c) for c in in_year)).select_from(nominations)).one()
    yearly_nominees = session.execute(select(*(distinct_when(c, Nomination.nominee_key) for c in in_year))
                                      .select_from(nominations)).one()
    series = year_series(ctx, "Nominations", years, yearly, nominations_figure)
    # A year's nominations of 1 to N-1 nominees could be one person's.
    series = replace(series, points=tuple(
        replace(point, shown=ctx.withheld()) if 0 < int(n) < ctx.k and point.shown.exact else point
        for point, n in zip(series.points, yearly_nominees, strict=True)))
    charts = (Chart("awards.years", ChartKind.YEARS, "Award nominations, year on year", "Development year",
                    "Nominations", years_label(years), (series,), pillar),)
    return Section("awards", AWARDS, tuple(figures), charts,
                   ("Counted when a cycle closes; counts only, never who nominated whom.",))
