"""Members: total, new and active, by department, month by month and year on year."""

from __future__ import annotations

from sqlalchemy import and_, func, select

from storage.models import Member
from storage.report.building import (
    Context, breakdown_figures, by_name, count_when, in_network, monthly_lines, with_shown, within, year_series,
    years_label,
)
from storage.report.model import Chart, ChartKind, Pillar, Point, Section, Series
from storage.report.periods import Period


MEMBERS = "Members"


def members_section(ctx: Context) -> Section:
    session, now_p, before_p = ctx.session, ctx.period, ctx.previous
    row = session.execute(select(
        count_when(in_network(now_p)), count_when(in_network(before_p)),
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
        rows = session.execute(select(Member.department, func.count()).where(in_network(period))
                               .group_by(Member.department))
        return by_name((name, n) for name, n in rows)

    total_figure, new_figure = figures[0], figures[1]
    departments, (total_now, total_before_shown) = breakdown_figures(
        ctx, "members.by_department", MEMBERS, "Members by department", pillar,
        by_department(now_p), by_department(before_p), (total_figure.current, total_figure.previous))
    monthly, (new_now, new_before_shown) = monthly_lines(
        ctx, Member.created_at, Member.is_bot.is_(False), (new_figure.current, new_figure.previous))
    figures = with_shown(figures, "members.total", total_now, total_before_shown)
    figures = with_shown(figures, "members.new", new_now, new_before_shown)
    figures += departments
    years = ctx.years(session.scalar(select(func.min(Member.created_at)).where(Member.is_bot.is_(False))))
    yearly = session.execute(select(
        *(count_when(in_network(y)) for y in years),
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
