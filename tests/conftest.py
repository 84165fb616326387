"""Fixtures: a real database (SQLite and PostgreSQL), the Slack stand-in, a served app, the local shell.

Also `technet run` as a process, connected to a Socket Mode stand-in (`running`, `socket_mode`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.app import create_app
from core.settings import Settings
from bot.demo import load_demo_data
from bot.runtime import Runtime
from bot.shell import Shell, shell_settings, stand_in_workspace
from bot.standin import SlackStandIn
from bot.standin_socket import SocketModeStandIn
from storage.clock import now
from storage.db import Database
from storage.members import Role
from tests.harness import TECHNET, Harness, Script, settings_for

PG_URL = os.environ.get("TECHNET_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# CI sets this so an unreachable PostgreSQL fails the run instead of skipping half of it.
REQUIRE_PG = os.environ.get("TECHNET_REQUIRE_POSTGRES") == "1"
RUN_ID = uuid.uuid4().hex[:8]


class PostgresDatabases:
    """A migrated template database per test run; each test gets a fresh copy of it."""

    def __init__(self, admin_url: str):
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        self.base_url = make_url(admin_url)
        self.template = f"technet_tpl_{RUN_ID}"
        self.count = 0
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.template}"'))
        template_db = Database(self.url_for(self.template))
        template_db.upgrade()
        template_db.dispose()

    def url_for(self, name: str) -> str:
        return self.base_url.set(database=name).render_as_string(hide_password=False)

    def create(self) -> str:
        self.count += 1
        name = f"technet_t_{RUN_ID}_{self.count}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return name

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        self.drop(self.template)
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresDatabases]:
    try:
        databases = PostgresDatabases(PG_URL)
    except Exception as e:  # any reason the server cannot be used
        reason = f"PostgreSQL not usable at {PG_URL}: {str(e).splitlines()[0]}"
        if REQUIRE_PG:
            pytest.fail(reason)
        pytest.skip(reason)
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = tmp_path_factory.mktemp("template") / "technet.db"
    template = Database(f"sqlite:///{path}")
    template.upgrade()
    # Closing the last connection checkpoints the WAL into the main file.
    template.dispose()
    return path.read_bytes()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of a fresh, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "technet.db"
        path.write_bytes(request.getfixturevalue("sqlite_template"))
        yield f"sqlite:///{path}"
        return
    postgres: PostgresDatabases = request.getfixturevalue("postgres")
    name = postgres.create()
    yield postgres.url_for(name)
    postgres.drop(name)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def technet(database_url: str, standin: SlackStandIn) -> Iterator[Harness]:
    """The real app served over HTTP on a free loopback port, against the stand-in."""
    harness = Harness(settings_for(standin, database_url), standin)
    yield harness
    harness.close()


@pytest.fixture
def shell_for(database_url: str, standin: SlackStandIn, tmp_path: Path) -> Iterator[Callable[..., Script]]:
    """`technet shell` as `role` with the demo data: shell_for(Role.MEMBER, "/tech help", ":quit") -> its Script."""
    runtimes: list[Runtime] = []

    def start(role: Role, *lines: str | Callable[[str], str]) -> Script:
        settings, persona = shell_settings(Settings(database_url=database_url), role, api_url=standin.api_url)
        stand_in_workspace(standin, settings)
        runtime = Runtime.build(settings, threads=2)
        runtimes.append(runtime)
        load_demo_data(runtime.db, now=now())
        script = Script(*lines)
        script.runtime = runtime
        Shell(runtime, create_app(runtime), standin, persona, read=script.read, write=script.output.append,
              files=tmp_path / "shell-files").run()
        return script

    yield start
    for runtime in runtimes:
        runtime.close()


@pytest.fixture
def socket_mode(standin: SlackStandIn) -> Iterator[SocketModeStandIn]:
    server = SocketModeStandIn().start()
    standin.socket_mode_url = server.url
    yield server
    server.stop()


@pytest.fixture
def running(database_url: str, standin: SlackStandIn, socket_mode: SocketModeStandIn,
            tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """`technet run` as a process, connected to the Socket Mode stand-in."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "SLACK_API_URL": standin.api_url,
           "SLACK_BOT_TOKEN": "xoxb-socket", "SLACK_APP_TOKEN": "xapp-socket", "DATABASE_URL": database_url,
           "TECHNET_LOG_LEVEL": "WARNING"}
    subprocess.run([TECHNET, "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True, timeout=120)
    process = subprocess.Popen([TECHNET, "run"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        socket_mode.wait_connected()
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0


@pytest.fixture
def teams_standin() -> Iterator[Any]:
    """The Teams stand-ins on loopback: Bot Connector, OpenID metadata and JWKS, token endpoint."""
    from tests.teams_harness import TeamsStandIn  # skips the test without the teams extra

    with TeamsStandIn() as running:
        yield running


@pytest.fixture
def teams(database_url: str, teams_standin: Any) -> Iterator[Any]:
    """technet serving Teams alone, on a free loopback port."""
    from tests.teams_harness import TeamsHarness, teams_settings

    harness = TeamsHarness(teams_settings(teams_standin, database_url), teams_standin)
    yield harness
    harness.close()
