"""Where a signed `/tech ...` request's time goes, in-process: the WSGI app `technet serve` runs
(guard, Bolt, middleware, dispatch, handler, renderer), called directly with no server or socket,
timed and then profiled with cProfile.

    .venv/bin/python bench/profile_request.py --command events --members 10000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1/test
        # creates technet_profile on that server (or a temporary SQLite file without the URL), dropped after
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from datetime import datetime, UTC
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import network  # noqa: E402 - after sys.path has the repository
from bot.app import create_app  # noqa: E402 - after sys.path has the repository
from bot.http import TechnetWSGI  # noqa: E402 - after sys.path has the repository
from bot.runtime import Runtime  # noqa: E402 - after sys.path has the repository
from bot.standin import SlackStandIn, command_body, signed_headers  # noqa: E402 - after sys.path has the repository
from core.settings import Settings  # noqa: E402 - after sys.path has the repository

SECRET = "bench-signing-secret"


def environ_for(body: str) -> dict[str, Any]:
    headers = signed_headers(SECRET, body)
    raw = body.encode()
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events", "QUERY_STRING": "",
        "CONTENT_TYPE": headers["Content-Type"], "CONTENT_LENGTH": str(len(raw)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": headers["X-Slack-Request-Timestamp"],
        "HTTP_X_SLACK_SIGNATURE": headers["X-Slack-Signature"], "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(raw), "SERVER_PROTOCOL": "HTTP/1.1",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--command", default="help", metavar="TEXT", help="the text after /tech (default: help)")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=500, help="requests timed, then profiled (default 500)")
    parser.add_argument("--top", type=int, default=40, help="rows of the profile to print (default 40)")
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (default cumulative)")
    parser.add_argument("--database-url", help="a PostgreSQL server to create technet_profile on")
    args = parser.parse_args()
    with SlackStandIn() as standin, network.fresh_database(args.database_url, "technet_profile") as db:
        data = network.generate(args.members, now=datetime.now(UTC))
        network.populate(db, data)
        url = db.engine.url.render_as_string(hide_password=False)
        users = network.askers(data, 64)
        for user in users:
            standin.add_user(user, f"Bench {user[-3:]}")
        settings = Settings(bot_token="xoxb-bench", signing_secret=SECRET, slack_api_url=standin.api_url,
                            database_url=url)
        runtime = Runtime.build(settings)
        wsgi = TechnetWSGI(create_app(runtime, guarded=True), runtime.db, signing_secret=SECRET)
        response_url = standin.response_url()
        statuses: list[str] = []

        def start_response(status: str, headers: list[tuple[str, str]]) -> None:
            statuses.append(status)

        def one(n: int) -> None:
            environ = environ_for(command_body(users[n % len(users)], args.command, response_url=response_url))
            b"".join(wsgi(environ, start_response))

        for n in range(len(users) * 2):  # first contact, then warm
            one(n)
        runtime.executor.wait_idle()
        began, cpu = time.perf_counter(), time.process_time()
        for n in range(args.requests):
            one(n)
        took, cpu = time.perf_counter() - began, time.process_time() - cpu
        print(f"/tech {args.command}, {args.members:,} members: {took / args.requests * 1000:.2f} ms a request "
              f"in-process, {cpu / args.requests * 1000:.2f} ms of it this process's CPU ({args.requests} requests; "
              f"{sum(s.startswith('200') for s in statuses)} answered 200 of {len(statuses)})")
        # CPU time, not wall time: on a shared machine the wait for the database is mostly other work.
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for n in range(args.requests):
            one(n)
        profile.disable()
        runtime.executor.wait_idle()
        pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
        runtime.close()


if __name__ == "__main__":
    main()
