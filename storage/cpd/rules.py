"""The figures' rules: the target, the development year, what a day of CPD is, an FTE."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from storage.errors import DomainError

TARGET_DAYS = 10
# One entry is at most this many days: a longer programme is logged part by part.
MAX_DAYS_PER_ENTRY = 10
ACTIVITY_LIMIT = 200
NOTE_LIMIT = 2000
CATEGORIES = {
    "course": "Training course",
    "workshop": "Workshop or seminar",
    "conference": "Conference",
    "network_event": "Network event",
    "peer_learning": "Peer-to-peer learning",
    "mentoring": "Mentoring or coaching",
    "secondment": "Secondment or shadowing",
    "registration": "Professional registration",
    "self_study": "Self-directed study",
    "other": "Other",
}
HOURS, DAYS = "hours", "days"
MANUAL, EVENT, MENTORING, OPPORTUNITY = "manual", "event", "mentoring", "opportunity"
SOURCES = (MANUAL, EVENT, MENTORING, OPPORTUNITY)


@dataclass(frozen=True)
class CpdRules:
    """The settings the figures depend on (TECHNET_CPD_YEAR_START_MONTH, TECHNET_CPD_DAY_HOURS)."""

    year_start_month: int = 8
    day_hours: float = 7.5
    target_days: float = TARGET_DAYS
    # What CPD may be about (content/cpd_topics.yaml): (key, label) pairs; none offered when empty.
    topics: tuple[tuple[str, str], ...] = ()

    @property
    def minutes_per_day(self) -> float:
        return self.day_hours * 60

    def days(self, minutes: float) -> float:
        return minutes / self.minutes_per_day


# The development year ----------------------------------------------------------------

@dataclass(frozen=True)
class DevelopmentYear:
    start: date
    # The first day of the next year (exclusive).
    end: date

    @property
    def label(self) -> str:
        return f"{self.start.year}–{str(self.end.year)[-2:]}" if self.start.month != 1 else str(self.start.year)

    @property
    def length_days(self) -> int:
        return (self.end - self.start).days

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def elapsed(self, today: date) -> float:
        """The share of the year gone by the end of `today` (1/365 on its first day, 1 on its last)."""
        if today < self.start:
            return 0.0
        return min(((today - self.start).days + 1) / self.length_days, 1.0)


def development_year(day: date, start_month: int = 8) -> DevelopmentYear:
    """The development year `day` falls in: with August, 31 July 2025 is in 2024–25 and 1 August in 2025–26."""
    if not 1 <= start_month <= 12:
        raise ValueError("start_month is 1-12")
    year = day.year if day.month >= start_month else day.year - 1
    start = date(year, start_month, 1)
    return DevelopmentYear(start, date(year + 1, start_month, 1))


def check_fte(fte: float | None) -> float:
    """A full-time equivalent in (0, 1], or a DomainError saying what an FTE is."""
    if fte is None or isinstance(fte, bool) or not isinstance(fte, int | float) or not math.isfinite(fte) \
            or not 0 < fte <= 1:
        raise DomainError(f"An FTE is more than 0 and at most 1 (1 is full time, 0.6 is three days a week); "
                          f"{fte!r} is not. Correct it with `/tech profile`.", field="fte")
    return float(fte)


def target_days(fte: float | None, rules: CpdRules = CpdRules()) -> float:
    """The year's target, pro rata: 10 days at FTE 1, 6 days at FTE 0.6."""
    return rules.target_days * check_fte(fte)


def number(value: float) -> str:
    """1 -> '1', 1.5 -> '1.5', 0.3333 -> '0.33'."""
    return f"{round(value, 2):g}"
