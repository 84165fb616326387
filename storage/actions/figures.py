"""The report's figure beside an action whose measure is one the report computes ("increase
professional registrations", "CPD days", "nominations" ...): the measure's wording names it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from storage.actions.tracker import ActionInfo
from storage.report.build import build_report
from storage.report.periods import ReportOptions, development_year_of, today_in

# Words in a measure -> (report section, figure key). The first match wins, so narrower words
# come first ("networking event" before "event").
MEASURES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("registration", "registered", "registrant"), "registration", "registration.registered"),
    (("nomination", "nominated"), "awards", "awards.nominations"),
    (("mentoring", "mentor"), "mentoring", "mentoring.active_pairs"),
    (("cpd", "professional development"), "cpd", "cpd.logged"),
    (("networking event",), "events", "events.networking"),
    (("attendance", "attended", "attendees"), "events", "events.attended"),
    (("members", "membership"), "members", "members.total"),
)


def figure_key(measure: str) -> tuple[str, str] | None:
    words = measure.casefold()
    for names, section, key in MEASURES:
        if any(name in words for name in names):
            return section, key
    return None


def measure_figures(session: Session, plan: Sequence[ActionInfo], *, options: ReportOptions,
                    now: datetime) -> dict[int, str]:
    """{action id: "<label> <figure>, <this development year>"} for each action whose measure the
    report computes; only the sections those measures need are built."""
    wanted = {a.id: found for a in plan if (found := figure_key(a.measure)) is not None}
    if not wanted:
        return {}
    period = development_year_of(today_in(now, options), options)
    report = build_report(session, None, period, now=now, options=options,
                          only=sorted({section for section, _ in wanted.values()}))
    figures = {f.key: f for s in report.sections for f in s.figures if f.group is None}
    shown = {}
    for action_id, (_, key) in wanted.items():
        figure = figures.get(key)
        if figure is not None:
            shown[action_id] = f"{figure.label} {figure.current.text}, {period.label}"
    return shown
