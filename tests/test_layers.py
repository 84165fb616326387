"""The import contract: the layers of DESIGN decision 8, and the only directions imports may point.

    bot/ (the surfaces)  ->  handlers/  ->  digests/  ->  core/  ->  storage/  ->  content/

Read from the source (every import, at module level or inside a function, type-only ones too),
so a new arrow fails here before it becomes a habit.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLACK = {"slack_bolt", "slack_sdk"}
OURS = ("bot", "handlers", "digests", "core", "storage", "content")

# What each package may import of ours and of Slack's (itself always).
ALLOWED = {
    "bot": {"handlers", "digests", "core", "storage", "content"} | SLACK,
    # A command may drive what a digest does (`/tech digest publish` posts the e-zine now); no digest
    # imports a handler, so the arrow stays one way.
    "handlers": {"digests", "core", "storage", "content"},
    "digests": {"core", "storage", "content"},
    "core": {"storage", "content"},
    "storage": {"content"},
    "content": set(),
}


def imports_of(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name.split(".")[0] for name in names}


def arrows() -> dict[tuple[str, str], list[str]]:
    """{(package, package or Slack library it imports): [the files that do]}."""
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for package in OURS:
        for path in sorted((ROOT / package).rglob("*.py")):
            for top in imports_of(path):
                if top != package and (top in OURS or top in SLACK):
                    found[(package, top)].append(str(path.relative_to(ROOT)))
    return found


# Listeners not yet on the route table still take Bolt's arguments (issue #14, item 4); each
# feature leaves this list when its listeners move to core.routes. Nothing may join it.
NOT_YET_ROUTED: set[str] = set()


def test_every_import_points_down_the_layers():
    offenders = [f"{file} imports {target}" for (package, target), files in sorted(arrows().items())
                 if target not in ALLOWED[package] for file in files if file not in NOT_YET_ROUTED]
    assert offenders == []


def test_no_cycle_between_packages():
    edges = {(a, b) for (a, b) in arrows() if b in OURS}
    for a, b in edges:
        assert (b, a) not in edges, f"{a} and {b} import each other"


def test_the_list_of_modules_not_yet_routed_only_shrinks():
    # A module on the list that no longer needs to be there must leave it, so the list stays true.
    still_needed = {file for (package, target), files in arrows().items() if target not in ALLOWED[package]
                    for file in files}
    assert NOT_YET_ROUTED <= still_needed
