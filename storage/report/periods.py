"""Report periods: whole days in the network's time zone, and how people write them.

A period's edges are the UTC instants of local midnight, so daylight saving never moves
an edge; a whole development year (its start month shared with CPD) compares with the
previous development year, any other range with the same number of days just before it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, UTC
from zoneinfo import ZoneInfo

from storage.cpd.rules import development_year
from storage.errors import DomainError

# A report covers at most this many years: beyond it the monthly line is unreadable.
LONGEST_YEARS = 10
PERIOD_USAGE = ("Give a period as `this year`, `last year` or two dates like `2025-08-01..2026-07-31` "
                "(the first and the last day).")


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
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


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
    """The development year `day` falls in, by the same rule as the CPD record's."""
    year = development_year(day, options.year_start_month).start.year
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


# A development year around a day is worked out by adding and taking years: far from these
# bounds, and from the year 1 and 9999 that date holds.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _date(year: int, month: int, day: int) -> date:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(f"Give a year from {FIRST_YEAR} to {LAST_YEAR}, not {year}. {PERIOD_USAGE}", field="period")
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
