"""Suppression holds for every small group: checked by a reader who knows the rule and
works out, by exhaustive sums, every value a suppressed cell could take."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from storage import report
from storage.report import State

cells_strategy = st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=6)


def reachable_sums(domains: list[range]) -> set[int]:
    sums = {0}
    for domain in domains:
        sums = {s + v for s in sums for v in domain}
    return sums


def possible_values(shown: dict[str, report.Shown], total: report.Shown | None, k: int,
                    bound: int) -> dict[str, set[int]]:
    """For each suppressed cell, every value consistent with what is shown (the rule known)."""
    def domain(s: report.Shown) -> range:
        if s.state == State.EXACT:
            assert s.value is not None
            return range(int(s.value), int(s.value) + 1)
        if s.state == State.FEWER:
            return range(1, k)
        return range(k, bound + 1)

    if total is None or total.state == State.WITHHELD:
        allowed = None
    elif total.state == State.EXACT:
        assert total.value is not None
        allowed = {int(total.value)}
    else:
        allowed = set(range(1, k))
    result = {}
    for name, s in shown.items():
        if s.state == State.EXACT:
            continue
        others = reachable_sums([domain(o) for n, o in shown.items() if n != name])
        result[name] = {v for v in domain(s) if allowed is None or any(t - v in others for t in allowed)}
    return result


@settings(max_examples=300, deadline=None)
@given(cells_strategy, st.sampled_from([3, 5]), st.booleans())
def test_no_small_group_can_be_worked_out(values: list[int], k: int, with_total: bool):
    cells = {f"group {i}": v for i, v in enumerate(values)}
    count = sum(values)
    total = report.people(count, k) if with_total else None
    result = report.suppress(cells, k, total=total)
    shown_total = total if result.total_shown else report.Shown(State.WITHHELD)
    for name, v in cells.items():
        s = result.cells[name]
        # Primary: every group of 1 to k-1 shows as "fewer than k" and keeps no number.
        if 0 < v < k:
            assert s.state == State.FEWER and s.value is None and s.text == f"fewer than {k}"
        elif s.state == State.EXACT:
            assert s.value == v and (v == 0 or v >= k)
        else:
            assert s.state == State.WITHHELD and s.value is None and v >= k
    # Complementary: no suppressed cell has a single possible value given the total and the others.
    possible = possible_values(result.cells, shown_total, k, bound=max(count, k))
    for name, values_left in possible.items():
        assert cells[name] in values_left, "the truth must stay consistent with what is shown"
        assert len(values_left) >= 2, (cells, {n: s.text for n, s in result.cells.items()}, shown_total)


@given(cells_strategy)
def test_without_small_groups_nothing_is_withheld(values: list[int]):
    cells = {f"g{i}": v if v == 0 else v + 5 for i, v in enumerate(values)}
    result = report.suppress(cells, 5, total=report.people(sum(cells.values()), 5))
    assert result.total_shown and all(s.state == State.EXACT for s in result.cells.values())


def test_one_small_department_takes_the_next_smallest_with_it():
    result = report.suppress({"Chemistry": 40, "Physics": 12, "Glassblowing": 3, "Biosciences": 25}, 5,
                             total=report.exact(80))
    assert {n: s.text for n, s in result.cells.items()} == {
        "Chemistry": "40", "Physics": "withheld", "Glassblowing": "fewer than 5", "Biosciences": "25"}
    assert result.total_shown


def test_when_nothing_else_can_hide_a_small_group_the_total_is_withheld():
    # 1 and 5 with the total 6 shown: "fewer than 5" plus "at least 5" makes 6, so the small one is 1.
    result = report.suppress({"A": 1, "B": 5}, 5, total=report.exact(6))
    assert {s.state for s in result.cells.values()} == {State.FEWER, State.WITHHELD}
    assert not result.total_shown


def test_people_counts_and_things():
    assert report.people(0, 5).text == "0"
    assert report.people(4, 5).text == "fewer than 5"
    assert report.people(5, 5).text == "5"
    assert report.people(1234, 5).text == "1,234"
