"""The network report: the Technician Commitment action-plan measures, as plain data.

An organiser takes it to the steering group: each figure for a period (by default the
current development year) beside the previous period of the same length, with the
change, and labelled with its Technician Commitment pillar.

Privacy, decided in one place for every surface (`storage/privacy.py`):
- counts only, never names;
- a count of people smaller than `min_group` (default 5) is shown as "fewer than 5";
- within a breakdown that adds up to a total that is shown (members by department,
  by month ...), further cells are withheld until no withheld cell can be worked out
  from the total and the others (complementary suppression); when even that cannot
  protect them, the total is withheld too;
- a change is shown only when both of its values are.

`periods.py` reads and measures periods, `model.py` is the report as data,
`building.py` what the section builders share, `sections/` one builder per feature, and
`build.py` puts them together.
"""

from storage.privacy import (
    Breakdown, Change, ChangeKind, Shown, State, Unit, change_between, exact, people, suppress,
)
from storage.report.build import build_report, headline
from storage.report.model import (
    HEADLINE_KEYS, NOT_RECORDED, NOW_ONLY, Chart, ChartKind, Figure, Pillar, Point, Report, Section, Series,
)
from storage.report.periods import (
    PERIOD_USAGE, Period, ReportOptions, day_text, development_year_of, parse_day, parse_period, period_between,
    today_in,
)

__all__ = [
    "HEADLINE_KEYS", "NOT_RECORDED", "NOW_ONLY", "PERIOD_USAGE", "Breakdown", "Change", "ChangeKind", "Chart",
    "ChartKind", "Figure", "Period", "Pillar", "Point", "Report", "ReportOptions", "Section", "Series", "Shown",
    "State", "Unit", "build_report", "change_between", "day_text", "development_year_of", "exact", "headline",
    "parse_day", "parse_period", "people", "period_between", "suppress", "today_in",
]
