"""Delivery benchmark (issue #16): exactly once and how late, with replicas killed and Slack misbehaving.

Two `technet serve` replicas share one database (PostgreSQL: --database-url) and post against the
Slack stand-in, which this process runs and misbehaves: some posts are answered after the client's
timeout, some connections drop after the post was accepted, some get a 500 after acceptance, and
some are refused (429 with Retry-After, 500 before acceptance). A few thousand scheduled
announcements fall due over a couple of minutes, in 40 channels, while replicas are SIGKILLed at
random moments and restarted. Afterwards every due item's key is counted in the channels (each
post carries it in its metadata): lost (never posted), duplicated (posted more than once), and
the lateness of the first post against its due time, overall and for items due within a minute
after a kill.

    .venv/bin/python bench/delivery.py --database-url postgresql+psycopg://postgres@127.0.0.1/postgres \\
        --items 2000 --minutes 2 --kills 8
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import network  # noqa: E402 - after sys.path has the repository
from bench.load import percentile, start  # noqa: E402
from bot.slack_refs import slack_identity  # noqa: E402
from bot.standin import SlackStandIn  # noqa: E402
from storage import announcements, ledger  # noqa: E402
from storage.members import ensure_member  # noqa: E402
from storage.models import DueItem  # noqa: E402
from storage.models.delivery import DeliveryAttempt  # noqa: E402
from storage.models.news import Announcement  # noqa: E402

CHANNELS = [f"C0BENCH{n:03d}" for n in range(40)]
AUTHOR = "U0BENCHAUTH"


class MisbehavingSlack(SlackStandIn):
    """The stand-in, with a share of chat.postMessage calls answered late, dropped or refused."""

    def __init__(self, rates: dict[str, float], late_by: float):
        super().__init__()
        self.rates, self.late_by = rates, late_by
        self.first_seen: dict[str, float] = {}
        self.injected: Counter[str] = Counter()
        self._random = random.Random(16)
        self._lock = threading.Lock()

    def handle(self, method: str, args: dict[str, Any],
               token: str | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        if method == "chat.postMessage":
            with self._lock:
                roll, fault = self._random.random(), None
                for name, rate in self.rates.items():
                    if roll < rate:
                        fault = name
                        break
                    roll -= rate
                if fault:
                    self.injected[fault] += 1
                    if fault == "429":
                        self.fail(method, 429, retry_after=1)
                    elif fault == "500 before":
                        self.fail(method, 500)
                    else:
                        self.after_accepting(method, fault.split()[0], delay=self.late_by)
        status, body, headers = super().handle(method, args, token)
        if method == "chat.postMessage" and body.get("ok"):
            key = ((body.get("message") or {}).get("metadata") or {}).get("event_payload", {}).get("key")
            with self._lock:
                self.first_seen.setdefault(str(key), time.time())
        return status, body, headers


def seed(db: Any, items: int, begin: datetime, spread: timedelta) -> None:
    """`items` one-off announcements due evenly over `spread` from `begin`, in the bench channels."""
    with db.transaction() as session:
        author = ensure_member(session, slack_identity(AUTHOR), fallback_name="Bench Author", now=begin)
        for n in range(items):
            due = begin + spread * n / items
            row = Announcement(author_id=author.id, text=f"Bench announcement {n}", surface="slack",
                               channel_id=CHANNELS[n % len(CHANNELS)],
                               first_local=due.strftime("%Y-%m-%dT%H:%M"), timezone="UTC", first_at=due,
                               status=announcements.SCHEDULED, created_at=begin, updated_at=begin)
            session.add(row)
            session.flush()
            ledger.schedule(session, kind=announcements.KIND, subject=f"announcement:{row.id}",
                            occurrence=due.isoformat(), due_at=due, payload={"slot": due.isoformat()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL server (any database on it); default: SQLite")
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--kills", type=int, default=8, help="SIGKILLs, at random moments while items fall due")
    parser.add_argument("--lease", type=int, default=30, help="TECHNET_LEASE_SECONDS of the replicas")
    parser.add_argument("--tick", type=int, default=5, help="TECHNET_TICK_SECONDS of the replicas")
    parser.add_argument("--timeout", type=int, default=2, help="TECHNET_SLACK_TIMEOUT: a late answer comes after it")
    parser.add_argument("--fault-rate", type=float, default=0.01,
                        help="share of posts for each fault: late, drop, 500 after; refusals at 5x this")
    parser.add_argument("--tail", type=int, default=8, help="the latest items to explain, attempt by attempt")
    args = parser.parse_args()
    rate = args.fault_rate
    rates = {"late": rate, "drop": rate, "500 after": rate, "429": 5 * rate, "500 before": 5 * rate}
    standin = MisbehavingSlack(rates, late_by=args.timeout + 1.0).start()
    for channel in CHANNELS:
        standin.add_channel(channel)
    standin.add_user(AUTHOR, "Bench Author")
    spread = timedelta(minutes=args.minutes)
    with network.fresh_database(args.database_url, "technet_delivery_bench") as db:
        begin = datetime.now(UTC) + timedelta(seconds=20)
        seed(db, args.items, begin, spread)
        url = db.engine.url.render_as_string(hide_password=False)
        env = {**os.environ, "SLACK_API_URL": standin.api_url, "SLACK_SIGNING_SECRET": "bench",
               "SLACK_BOT_TOKEN": "xoxb-bench", "DATABASE_URL": url, "TECHNET_LOG_LEVEL": "WARNING",
               "TECHNET_ENV_FILE": os.devnull, "TECHNET_LEASE_SECONDS": str(args.lease),
               "TECHNET_TICK_SECONDS": str(args.tick), "TECHNET_SLACK_TIMEOUT": str(args.timeout)}
        command = [str(Path(sys.executable).with_name("technet")), "serve", "--port", "0", "--threads", "4"]
        log = tempfile.TemporaryFile("w+")
        replicas = [start(command, env, log)[0] for _ in range(2)]
        rng = random.Random(7)
        kill_at = sorted(begin.timestamp() + rng.uniform(0, spread.total_seconds()) for _ in range(args.kills))
        kills: list[float] = []
        deadline = begin.timestamp() + spread.total_seconds() + 4 * args.lease + 60
        try:
            while time.time() < deadline:
                if kill_at and time.time() >= kill_at[0]:
                    kill_at.pop(0)
                    victim = rng.randrange(2)
                    replicas[victim].send_signal(signal.SIGKILL)
                    replicas[victim].wait()
                    kills.append(time.time())
                    replicas[victim] = start(command, env, log)[0]
                if not kill_at and time.time() > begin.timestamp() + spread.total_seconds():
                    with db.reading() as session:
                        left = session.query(DueItem).filter(DueItem.kind == announcements.KIND,
                                                             DueItem.status == ledger.PENDING).count()
                    if left == 0:
                        break
                time.sleep(0.2)
        finally:
            for replica in replicas:
                replica.send_signal(signal.SIGTERM)
            for replica in replicas:
                try:
                    replica.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    replica.kill()  # a tick with a backlog finishes its loop before the scheduler stops
                    replica.wait()
        with db.reading() as session:
            rows = [(i.id, i.due_at, i.status) for i in session.query(DueItem).filter(
                DueItem.kind == announcements.KIND)]
            bench_attempts = session.query(DeliveryAttempt).filter(DeliveryAttempt.kind == announcements.KIND)
            attempts = Counter(a.outcome for a in bench_attempts)
            history: dict[int, list[str]] = {}
            for a in bench_attempts.order_by(DeliveryAttempt.id):
                history.setdefault(a.due_item_id, []).append(
                    f"#{a.attempt} {a.outcome}@{a.lateness_seconds:.0f}s" + (f" ({a.reason[:24]})" if a.reason else ""))
        db.dispose()
    posted = Counter(str(((m.get("metadata") or {}).get("event_payload") or {}).get("key"))
                     for m in list(standin.state.messages.values()))
    standin.stop()
    lost = [i for i, _, _ in rows if posted[f"due:{i}:1"] == 0]
    duplicated = [i for i, _, _ in rows if posted[f"due:{i}:1"] > 1]
    statuses = Counter(s for _, _, s in rows)
    lateness, after_kill = [], []
    late_by: dict[int, float] = {}
    for item_id, due_at, _ in rows:
        first = standin.first_seen.get(f"due:{item_id}:1")
        if first is None:
            continue
        late = max(first - due_at.timestamp(), 0.0)
        lateness.append(late)
        late_by[item_id] = late
        if any(k <= due_at.timestamp() <= k + 60 or (due_at.timestamp() <= k <= first) for k in kills):
            after_kill.append(late)
    print(f"\n{args.items} announcements due over {args.minutes:g} min in {len(CHANNELS)} channels; 2 replicas, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}; lease {args.lease} s, tick {args.tick} s, "
          f"Slack timeout {args.timeout} s")
    print(f"faults injected: {dict(standin.injected)}; SIGKILLs: {len(kills)}")
    print(f"due rows: {dict(statuses)}; attempts recorded: {dict(attempts)}")
    print(f"\n{'':<28} {'items':>6} {'lost':>5} {'dup':>5} {'p50 s':>7} {'p99 s':>7} {'max s':>7}")
    print(f"{'all':<28} {len(rows):>6} {len(lost):>5} {len(duplicated):>5} {percentile(lateness, 50):>7.1f} "
          f"{percentile(lateness, 99):>7.1f} {max(lateness, default=float('nan')):>7.1f}")
    print(f"{'due within 60 s of a kill':<28} {len(after_kill):>6} {'':>5} {'':>5} {percentile(after_kill, 50):>7.1f} "
          f"{percentile(after_kill, 99):>7.1f} {max(after_kill, default=float('nan')):>7.1f}")
    # The tail, item by item: each attempt's number, outcome and how late it was (lost: the claim's
    # worker was killed or stalled; a gap between attempts with no record is a claim that expired).
    print(f"\nthe {args.tail} latest items (kills at +{', +'.join(f'{k - begin.timestamp():.0f}' for k in kills)} s):")
    for item_id in sorted(late_by, key=late_by.__getitem__, reverse=True)[:args.tail]:
        due = next(d for i, d, _ in rows if i == item_id)
        print(f"  due +{due.timestamp() - begin.timestamp():5.1f} s, posted {late_by[item_id]:5.1f} s late: "
              f"{'; '.join(history.get(item_id, []))}")
    log.seek(0)
    errors = [line.strip() for line in log if "Traceback" in line or "ERROR" in line]
    print(f"\nreplica log: {len(errors)} error line(s)")
    for line in sorted(set(errors))[:5]:
        print(f"  {line[:200]}")


if __name__ == "__main__":
    main()
