"""The `technet` command: run, serve, shell, db upgrade, demo-data, role."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from dotenv import load_dotenv
from sqlalchemy.exc import OperationalError

from bot import config
from bot.config import ConfigError
from core.settings import Settings
from content import ContentError
from storage.db import SchemaOutOfDate
from storage.words import plural

if TYPE_CHECKING:
    from bot.runtime import Runtime  # for the annotation; _runtime imports it when a command needs it
    from storage.csv_import import ImportReport


class Refused(Exception):
    """A command cannot go on; the message says why in one line."""


class _RoutineAlembic(logging.Filter):
    """Alembic names its dialect and DDL mode each time it reads the schema revision, which
    every command does at start: noise. Its "Running upgrade" lines still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(("Context impl", "Will assume"))


def main(argv: Sequence[str] | None = None) -> int:
    load_dotenv(os.environ.get("TECHNET_ENV_FILE", ".env"))
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = config.from_env()
        logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        logging.getLogger("alembic.runtime.migration").addFilter(_RoutineAlembic())
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

    serve = sub.add_parser("serve", help="serve Slack's HTTP requests at /slack/events and Teams' at /api/messages")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    serve.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")
    serve.add_argument("--no-scheduler", action="store_true", help="do not post scheduled items from this process")
    serve.set_defaults(func=cmd_serve)

    shell = sub.add_parser("shell", help="talk to the bot in this terminal, no Slack account needed")
    shell.add_argument("--as", dest="role", choices=["member", "organiser", "panel", "admin"], default="member")
    shell.add_argument("--files", metavar="DIR", default="var/shell-files",
                       help="where files the bot sends (.ics, CSV, the report) are saved (default: var/shell-files)")
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
    role.add_argument("user_id", help="Slack user id, e.g. U0123ABCD (or slack:U0123ABCD, teams:<user id>)")
    role.add_argument("role", choices=["organiser", "panel", "admin"])
    role.set_defaults(func=cmd_role)

    imports = sub.add_parser("import", help="add many records at once from a file")
    import_sub = imports.add_subparsers(dest="import_kind", required=True, metavar="WHAT")
    opportunities = import_sub.add_parser(
        "opportunities", help="development opportunities from CSV (all rows or none; problems listed by line)")
    opportunities.add_argument("file", help="CSV with the columns title, kind, description, provider, link, "
                                            "cost, starts, ends, deadline, tags")
    opportunities.set_defaults(func=cmd_import_opportunities)
    plan = import_sub.add_parser(
        "actions", help="the action plan from CSV (all rows or none; problems listed by line)")
    plan.add_argument("file", help="CSV with the columns action, pillar, owner (email or user id; several "
                                   "separated by ;), due, measure, status")
    plan.set_defaults(func=cmd_import_actions)

    report = sub.add_parser("report", help="the network report (Technician Commitment measures) as HTML, CSV or "
                                           "Markdown; counts only, small groups suppressed")
    report.add_argument("--from", dest="first_day", metavar="YYYY-MM-DD",
                        help="first day (with --to; without both: this development year)")
    report.add_argument("--to", dest="last_day", metavar="YYYY-MM-DD", help="last day, included")
    report.add_argument("--format", choices=["html", "csv", "md"], default="html")
    report.add_argument("--out", default="-", metavar="PATH", help="file to write (default: standard output)")
    report.set_defaults(func=cmd_report)

    sent = sub.add_parser("deliveries", help="the delivery report: per scheduled post, sent, pending and failed "
                                             "with the reasons; or every attempt as CSV")
    sent.add_argument("--since", default="1d", metavar="DURATION", help="posts due in this time: 1d, 12h, 7d ...")
    sent.add_argument("--csv", action="store_true", help="every attempt as CSV (formula-safe) instead")
    sent.set_defaults(func=cmd_deliveries)

    teams = sub.add_parser("teams", help="Microsoft Teams: write the app package to upload")
    teams.add_argument("action", choices=["package"])
    teams.add_argument("--out", default="technet-teams.zip", metavar="PATH", help="the zip to write")
    teams.add_argument("--website", required=True, metavar="URL",
                       help="https address of the network's page (the package's developer, privacy and terms links)")
    teams.set_defaults(func=cmd_teams)

    digest = sub.add_parser("digest", help="the e-zine: preview the next issue, publish it now, export it as HTML")
    digest.add_argument("action", choices=["preview", "publish", "export", "archive"])
    digest.add_argument("--html", metavar="PATH", help="with export: the file to write the issue to")
    digest.add_argument("--issue", metavar="YYYY-MM-DD", help="with export: a past issue (see archive); "
                                                            "default: the next one")
    digest.set_defaults(func=cmd_digest)

    member = sub.add_parser("member", help="personal data: a member's copy, or their erasure (admins)")
    member_sub = member.add_subparsers(dest="member_command", required=True, metavar="ACTION")
    export = member_sub.add_parser("export", help="everything technet holds about a member, as JSON or HTML")
    export.add_argument("user_id", help="their user id, e.g. U0123ABCD (or slack:U0123ABCD, teams:<user id>)")
    export.add_argument("--out", required=True, metavar="FILE", help="file to write (.html: the readable page; "
                                                                     "anything else: JSON)")
    export.set_defaults(func=cmd_member_export)
    erase = member_sub.add_parser("erase", help="erase a member's personal data (asks to confirm; cannot be undone)")
    erase.add_argument("user_id", help="their user id, as for export")
    erase.add_argument("--yes", action="store_true", help="do not ask to confirm (for scripts)")
    erase.set_defaults(func=cmd_member_erase)
    return parser


def _runtime(settings: Settings, *, threads: int = 8) -> Runtime:
    from bot.runtime import Runtime

    runtime = Runtime.build(settings, threads=threads)
    runtime.db.check_schema()
    return runtime


def cmd_run(settings: Settings, args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app
    from bot.scheduler import start_scheduler

    config.require(settings, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
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
    from bot.http import HttpServer, TechnetWSGI
    from bot.scheduler import start_scheduler

    from bot.teams.serving import surfaces

    config.require_surface(settings)
    runtime = _runtime(settings, threads=args.threads)
    app, teams = surfaces(runtime, slack=config.serves_slack(settings), teams=config.serves_teams(settings))
    from bot.web import NetworkSite

    network_site = NetworkSite(runtime.db, settings)
    wsgi = TechnetWSGI(app, runtime.db, signing_secret=settings.signing_secret or "", teams=teams,
                       site=network_site)
    server = HttpServer(wsgi, host=args.host, port=args.port, threads=args.threads)
    scheduler = None if args.no_scheduler else start_scheduler(runtime)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: server.stop())
    paths = [p for p, on in (("/slack/events", app is not None), ("/api/messages", teams is not None)) if on]
    logging.getLogger("technet").info("serving on %s: %s", server.url, ", ".join(paths))
    print(f"technet: serving on {server.url}{paths[0]}" + "".join(f" and {p}" for p in paths[1:]), flush=True)
    print(f"technet: public pages on {settings.public_url or server.url}/network/", flush=True)
    try:
        server.serve()
    finally:
        network_site.views.flush()  # the page views still held in memory
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        runtime.close()
    return 0


def cmd_shell(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

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
            Shell(runtime, create_app(runtime), standin, persona, files=Path(args.files)).run()
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
    state = ("up to date" if current == heads
             else f"behind; run `technet db upgrade` to reach {', '.join(sorted(heads))}")
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
    print(f"technet: sample data loaded ({plural(added, 'new member')})")
    db.dispose()
    return 0


def cmd_role(settings: Settings, args: argparse.Namespace) -> int:
    from bot.slack_refs import configured_identity
    from storage import members
    from storage.db import Database
    from storage.errors import DomainError

    db = Database(settings.database_url)
    db.check_schema()
    change = members.grant_role if args.action == "grant" else members.revoke_role
    try:
        with db.transaction() as session:
            member = change(session, None, configured_identity(args.user_id), members.Role(args.role))
            roles = ", ".join(member.roles) or "member only"
    except DomainError as e:
        raise Refused(e.message) from None
    finally:
        db.dispose()
    print(f"technet: {args.user_id} now has: {roles}")
    return 0


def cmd_import_opportunities(settings: Settings, args: argparse.Namespace) -> int:
    from storage import opportunities

    return _run_import(settings, args.file, opportunities.import_csv, ("opportunity", "opportunities"))


def cmd_deliveries(settings: Settings, args: argparse.Namespace) -> int:
    from bot.config import ConfigError, duration
    from core.views.deliveries import lines
    from storage import delivery_report
    from storage.clock import now
    from storage.db import Database

    try:
        since = now() - duration(args.since, "--since")
    except ConfigError as e:
        raise Refused(str(e)) from None
    db = Database(settings.database_url)
    try:
        db.check_schema()
        with db.reading() as session:
            if args.csv:
                sys.stdout.write(delivery_report.attempts_csv(session, since=since))
                return 0
            posts = delivery_report.report(session, since=since)
    finally:
        db.dispose()
    print(f"Deliveries due since {since:%Y-%m-%d %H:%M} UTC")
    for line in lines(posts):
        print(f"- {line}")
    return 0


def cmd_import_actions(settings: Settings, args: argparse.Namespace) -> int:
    from storage import actions

    return _run_import(settings, args.file, actions.import_csv, ("action", "actions"))


def _run_import(settings: Settings, path: str, import_csv: Callable[..., ImportReport],
                noun: tuple[str, str]) -> int:
    """Import a CSV file in one transaction (all rows or none) and report: what was added, or each problem."""
    from storage.clock import now
    from storage.csv_import import ImportRefused
    from storage.db import Database

    text = _read_csv(path)
    db = Database(settings.database_url)
    try:
        db.check_schema()
        with db.transaction() as session:
            report = import_csv(session, text, now=now(), tz=settings.tz)
    except ImportRefused as e:
        for problem in e.problems:
            print(f"{path}: {problem}", file=sys.stderr)
        print(f"technet: nothing imported; fix the {plural(len(e.problems), 'problem')} above and run it again",
              file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(f"technet: {plural(report.added, *noun)} added, {report.updated} updated, from {path}")
    return 0


def _read_csv(path: str) -> str:
    try:
        # utf-8-sig: spreadsheets often start a UTF-8 CSV with a byte-order mark.
        with open(path, "rb") as file:
            return file.read().decode("utf-8-sig")
    except OSError as e:
        raise Refused(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise Refused(f"{path} is not UTF-8 text: save it from the spreadsheet as \"CSV UTF-8\"") from None


def cmd_report(settings: Settings, args: argparse.Namespace) -> int:
    from core.templating import environment
    from digests.report_files import options_for, render
    from storage import report
    from storage.clock import now
    from storage.db import Database
    from storage.errors import DomainError

    options, moment = options_for(settings), now()
    try:
        if (args.first_day is None) != (args.last_day is None):
            raise Refused("give both --from and --to, or neither for this development year")
        if args.first_day is None:
            period = report.parse_period("this year", now=moment, options=options)
        else:
            period = report.period_between(report.parse_day(args.first_day, "--from"),
                                           report.parse_day(args.last_day, "--to"), options,
                                           today=report.today_in(moment, options))
    except DomainError as e:
        raise Refused(e.message.replace("`", "")) from None
    db = Database(settings.database_url)
    try:
        db.check_schema()
        with db.reading() as session:
            built = report.build_report(session, None, period, now=moment, options=options)
    finally:
        db.dispose()
    text = render(built, args.format, environment(settings.content_dir))
    if args.out == "-":
        sys.stdout.write(text)
    else:
        try:
            with open(args.out, "w", encoding="utf-8", newline="") as file:
                file.write(text)
        except OSError as e:
            raise Refused(f"cannot write {args.out}: {e.strerror}") from None
        print(f"technet: the report for {period.label} ({period.range_text}) is in {args.out}", file=sys.stderr)
    return 0


def cmd_teams(settings: Settings, args: argparse.Namespace) -> int:
    from pathlib import Path

    import content
    from bot.teams.package import package

    if settings.teams_app_id is None:
        raise ConfigError("TEAMS_APP_ID is not set: the package names the bot by its Entra app's Application ID")
    if not args.website.startswith("https://"):
        raise ConfigError(f"--website must be an https address; got {args.website!r}")
    Path(args.out).write_bytes(package(settings.teams_app_id, args.website, content.load(settings.content_dir)))
    print(f"technet: wrote {args.out}; upload it in Teams (Apps, Manage your apps, Upload an app)")
    return 0


def cmd_digest(settings: Settings, args: argparse.Namespace) -> int:
    """The e-zine from the command line; a broken template override is named by file and line."""
    from bot.render import render_blocks
    from digests import ezine as digest
    from storage import ezine
    from storage.clock import now
    from storage.errors import DomainError

    if settings.digest_template_dir is not None:
        problems = digest.check_overrides(settings.digest_template_dir)
        if problems:
            raise Refused("an e-zine template override is broken: " + "; ".join(problems))
    if args.action == "publish":
        config.require(settings, "SLACK_BOT_TOKEN")
    if args.action == "export" and not args.html:
        raise Refused("export needs --html PATH, the file to write")
    runtime = _runtime(settings, threads=2)
    try:
        if args.action == "archive":
            with runtime.db.reading() as session:
                for issue in ezine.archive(session, limit=100):
                    print(f"{issue.period}  {plural(issue.items, 'item')}  {issue.permalink or ''}")
            return 0
        if args.action == "publish":
            info = digest.publish(runtime, None, now())
            print(f"technet: the e-zine of {info.period}: {info.messages_posted} of {info.messages_planned} "
                  f"messages posted ({info.status})")
            return 0
        if args.action == "export" and args.issue:
            with runtime.db.reading() as session:
                html = ezine.archived_html(session, args.issue)
        else:
            preview = digest.preview(runtime, now(), strict=True)
            if preview.rendered is None:
                raise Refused(f"the e-zine due {preview.info.period} has nothing in it yet")
            if args.action == "preview":
                for change in preview.changes:
                    again = " (new to the organisers: an approved issue is put to them again)" if change.asks else ""
                    print(f"technet: changed since it was sent for approval: {change.note}{again}", file=sys.stderr)
                for text, message in digest.kept_messages(runtime.delivery, preview.rendered.messages):
                    print(f"── {text}")
                    print(render_blocks(message, container={}).text)
                return 0
            html = preview.rendered.html
        try:
            with open(args.html, "w", encoding="utf-8") as file:
                file.write(html)
        except OSError as e:
            raise Refused(f"cannot write {args.html}: {e.strerror}") from None
        print(f"technet: the e-zine is in {args.html}", file=sys.stderr)
        return 0
    except (digest.TemplateProblem, DomainError) as e:
        raise Refused(str(e) if isinstance(e, digest.TemplateProblem) else e.message) from None
    finally:
        runtime.close()



def cmd_member_export(settings: Settings, args: argparse.Namespace) -> int:
    """A member's copy for an admin (a subject access request); logged, without its content."""
    from bot.slack_refs import configured_identity
    from core.templating import environment
    from digests.personal_data import render
    from storage.clock import now
    from storage.db import Database
    from storage.errors import DomainError
    from storage.members import get_member
    from storage.personal_data.export import export_member

    db = Database(settings.database_url)
    try:
        db.check_schema()
        with db.reading() as session:
            member = get_member(session, configured_identity(args.user_id))
            export = export_member(session, member.id, now=now(), by="an admin (technet member export)")
    except DomainError as e:
        raise Refused(e.message) from None
    finally:
        db.dispose()
    rendered = render(export, environment(settings.content_dir))
    text = rendered.html if args.out.lower().endswith((".html", ".htm")) else rendered.json
    try:
        with open(args.out, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as e:
        raise Refused(f"cannot write {args.out}: {e.strerror}") from None
    rows = sum(len(s.rows) for s in export.sections)
    print(f"technet: what technet holds about {args.user_id} ({plural(rows, 'record')}) is in {args.out}")
    return 0


def cmd_member_erase(settings: Settings, args: argparse.Namespace) -> int:
    """Erase a member's personal data after the admin confirms by typing their user id again."""
    from bot.slack_refs import configured_identity
    from storage.clock import now
    from storage.db import Database
    from storage.errors import DomainError
    from storage.members import get_member
    from storage.personal_data.erasure import erase_member

    db = Database(settings.database_url)
    try:
        db.check_schema()
        with db.reading() as session:
            member = get_member(session, configured_identity(args.user_id))
            member_id, name = member.id, member.name
        if not args.yes:
            print(f"This erases the personal data of {name} ({args.user_id}, member #{member_id}) for good: their "
                  "name, accounts, profile and what they wrote. Their attendance and CPD time still count, as "
                  "a former member.")
            typed = input(f"Type {args.user_id} to erase, anything else to stop: ").strip()
            if typed != args.user_id:
                raise Refused("nothing erased")
        with db.transaction() as session:
            erased = erase_member(session, member_id, now=now(), by="an admin (technet member erase)")
    except DomainError as e:
        raise Refused(e.message) from None
    except EOFError:
        raise Refused("nothing erased (no confirmation; --yes erases without asking)") from None
    finally:
        db.dispose()
    print(f"technet: member #{member_id} erased ({erased.summary()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
