"""The design's seams, checked: storage knows nothing of Slack; help and handlers agree."""

import ast
import json
from pathlib import Path

from bot.app import create_app
from bot.runtime import Runtime
from tests.harness import settings_for

ROOT = Path(__file__).resolve().parents[1]
SLACK_MODULES = ("slack_bolt", "slack_sdk", "bot", "handlers", "digests")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_storage_and_content_never_import_slack_or_the_surfaces():
    offenders = []
    for folder in ("storage", "content"):
        for path in (ROOT / folder).rglob("*.py"):
            for module in imported_modules(path):
                if module.split(".")[0] in SLACK_MODULES:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


# Moved to the neutral reply model (core.ui): add a feature's modules here as it moves.
NEUTRAL_VIEWS = ("handlers/cpd_views.py", "handlers/dev_views.py", "handlers/mentor_views.py",
                 "handlers/register_views.py", "handlers/report_views.py")
DIGESTS_ON_CORE_VIEWS = ("digests/careers.py", "digests/mentoring.py")


def test_core_and_the_neutral_views_import_no_surface_and_those_digests_no_handler():
    # core/ sits beneath handlers and digests; a view built from core.ui is rendered by each surface,
    # never by itself; and a digest shows what core/views holds, not a handler's view.
    offenders = []
    for path in [*(ROOT / "core").rglob("*.py"), *(ROOT / name for name in NEUTRAL_VIEWS)]:
        offenders += [f"{path.relative_to(ROOT)} imports {module}" for module in imported_modules(path)
                      if module.split(".")[0] in SLACK_MODULES]
    for name in DIGESTS_ON_CORE_VIEWS:
        offenders += [f"{name} imports {module}" for module in imported_modules(ROOT / name)
                      if module.split(".")[0] == "handlers"]
    assert offenders == []


# The e-zine keeps each planned message as Slack renders it (bot.blocks), so a retry posts what was planned.
DIGESTS_ON_A_SURFACE = ("digests/ezine.py",)


def test_digests_send_through_the_delivery_interface_and_import_no_slack():
    # Digests send neutral messages through runtime.delivery (core.delivery), which renders them, and
    # retry on its DeliveryError: neither Slack's libraries nor its renderer (bot.blocks) are theirs.
    offenders = []
    for path in (ROOT / "digests").rglob("*.py"):
        name = str(path.relative_to(ROOT))
        for module in imported_modules(path):
            renderer = module in ("bot", "bot.blocks") and name not in DIGESTS_ON_A_SURFACE
            if module.split(".")[0] in ("slack_bolt", "slack_sdk") or renderer:
                offenders.append(f"{name} imports {module}")
    assert offenders == []


def test_importing_the_app_has_no_side_effects():
    # STYLE: no module reads the environment, builds an engine or calls Slack at import.
    for folder in ("bot", "handlers", "digests", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.Expr | ast.Assign) and isinstance(getattr(node, "value", None), ast.Call):
                    call = ast.unparse(node.value)
                    assert not any(word in call for word in ("create_engine", "WebClient(", "App(", "os.environ")), \
                        f"{path.relative_to(ROOT)} runs {call} at import"


# What a listener would use to wait for another thread (the ack's commit) instead of being handed it.
WAITING_CALLS = {"sleep", "wait", "wait_for", "wait_idle", "when_visible"}


def test_no_listener_sleeps_or_polls():
    # DESIGN decision 10: work after the ack is handed what it needs (bot.listeners.after_ack);
    # digests/ run inside requests too (a click sends its due rows), and wait for nobody either.
    offenders = []
    for path in [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "digests").rglob("*.py")]:
        for module in imported_modules(path):
            if module.split(".")[0] in ("time", "asyncio"):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in WAITING_CALLS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {ast.unparse(node.func)}")
    assert offenders == []


def served_subcommands(standin, database_url) -> dict[str, str]:
    runtime = Runtime.build(settings_for(standin, database_url))
    try:
        create_app(runtime)
        return dict(runtime.subcommands.names)
    finally:
        runtime.close()


def test_help_lists_exactly_the_subcommands_the_handlers_serve(standin, tmp_path):
    served = served_subcommands(standin, f"sqlite:///{tmp_path}/x.db")
    from content import load

    listed = {c.subcommand for c in load().commands}
    assert listed == set(served), "content/help.yaml and the registered /tech subcommands differ"


def listened_to() -> dict[str, set[object]]:
    """Commands, events and shortcuts that handlers/ register (its packages too), and the Slack adapter's
    listeners in bot/ that hand them to handlers (the route table's, and the events no person sends),
    read from their source."""
    import importlib

    found: dict[str, set[object]] = {"command": set(), "event": set(), "shortcut": set()}
    adapter = [ROOT / "bot" / "dispatch.py", ROOT / "bot" / "slack_events.py"]
    for path in [*(ROOT / "handlers").rglob("*.py"), *adapter]:
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr not in found or not node.args:
                continue
            # A shortcut may be routed (core.routes: `@routes.shortcut(...)`) rather than registered on the app.
            on = ("app", "routes") if node.func.attr == "shortcut" else ("app",)
            if not (isinstance(node.func.value, ast.Name) and node.func.value.id in on):
                continue
            arg = node.args[0]
            if isinstance(arg, ast.Constant):
                found[node.func.attr].add(arg.value)
            elif isinstance(arg, ast.Name):
                found[node.func.attr].add(getattr(module, arg.id))
            elif isinstance(arg, ast.Attribute):
                found[node.func.attr].add(eval(ast.unparse(arg), vars(module)))  # noqa: S307 - our own source
    # The adapter's own listeners take any id (a pattern) and ask the route table: only names count.
    return {kind: {name for name in names if isinstance(name, str)} for kind, names in found.items()}


def test_manifest_declares_what_the_handlers_listen_to_and_nothing_more():
    manifest = json.loads((ROOT / "manifest.json").read_text())
    declared_commands = {c["command"] for c in manifest["features"].get("slash_commands", [])}
    declared_events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    declared_shortcuts = {s["callback_id"] for s in manifest["features"].get("shortcuts", [])}
    listened = listened_to()
    assert listened["command"] == declared_commands
    assert listened["event"] == declared_events
    assert listened["shortcut"] == declared_shortcuts


def test_manifest_is_a_socket_mode_app_with_interactivity_and_home():
    manifest = json.loads((ROOT / "manifest.json").read_text())
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert "commands" in manifest["oauth_config"]["scopes"]["bot"]
