"""technet without the `teams` extra: every module imports, `technet serve` answers Slack as before and
/api/messages is 404, and asking for Teams says what is missing. The extra is hidden from the child
processes by a sitecustomize that refuses Microsoft's SDK and PyJWT, as an environment without them would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.standin import SlackStandIn, command_body, signed_headers
from tests.harness import TECHNET
from tests.test_e2e import SECRET, environment, post

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parent.parent

HIDE = '''
import importlib.abc, sys

class _WithoutTheTeamsExtra(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("microsoft_teams", "jwt"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _WithoutTheTeamsExtra())
'''

IMPORT_EVERYTHING = '''
import importlib, pkgutil
from bot.teams import available
assert available() is not None, "the extra was not hidden"
count = 0
for package in ("bot", "core", "handlers", "digests", "storage"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        if module.name.startswith("storage.migrations"):
            continue  # alembic loads those itself, inside a migration's context
        importlib.import_module(module.name)
        count += 1
print(count)
'''


@pytest.fixture
def hidden(tmp_path: Path) -> Path:
    (tmp_path / "hide").mkdir()
    (tmp_path / "hide" / "sitecustomize.py").write_text(HIDE, encoding="utf-8")
    return tmp_path / "hide"


def without_extra(env: dict[str, str], hidden: Path) -> dict[str, str]:
    return {**env, "PYTHONPATH": str(hidden)}


def test_every_module_imports_without_the_extra(hidden: Path):
    done = subprocess.run([sys.executable, "-c", IMPORT_EVERYTHING], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": f"{hidden}{os.pathsep}{ROOT}"}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 100


@pytest.fixture
def served_without_extra(database_url: str, standin: SlackStandIn, tmp_path: Path, hidden: Path) -> Iterator[str]:
    env = without_extra(environment(standin, database_url), hidden)
    upgrade = subprocess.run([TECHNET, "db", "upgrade"], env=env, cwd=tmp_path, capture_output=True, text=True,
                             timeout=120)
    assert upgrade.returncode == 0, upgrade.stderr
    process = subprocess.Popen([TECHNET, "serve", "--host", "127.0.0.1", "--port", "0"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stderr is not None
        line = process.stdout.readline()
        assert "serving on" in line and "/api/messages" not in line, process.stderr.read()
        yield line.strip().split("serving on ")[1].removesuffix("/slack/events")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


def test_slack_is_served_and_api_messages_is_404_without_the_extra(served_without_extra: str, standin: SlackStandIn):
    body = command_body("U0NOTEAMS", "help", response_url=standin.response_url())
    status, text = post(served_without_extra, body, signed_headers(SECRET, body))
    assert status == 200 and "/tech help" in text
    request = urllib.request.Request(served_without_extra + "/api/messages", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 404


def test_asking_for_teams_without_the_extra_says_what_to_install(database_url: str, standin: SlackStandIn,
                                                                 tmp_path: Path, hidden: Path):
    env = without_extra({**environment(standin, database_url), "TEAMS_APP_ID": "00000000-0000-4000-8000-000000000001",
                         "TEAMS_APP_PASSWORD": "secret"}, hidden)
    subprocess.run([TECHNET, "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=120)
    refused = subprocess.run([TECHNET, "serve", "--host", "127.0.0.1", "--port", "0"], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert "technet[teams]" in refused.stderr and "Traceback" not in refused.stderr
