"""Building the report: organisers only, every section for a period beside the previous one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.members import Actor, Role
from storage.models import Member
from storage.report.building import Context
from storage.report.model import HEADLINE_SECTIONS, Report
from storage.report.periods import Period, ReportOptions, development_year_of, today_in
from storage.report.sections import SECTIONS


def build_report(session: Session, actor: Actor | None, period: Period, *, now: datetime,
                 options: ReportOptions, only: Sequence[str] | None = None) -> Report:
    """The report for `period` beside the previous period. Organisers only (`actor=None`
    is the command line, run by whoever holds the database)."""
    if actor is not None:
        actor.require(Role.ORGANISER, "see the network report")
    ctx = Context(session, period, period.previous(), options, now)
    sections = tuple(build(ctx) for key, build in SECTIONS.items() if only is None or key in only)
    people = session.scalar(select(func.count()).select_from(Member).where(Member.is_bot.is_(False))) or 0
    return Report(period, ctx.previous, now, options.min_group, sections, empty=people < options.min_group)


def headline(session: Session, actor: Actor, *, now: datetime, options: ReportOptions) -> Report:
    """This development year's headline figures, for an organiser's Home tab (cheap sections only)."""
    period = development_year_of(today_in(now, options), options)
    # The sections that answer in a fraction of a second at 10,000 members (bench/report.py).
    return build_report(session, actor, period, now=now, options=options, only=HEADLINE_SECTIONS)
