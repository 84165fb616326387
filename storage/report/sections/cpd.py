"""CPD: members who logged, median days per FTE, the share on track, and the distribution."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select

from storage.models import Member
from storage.models.careers import CpdEntry
from storage.cpd.topics import topics
from storage.privacy import Shown, Unit, exact, median, share
from storage.report.building import Context, breakdown_figures, days_within, in_network, with_shown
from storage.report.model import Chart, ChartKind, Figure, Pillar, Point, Section, Series
from storage.report.periods import Period, today_in


CPD = "Continuing professional development"
# Bands of days per FTE for the distribution.
CPD_BANDS = ((0, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, None))


def cpd_section(ctx: Context) -> Section:
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
        members = [m for m in session.scalars(select(Member.id).where(in_network(p))) if _valid_fte(fte.get(m))]
        return sum(1 for m in members if days.get(m, 0.0) + 1e-9 >= expected), len(members)

    days_now, days_before = per_fte(now_p), per_fte(before_p)
    logged = (len(days_now), len(days_before))
    logged_figure = ctx.count_figure("cpd.logged", CPD, "Members who logged CPD", pillar, logged)

    figures = [
        logged_figure,
        ctx.figure("cpd.median_days", CPD, "Median days of CPD per FTE (members who logged)", pillar,
                   median(days_now.values(), ctx.k), median(days_before.values(), ctx.k)),
        ctx.figure("cpd.on_track", CPD, "Share of members on track for the pro-rata target", pillar,
                   share(*on_track(now_p, days_now), ctx.k), share(*on_track(before_p, days_before), ctx.k),
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
    figures += topic_figures(ctx, minutes_per_day)
    charts = (Chart("cpd.distribution", ChartKind.DISTRIBUTION, "Days of CPD per FTE", "Members",
                    "Days per FTE", now_p.label,
                    (Series(now_p.short_label, tuple(Point(f.group or "", f.current) for f in distribution)),),
                    pillar),)
    return Section("cpd", CPD, tuple(figures), charts)


def topic_figures(ctx: Context, minutes_per_day: float) -> list[Figure]:
    """People and days of CPD per topic (content/cpd_topics.yaml), this period against the previous:
    what the plans' percentage targets ("20% more mental health CPD") are measured on. Days about
    fewer people than the threshold are withheld with them."""

    def per_topic(p: Period) -> dict[str, tuple[int, int]]:
        # One plain grouped query a period: a range on done_on's index, no CASE per row.
        rows = ctx.session.execute(
            select(CpdEntry.topic, func.count(func.distinct(CpdEntry.member_id)), func.sum(CpdEntry.minutes))
            .where(CpdEntry.topic.is_not(None), days_within(CpdEntry.done_on, p)).group_by(CpdEntry.topic))
        return {topic: (int(people), int(minutes or 0)) for topic, people, minutes in rows if topic}

    now_counts, before_counts = per_topic(ctx.period), per_topic(ctx.previous)
    found = {topic: (*now_counts.get(topic, (0, 0)), *before_counts.get(topic, (0, 0)))
             for topic in now_counts.keys() | before_counts.keys()}
    known = dict(topics(ctx.options.content_dir))
    order = [k for k in known if k in found] + sorted(k for k in found if k not in known)
    figures = []
    pillar = Pillar.CAREER_DEVELOPMENT
    for key in order:
        label = known.get(key, key.replace("_", " ").capitalize())
        p_now, m_now, p_was, m_was = found[key]
        figures.append(ctx.figure("cpd.topic_people", CPD, "Members who logged CPD, by topic", pillar,
                                  ctx.people(p_now), ctx.people(p_was), group=label))
        figures.append(ctx.figure("cpd.topic_days", CPD, "Days of CPD, by topic", pillar,
                                  _days(ctx, p_now, m_now / minutes_per_day),
                                  _days(ctx, p_was, m_was / minutes_per_day), group=label))
    return figures


def _days(ctx: Context, people: int, days: float) -> Shown:
    if 0 < people < ctx.k:
        return ctx.withheld(Unit.DAYS)
    return exact(round(days, 1), Unit.DAYS, ctx.k)


def _valid_fte(value: float | None) -> bool:
    return value is not None and 0 < value <= 1
