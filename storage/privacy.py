"""What a figure about people may show, on every surface (the network report, the
organisers' summaries, the Home tab, the e-zine): counts of people below the threshold as
"fewer than N", figures about a group smaller than N (its median, its share, its
nominations) withheld, and the complementary suppression that keeps a total from giving a
small group away. The threshold is TECHNET_REPORT_MIN_GROUP (default 5)."""

from __future__ import annotations

import enum
import statistics
from collections.abc import Collection, Mapping
from dataclasses import dataclass


# TECHNET_REPORT_MIN_GROUP's default: where no setting reaches, this is the threshold.
MIN_GROUP = 5


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


def withheld(unit: Unit = Unit.COUNT, min_group: int = MIN_GROUP) -> Shown:
    return Shown(State.WITHHELD, None, unit, min_group)


def of_group(value: float, group: int, min_group: int, unit: Unit = Unit.COUNT) -> Shown:
    """A figure about a group of people that is not itself a count of them (their
    nominations, their places, their median): withheld while the group is 1 to N-1, so
    that it cannot be one person's."""
    if 0 < group < min_group:
        return withheld(unit, min_group)
    return exact(value, unit, min_group)


def median(values: Collection[float], min_group: int, unit: Unit = Unit.DAYS) -> Shown:
    """The median of one value per person: withheld for 1 to N-1 people, nothing for nobody."""
    if not values:
        return Shown(State.NONE, None, unit, min_group)
    return of_group(round(statistics.median(values), 2), len(values), min_group, unit)


def share(yes: int, of: int, min_group: int) -> Shown:
    """yes/of of a group of people: withheld when either side is 1 to N-1, since the share and
    the size of the group would give that small side away."""
    if not of:
        return Shown(State.NONE, None, Unit.SHARE, min_group)
    if 0 < yes < min_group or 0 < of - yes < min_group:
        return withheld(Unit.SHARE, min_group)
    return exact(yes / of, Unit.SHARE, min_group)


def share_of(part: Shown, whole: Shown) -> Shown:
    """The share of two counts as they are shown: only when both are shown exactly (a share of
    a suppressed count would give it back), and then by `share`."""
    k = whole.min_group
    if not (part.exact and whole.exact):
        return withheld(Unit.SHARE, k)
    assert part.value is not None and whole.value is not None
    return share(int(part.value), int(whole.value), k)


def part_of(part: int, whole: int, min_group: int) -> tuple[Shown, bool]:
    """Some of a group of people (those who logged CPD, of the members): the part as it may be
    shown, suppressed with the rest of the group as the other cell (a whole of 7 and a part of 6
    would show one person), and whether the whole may still be shown beside it."""
    cells = suppress({"part": part, "rest": whole - part}, min_group, total=people(whole, min_group))
    return cells.cells["part"], cells.total_shown


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


def suppress(cells: Mapping[str, int], min_group: int, *, total: Shown | None = None,
             about_few: Collection[str] = ()) -> Breakdown:
    """Primary and complementary suppression of a breakdown of people.

    `cells` are counts of people that add up to `total` (shown exactly, or as "fewer
    than N"); `total=None` means no total is shown beside them. A cell of 1 to N-1 is
    "fewer than N". `about_few` names cells that are withheld whatever their size,
    being about 1 to N-1 people (a cycle's nominations of fewer than N nominees). While
    a suppressed cell could be worked out from what is shown (the total, the other
    cells, and the rule itself: a small cell is 1 to N-1, a withheld one at least N),
    the smallest cell still shown is withheld too, and when none is left the total is
    withheld.
    """
    k = min_group
    forced = {name for name in about_few if cells.get(name, 0) >= k}
    fewer = {name for name, n in cells.items() if 0 < n < k}
    withheld: set[str] = set(forced)
    total_shown = True
    if (fewer or forced) and total is not None and total.state != State.WITHHELD:
        candidates = sorted((n, name) for name, n in cells.items() if name not in fewer | forced and n > 0)
        while _pinned(cells, fewer, withheld, total, k, forced):
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


def _pinned(cells: Mapping[str, int], fewer: set[str], withheld: set[str], total: Shown, k: int,
            forced: Collection[str] = ()) -> bool:
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
        elif name in forced:
            # Withheld for what it is about, not for its size: at least N, and no more than the rest allows.
            bounds[name] = (k, max(k, high_sum))
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
