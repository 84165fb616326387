"""Load benchmark: signed `/tech ...` commands against `technet serve`, beside a bare Bolt app.

Both are served by the same waitress server with the same thread count, on 127.0.0.1,
against the Slack stand-in, in the same run. For each store size (--members: generate a
network of N members first, bench/network.py; 0: an empty store whose members are created
on first contact) and each command, every row is a bounded run of technet and then of the
bare app (and, with --bare-read, of the bare app reading the asker's row from the store: one
database round trip and nothing else), with the ratios to the bare app:

- closed loop at each --concurrency: that many clients, each sending its next request when
  the last is answered (throughput);
- open loop at each --rate: requests scheduled at a fixed rate whatever the server does,
  latency measured from each request's scheduled time, so a slow server cannot slow the
  load down and hide its queue (latency under a steady load).

Each row also gives the CPU a request cost, in ms: the server's process (srv cpu) and every core
of the machine (all cpu: the load, the servers and the database, which share it).

    .venv/bin/python bench/load.py                       # /tech help, empty SQLite store, 5 s a row
    .venv/bin/python bench/load.py --command help events --members 1000 10000 --concurrency 8 32 --rate 50 \
        --seconds 3 --open-seconds 10 --database-url postgresql+psycopg://postgres@127.0.0.1/test
        # creates technet_bench on that server for each size, and drops it after
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO
from datetime import datetime, UTC
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import network  # noqa: E402 - after sys.path has the repository
from bot.standin import SlackStandIn, command_body, signed_headers  # noqa: E402 - after sys.path has the repository

SECRET = "bench-signing-secret"
ASKERS = 64
BENCH_USERS = [f"U0BENCH{n:03d}" for n in range(ASKERS)]
# Open loop: enough senders that a slow answer never holds back the next scheduled request.
SENDERS = 64


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    # CPU seconds during the run: the server's process, and every core's (load, servers, database).
    server_cpu: float = 0.0
    machine_cpu: float = 0.0

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`; nan for none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def start(command: list[str], env: dict[str, str], log: IO[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True)
    assert process.stdout is not None  # PIPE
    line = process.stdout.readline()
    if "serving on" not in line:
        process.kill()
        raise SystemExit(f"could not start {' '.join(command)}: {line!r}")
    return process, line.strip().split("serving on ")[1]


class Client:
    """One keep-alive connection that sends signed `/tech <text>` commands as the given users."""

    def __init__(self, url: str, standin: SlackStandIn, text: str, users: list[str]):
        self.target = urlparse(url)
        self.text = text
        self.users = users
        self.response_url = standin.response_url()
        self.connection = http.client.HTTPConnection(self.target.netloc, timeout=10)
        self.last_body = b""

    def send(self, n: int) -> bool:
        """Request number `n` (its user is the n-th, round the list); whether it was answered 200."""
        body = command_body(self.users[n % len(self.users)], self.text, response_url=self.response_url)
        try:
            self.connection.request("POST", self.target.path, body=body, headers=signed_headers(SECRET, body))
            response = self.connection.getresponse()
            self.last_body = response.read()
            return response.status == 200
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.target.netloc, timeout=10)
            return False

    def close(self) -> None:
        self.connection.close()


def run_threads(count: int, work: Callable[[int], None]) -> float:
    """Run work(0..count-1) on `count` threads; the wall time, in seconds."""
    began = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began


def load(client_for: Callable[[], Client], concurrency: int, seconds: float) -> Result:
    """Closed loop: `concurrency` clients, each sending its next request when the last is answered."""
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    stop_at = time.perf_counter() + seconds

    def worker(n: int) -> None:
        client = client_for()
        i = n
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            if client.send(i):
                latencies[n].append(time.perf_counter() - started)
            else:
                errors[n] += 1
            i += concurrency
        client.close()

    took = run_threads(concurrency, worker)
    every = [x for per in latencies for x in per]
    return Result(len(every), sum(errors), took, every)


def open_loop(client_for: Callable[[], Client], rate: float, seconds: float) -> Result:
    """Open loop: request i is due at start + i/rate; its latency runs from then, not from when a
    sender got round to it, so a queue in the server shows in the figures instead of slowing the load."""
    total = int(rate * seconds)
    numbers = itertools.count()
    lock = threading.Lock()
    latencies: list[list[float]] = [[] for _ in range(SENDERS)]
    errors = [0] * SENDERS
    began = time.perf_counter() + 0.05  # every sender ready before the first is due

    def sender(n: int) -> None:
        client = client_for()
        while True:
            with lock:
                i = next(numbers)
            if i >= total:
                break
            due = began + i / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            if client.send(i):
                latencies[n].append(time.perf_counter() - due)
            else:
                errors[n] += 1
        client.close()

    run_threads(SENDERS, sender)
    every = [x for per in latencies for x in per]
    return Result(len(every), sum(errors), time.perf_counter() - began, every)


@contextmanager
def store(members: int, server_url: str | None, users: list[str]) -> Iterator[tuple[str, list[str]]]:
    """A fresh, migrated database (generated with `members` members, if any), its URL and the users to
    send as: current members of the generated network, or bench users created on first contact."""
    with network.fresh_database(server_url, "technet_bench") as db:
        if members:
            data = network.generate(members, now=datetime.now(UTC))
            began = time.perf_counter()
            counts = network.populate(db, data)
            print(f"\nstore: {counts.members:,} members, {counts.rsvps:,} RSVPs, {counts.events:,} events, "
                  f"{counts.upcoming} in the next 8 weeks (written in {time.perf_counter() - began:.1f} s)",
                  flush=True)
            users = network.askers(data, ASKERS)
        else:
            print("\nstore: empty (the bench users become members on first contact)", flush=True)
        url = db.engine.url.render_as_string(hide_password=False)
        db.dispose()  # only the server under test uses the database from here
        yield url, users


def process_cpu(pid: int) -> float:
    """Seconds of CPU (user + system) process `pid` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> float:
    """Seconds of CPU every core has spent busy so far."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def measured(run: Callable[[Callable[[], Client]], Result], client_for: Callable[[], Client], pid: int) -> Result:
    """run(client_for), with the CPU the server and the whole machine spent meanwhile."""
    server, machine = process_cpu(pid), machine_cpu()
    result = run(client_for)
    result.server_cpu, result.machine_cpu = process_cpu(pid) - server, machine_cpu() - machine
    return result


def row(name: str, mode: str, r: Result, bare: Result) -> str:
    # An open loop's rate is set by the bench, so only its latency compares.
    closed = mode.startswith("closed")
    ratio = f"{r.throughput / bare.throughput:.2f}x" if closed and bare.throughput else "-"
    p99 = f"{r.percentile(99) / bare.percentile(99):.2f}x" if bare.latencies else "-"
    return (f"{name:<10} {mode:<10} {r.requests:>8} {r.throughput:>7.0f} {r.percentile(50):>7.1f} "
            f"{r.percentile(95):>7.1f} {r.percentile(99):>7.1f} {r.errors:>6} {ratio:>9} {p99:>8} "
            f"{r.server_cpu / r.requests * 1000:>7.2f} {r.machine_cpu / r.requests * 1000:>7.2f}")


def bench_store(args: argparse.Namespace, members: int, standin: SlackStandIn) -> None:
    with store(members, args.database_url, BENCH_USERS) as (database_url, users):
        for user in users:
            standin.add_user(user, f"Bench {user[-3:]}")
        env = {**os.environ, "SLACK_API_URL": standin.api_url, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_BOT_TOKEN": "xoxb-bench", "DATABASE_URL": database_url,
               "TECHNET_LOG_LEVEL": "WARNING", "TECHNET_ENV_FILE": os.devnull}
        technet_cli = str(Path(sys.executable).with_name("technet"))
        # The servers' logs go to a file, summed up at the end: waitress warns of every queued request.
        log = tempfile.TemporaryFile("w+")
        servers = {
            "technet": start([technet_cli, "serve", "--port", "0", "--threads", str(args.threads),
                              "--no-scheduler"], env, log),
            "bare bolt": start([sys.executable, str(ROOT / "bench" / "bare_bolt.py"), "--threads", str(args.threads),
                                "--signing-secret", SECRET, "--api-url", standin.api_url], env, log),
        }
        if args.bare_read:
            servers["bare+read"] = start([sys.executable, str(ROOT / "bench" / "bare_bolt.py"), "--threads",
                                          str(args.threads), "--signing-secret", SECRET, "--api-url",
                                          standin.api_url, "--database-url", database_url], env, log)
        open_seconds = args.open_seconds or args.seconds
        try:
            header = (f"{'target':<10} {'load':<10} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
                      f"{'p99 ms':>7} {'errors':>6} {'req/s x':>9} {'p99 x':>8} {'srv cpu':>7} {'all cpu':>7}")
            for text in args.command:
                def client_for(url: str, text: str = text) -> Callable[[], Client]:
                    return lambda: Client(url, standin, text, users)

                # Warm up: each user once (first contact creates or touches the member), then a second of load.
                replies = {}
                for name, (_, url) in servers.items():
                    warm = client_for(url)()
                    if not all(warm.send(n) for n in range(len(users))):
                        raise SystemExit(f"{name} did not answer /tech {text} with 200")
                    replies[name] = len(warm.last_body)
                    warm.close()
                    load(client_for(url), 4, 1.0)
                print(f"\n/tech {text}, {members:,} members: {args.seconds:g} s a closed row, {open_seconds:g} s an "
                      f"open one; x = technet / bare bolt in the same run; technet's reply: {replies['technet']:,} B")
                print(header)
                print("-" * len(header))
                runs: list[tuple[str, Callable[[Callable[[], Client]], Result]]] = [
                    *((f"closed {c}", lambda f, c=c: load(f, c, args.seconds)) for c in args.concurrency),
                    *((f"open {r:g}/s", lambda f, r=r: open_loop(f, r, open_seconds)) for r in args.rate),
                ]
                for mode, run in runs:
                    results = {name: measured(run, client_for(url), process.pid)
                               for name, (process, url) in servers.items()}
                    for name, r in results.items():
                        print(row(name, mode, r, results["bare bolt"]), flush=True)
        finally:
            for process, _ in servers.values():
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)
            log.seek(0)
            lines = log.read().splitlines()
            log.close()
            others = [line for line in lines if "Task queue depth" not in line]
            print(f"server logs: {len(lines) - len(others)} waitress queue warnings, {len(others)} other lines")
            for line in others[:10]:
                print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--command", nargs="+", default=["help"], metavar="TEXT",
                        help="the text after /tech of each command to send (default: help)")
    parser.add_argument("--members", type=int, nargs="+", default=[0], metavar="N",
                        help="generate a network of N members first, for each N (default 0: an empty store)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each row's run (default 5)")
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 8, 32], help="closed-loop clients")
    parser.add_argument("--rate", type=float, nargs="*", default=[], help="open-loop requests a second")
    parser.add_argument("--open-seconds", type=float, help="length of each open-loop row (default: --seconds); "
                                                           "a p99 wants some hundreds of requests")
    parser.add_argument("--threads", type=int, default=8, help="server worker threads (default 8)")
    parser.add_argument("--bare-read", action="store_true",
                        help="also serve a third app, bare+read: the bare one reading the asker's row from the store "
                             "(PostgreSQL only), to show what one database round trip costs")
    parser.add_argument("--database-url", help="a PostgreSQL server to create the database technet_bench on, "
                                               "dropped after (default: a temporary SQLite file)")
    args = parser.parse_args()
    if args.bare_read and not args.database_url:
        parser.error("--bare-read reads the store on PostgreSQL: give --database-url")
    print(f"signed /tech commands, {args.threads} server threads (waitress), loopback, database "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}; python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores shared by load, servers and database")
    with SlackStandIn() as standin:
        for members in args.members:
            bench_store(args, members, standin)


if __name__ == "__main__":
    main()
