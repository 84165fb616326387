"""What the README tells a newcomer to type works as written: its commands name the
venv's technet (or make), and its examples agree with the sample data."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from storage.members import Role
from tests.harness import Script

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SUBCOMMANDS = r"(?:run|serve|shell|db|demo-data|role|import|report|digest|member|teams|deliveries)\b"


def test_readme_commands_use_the_venvs_technet():
    """Outside the venv a bare `technet` is not found: every command to type says where it is."""
    bare = re.findall(r"(?:`|^\s*)technet\s+" + SUBCOMMANDS + r"[^`\n]*", README, flags=re.MULTILINE)
    assert bare == []
    assert ".venv/bin/technet shell" in README and "make shell ROLE=organiser" in README


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_shell_plays_the_role_asked_for():
    planned = subprocess.run(["make", "-n", "shell", "ROLE=organiser"], cwd=ROOT, capture_output=True, text=True,
                             check=True, timeout=60).stdout
    assert ".venv/bin/technet demo-data" in planned and ".venv/bin/technet shell --as organiser" in planned


def test_the_readmes_find_example_finds_someone_in_the_sample_data(shell_for):
    examples = re.findall(r"\(e\.g\. `(/tech find [^`]+)`\)", README)
    assert examples, "the README gives no /tech find example"
    script: Script = shell_for(Role.MEMBER, *examples, ":quit")
    assert "Nobody in the directory matches" not in script.text
    assert script.text.count("matches* “") == len(examples)
