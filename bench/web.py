"""The public pages under load: `technet serve` with a large network, beside /healthz in the same run.

The store is bench/network.py's (10,000 members: 100,000 RSVPs and 5,000 events by default),
plus a profile for every member, a fifth of them public, and a calendar feed token for the
member with the most RSVPs. Then `technet serve` runs as its own process (feeds unlimited,
TECHNET_FEED_RATE=0) and each path takes a closed loop of GETs on keep-alive connections:
/healthz (the floor: one `SELECT 1`), the front page, the people page, the public feed and
the member's feed. Every row is req/s and latency percentiles, and its ratios to /healthz.

    .venv/bin/python bench/web.py                         # 10,000 members, SQLite, 5 s a row, 8 clients
    .venv/bin/python bench/web.py --members 10000 --concurrency 1 8 --seconds 5 \
        --database-url postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402 - after sys.path has the repository

from bench import network  # noqa: E402 - after sys.path has the repository
from bench.load import Client, Result, load, start  # noqa: E402 - after sys.path has the repository
from bot.standin import SlackStandIn  # noqa: E402 - after sys.path has the repository
from storage.db import Database  # noqa: E402 - after sys.path has the repository
from storage.models import Member  # noqa: E402 - after sys.path has the repository
from storage.models.events import Rsvp  # noqa: E402 - after sys.path has the repository
from storage.models.profiles import PUBLIC_FIELDS, Profile  # noqa: E402 - after sys.path has the repository
from storage.models.site import CalendarFeed  # noqa: E402 - after sys.path has the repository

PUBLIC_SHARE = 5  # one member in five publishes a profile


class Getter(Client):
    """One keep-alive connection sending GET `path`, in the place of bench/load.py's signed commands."""

    def __init__(self, base: str, path: str):  # Client's signing state is not wanted: a GET is unsigned
        self.netloc = urlparse(base).netloc
        self.path = path
        self.connection = http.client.HTTPConnection(self.netloc, timeout=10)
        self.last_body = b""

    def send(self, n: int) -> bool:
        try:
            self.connection.request("GET", self.path)
            response = self.connection.getresponse()
            self.last_body = response.read()
            return response.status == 200
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.netloc, timeout=10)
            return False

    def close(self) -> None:
        self.connection.close()


def getter(base: str, path: str) -> Callable[[], Client]:
    return lambda: Getter(base, path)


def add_web_records(db: Database, now: datetime) -> tuple[int, str]:
    """Profiles for every member (every fifth public) and one calendar token; (public count, token)."""
    with db.transaction() as session:
        ids = list(session.scalars(select(Member.id).where(Member.is_bot.is_(False)).order_by(Member.id)))
        rows = [{"member_id": m, "listed": True, "spotlight_opt_in": False, "public_web": i % PUBLIC_SHARE == 0,
                 "public_fields": list(PUBLIC_FIELDS), "bio": "Bench technician", "bio_key": "bench technician",
                 "saved_at": now, "created_at": now, "updated_at": now} for i, m in enumerate(ids)]
        for chunk in range(0, len(rows), 2000):
            session.execute(insert(Profile), rows[chunk:chunk + 2000])
        busiest = session.execute(select(Rsvp.member_id, func.count()).group_by(Rsvp.member_id)
                                  .order_by(func.count().desc()).limit(1)).first()
        token = secrets.token_urlsafe(32)
        assert busiest is not None, "the bench store has no RSVPs"
        session.add(CalendarFeed(member_id=busiest[0], token=token, created_at=now))
    return len(ids[::PUBLIC_SHARE]), token


def row(path: str, concurrency: int, r: Result, floor: Result, size: int) -> str:
    ratio = f"{r.throughput / floor.throughput:.2f}x" if floor.throughput else "-"
    p99 = f"{r.percentile(99) / floor.percentile(99):.2f}x" if floor.latencies else "-"
    return (f"{path:<28} {concurrency:>3} {size:>9,} {r.requests:>8} {r.throughput:>7.0f} {r.percentile(50):>7.1f} "
            f"{r.percentile(99):>7.1f} {r.errors:>6} {ratio:>9} {p99:>8}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=8, help="the server's threads")
    parser.add_argument("--database-url", help="a PostgreSQL server to create technet_bench_web on (default: SQLite)")
    args = parser.parse_args()

    now = datetime.now(UTC)
    with SlackStandIn() as standin, network.fresh_database(args.database_url, "technet_bench_web") as db:
        began = time.perf_counter()
        counts = network.populate(db, network.generate(args.members, now=now))
        public, token = add_web_records(db, now)
        print(f"store: {counts.members:,} members ({public:,} public profiles), {counts.rsvps:,} RSVPs, "
              f"{counts.events:,} events (written in {time.perf_counter() - began:.1f} s)", flush=True)
        database_url = db.engine.url.render_as_string(hide_password=False)
        db.dispose()
        env = {**os.environ, "SLACK_API_URL": standin.api_url, "SLACK_SIGNING_SECRET": "bench-signing-secret",
               "SLACK_BOT_TOKEN": "xoxb-bench", "DATABASE_URL": database_url, "TECHNET_LOG_LEVEL": "WARNING",
               "TECHNET_ENV_FILE": os.devnull, "TECHNET_FEED_RATE": "0"}
        technet_cli = str(Path(sys.executable).with_name("technet"))
        log = tempfile.TemporaryFile("w+")
        process, events_url = start([technet_cli, "serve", "--port", "0", "--threads", str(args.threads),
                                     "--no-scheduler"], env, log)
        base = events_url.removesuffix("/slack/events")
        paths = ["/healthz", "/network/", "/network/people/", "/network/events.ics",
                 f"/network/calendar/{token}.ics"]
        try:
            sizes = {}
            for path in paths:
                warm = Getter(base, path)
                if not warm.send(0):
                    raise SystemExit(f"technet did not answer GET {path} with 200")
                sizes[path] = len(warm.last_body)
                warm.close()
                load(getter(base, path), 2, 0.5)
            header = (f"{'path':<28} {'c':>3} {'bytes':>9} {'requests':>8} {'req/s':>7} {'p50 ms':>7} "
                      f"{'p99 ms':>7} {'errors':>6} {'req/s x':>9} {'p99 x':>8}")
            print(f"\n{args.seconds:g} s a row, {args.threads} server threads; x = the path / /healthz in this run")
            print(header)
            print("-" * len(header))
            for concurrency in args.concurrency:
                floor: Result | None = None
                for path in paths:
                    result = load(getter(base, path), concurrency, args.seconds)
                    floor = floor or result
                    shown = path if "/calendar/" not in path else "/network/calendar/<token>.ics"
                    print(row(shown, concurrency, result, floor, sizes[path]), flush=True)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
            log.seek(0)
            lines = [line for line in log.read().splitlines() if "Task queue depth" not in line]
            log.close()
            print(f"server log: {len(lines)} lines besides waitress's queue warnings")
            for line in lines[:10]:
                print(f"  {line}")


if __name__ == "__main__":
    main()
