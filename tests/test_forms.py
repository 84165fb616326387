"""What every form shows, whichever feature opens it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from freezegun import freeze_time

from tests.harness import MEMBER, ORGANISER, Harness
from tests.test_awards_slack import T0, open_cycle

ROOT = Path(__file__).resolve().parents[1]
# The forms a command opens, and who opens them.
FORMS = [(MEMBER, "nominate"), (MEMBER, "news"), (MEMBER, "cpd log"), (MEMBER, "profile"), (MEMBER, "mentor join"),
         (ORGANISER, "event new"), (ORGANISER, "awards new"), (ORGANISER, "dev add"), (ORGANISER, "announce")]


@pytest.mark.parametrize("user, command", FORMS)
def test_no_label_says_optional_slack_says_it_for_us(technet: Harness, user: str, command: str):
    # Slack adds "(optional)" to an optional input's label, as the shell does: "Link (optional)"
    # of ours showed as "Link (optional) (optional)".
    with freeze_time(T0):
        open_cycle(technet)
        before = len(technet.standin.calls_to("views.open"))
        technet.command(user, command)
    assert len(technet.standin.calls_to("views.open")) == before + 1, f"/tech {command} opened no form"
    labels = [b["label"]["text"] for b in technet.opened_view()["blocks"] if b.get("type") == "input"]
    assert labels and [label for label in labels if "optional" in label.lower()] == []


def test_no_handler_writes_optional_into_a_label():
    # The forms no command opens (edit, review, reply, cancel ...) are built from the same source.
    found = []
    for path in (ROOT / "handlers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "(optional)" in node.value:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert found == []
