"""Counts shown with a noun say "1 nominee" and "2 nominees": storage.words, through what people see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from digests.runner import run_due
from storage.clock import now
from storage.words import noun, plural
from tests.harness import MEMBER, OTHER, PANEL, Harness
from tests.test_awards_slack import CLOSES, T0, nominate, open_cycle, slack  # noqa: F401 (slack: a fixture)


@pytest.mark.parametrize("count, one, many, shown, expected", [
    (1, "nominee", None, None, "1 nominee"),
    (0, "nominee", None, None, "0 nominees"),
    (2, "entry", "entries", None, "2 entries"),
    (1, "person is", "people are", None, "1 person is"),
    (1.0, "day", None, "1", "1 day"),
    (1.5, "day", None, "1.5", "1.5 days"),
    (0.999, "day", None, "1", "1 day"),
])
def test_plural_says_one_for_exactly_one(count: float, one: str, many: str | None, shown: str | None,
                                         expected: str):
    assert plural(count, one, many, shown=shown) == expected
    if shown is None:
        assert noun(count, one, many) == expected.split(" ", 1)[1]


def test_a_review_of_one_nominee_says_1_nominee(slack: Harness):  # noqa: F811 (the fixture)
    with freeze_time(T0) as frozen:
        cycle_id = open_cycle(slack)
        assert nominate(slack, MEMBER, cycle_id, OTHER).json()["response_action"] == "update"
        frozen.move_to(CLOSES)
        run_due(slack.runtime, now())
        frozen.move_to(CLOSES + timedelta(days=1))
        review = slack.command(PANEL, f"awards review {cycle_id}").text
    assert "1 nominee ·" in review and "1 nomination ·" in review and "of 2 panel members" in review
    assert "1 nominees" not in review and "1 nominations" not in review

