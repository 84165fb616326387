"""The `technet` command: run, serve, shell, db upgrade, demo-data, role."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from dotenv import load_dotenv
from sqlalchemy.exc import OperationalError

from bot.config import ConfigError, Settings
from content import ContentError
from storage.db import SchemaOutOfDate


class Refused(Exception):
    """A command cannot go on; the message says why in one line."""


def main(argv: Sequence[str] | None = None) -> int:
    load_dotenv(os.environ.get("TECHNET_ENV_FILE", ".env"))
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return int(args.func(settings, args) or 0)
    except (ConfigError, SchemaOutOfDate, ContentError, Refused) as e:
        print(f"technet: {e}", file=sys.stderr)
        return 2
    except OperationalError as e:
        print(f"technet: cannot use the database: {str(e.orig).strip().splitlines()[0]}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="technet", description="The technician network's Slack bot.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="connect to Slack in Socket Mode (needs SLACK_APP_TOKEN)")
    run.add_argument("--no-scheduler", action="store_true", help="do not post scheduled items from this process")
    run.set_defaults(func=cmd_run)

    serve = sub.add_parser("serve", help="serve Slack's HTTP requests at /slack/events")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    serve.add_argument("--no-scheduler", action="store_true", help="do not post scheduled items from this process")
    serve.set_defaults(func=cmd_serve)

    shell = sub.add_parser("shell", help="talk to the bot in this terminal, no Slack account needed")
    shell.add_argument("--as", dest="role", choices=["member", "organiser", "panel", "admin"], default="member")
    shell.set_defaults(func=cmd_shell)

    db = sub.add_parser("db", help="database migrations")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply every migration").set_defaults(func=cmd_db_upgrade)
    db_sub.add_parser("current", help="show the database's revision").set_defaults(func=cmd_db_current)
    revision = db_sub.add_parser("revision", help="write a migration from the models' changes (developers)")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(func=cmd_db_revision)

    demo = sub.add_parser("demo-data", help="add sample members (running it twice adds nothing)")
    demo.set_defaults(func=cmd_demo_data)

    role = sub.add_parser("role", help="grant or revoke a stored role")
    role.add_argument("action", choices=["grant", "revoke"])
    role.add_argument("user_id", help="Slack user id, e.g. U0123ABCD")
    role.add_argument("role", choices=["organiser", "panel", "admin"])
    role.set_defaults(func=cmd_role)
    return parser


def _runtime(settings: Settings, *, threads: int = 8):  # type: ignore[no-untyped-def]
    from bot.runtime import Runtime

    runtime = Runtime.build(settings, threads=threads)
    runtime.db.check_schema()
    return runtime


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app
    from bot.scheduler import start_scheduler

    settings.require("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    runtime = _runtime(settings)
    app = create_app(runtime, process_before_response=False)
    scheduler = None if args.no_scheduler else start_scheduler(runtime)
    handler = SocketModeHandler(app, settings.app_token)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        handler.connect()
        print("technet: connected to Slack in Socket Mode", flush=True)
        stopping.wait()
    finally:
        handler.close()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        runtime.close()
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import create_app
    from bot.http import HttpServer, TechnetWSGI
    from bot.scheduler import start_scheduler

    settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    runtime = _runtime(settings, threads=args.threads)
    app = create_app(runtime, process_before_response=True)
    server = HttpServer(TechnetWSGI(app, runtime.db), host=args.host, port=args.port, threads=args.threads)
    scheduler = None if args.no_scheduler else start_scheduler(runtime)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: server.stop())
    logging.getLogger("technet").info("serving Slack requests on %s/slack/events", server.url)
    print(f"technet: serving on {server.url}/slack/events", flush=True)
    try:
        server.serve()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        runtime.close()
    return 0


def cmd_shell(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import create_app
    from bot.runtime import Runtime
    from bot.shell import Shell, shell_settings, stand_in_workspace
    from bot.standin import SlackStandIn
    from storage.members import Role

    if settings.log_level == "INFO":
        # Routine log lines would interleave with the conversation; warnings still show.
        logging.getLogger().setLevel(logging.WARNING)
    with SlackStandIn() as standin:
        shell_config, persona = shell_settings(settings, Role(args.role), api_url=standin.api_url)
        stand_in_workspace(standin, shell_config)
        runtime = Runtime.build(shell_config, threads=4)
        try:
            runtime.db.check_schema()
            Shell(runtime, create_app(runtime), standin, persona).run()
        finally:
            runtime.close()
    return 0


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from storage.db import Database

    db = Database(settings.database_url)
    db.upgrade()
    print(f"technet: database at {', '.join(sorted(db.current_revisions()))}")
    db.dispose()
    return 0


def cmd_db_current(settings: Settings, args: argparse.Namespace) -> int:
    from storage.db import Database

    db = Database(settings.database_url)
    current, heads = db.current_revisions(), db.head_revisions()
    state = "up to date" if current == heads else f"behind; run `technet db upgrade` to reach {', '.join(sorted(heads))}"
    print(f"technet: database at {', '.join(sorted(current)) or 'nothing (empty)'}: {state}")
    db.dispose()
    return 0


def cmd_db_revision(settings: Settings, args: argparse.Namespace) -> int:
    from alembic import command

    from storage.db import Database

    db = Database(settings.database_url)
    db.check_schema()
    command.revision(db.alembic_config(), message=args.message, autogenerate=True)
    db.dispose()
    return 0


def cmd_demo_data(settings: Settings, args: argparse.Namespace) -> int:
    from bot.demo import load_demo_data
    from storage.clock import now
    from storage.db import Database

    db = Database(settings.database_url)
    db.check_schema()
    added = load_demo_data(db, now=now())
    print(f"technet: sample data loaded ({added} new member{'s' if added != 1 else ''})")
    db.dispose()
    return 0


def cmd_role(settings: Settings, args: argparse.Namespace) -> int:
    from storage import members
    from storage.db import Database
    from storage.errors import DomainError

    db = Database(settings.database_url)
    db.check_schema()
    change = members.grant_role if args.action == "grant" else members.revoke_role
    try:
        with db.transaction() as session:
            member = change(session, None, args.user_id, members.Role(args.role))
            roles = ", ".join(member.roles) or "member only"
    except DomainError as e:
        raise Refused(e.message) from None
    finally:
        db.dispose()
    print(f"technet: {args.user_id} now has: {roles}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
