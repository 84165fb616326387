"""Load benchmark: signed `/tech help` against `technet serve`, beside a bare Bolt app.

Both are served by the same waitress server with the same thread count, on
127.0.0.1, against the Slack stand-in. Each row is a bounded run at one
concurrency; the ratio column compares technet with the bare app in the same run.

    .venv/bin/python bench/load.py                       # SQLite, 5 s per row
    .venv/bin/python bench/load.py --seconds 10 --database-url postgresql+psycopg://postgres@127.0.0.1/test
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.standin import SlackStandIn, command_body, signed_headers  # noqa: E402 - after sys.path has the repository

SECRET = "bench-signing-secret"
USERS = [f"U0BENCH{n:03d}" for n in range(64)]


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def start(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None  # PIPE
    line = process.stdout.readline()
    if "serving on" not in line:
        process.kill()
        raise SystemExit(f"could not start {' '.join(command)}: {line!r}")
    return process, line.strip().split("serving on ")[1]


def load(url: str, standin: SlackStandIn, concurrency: int, seconds: float) -> Result:
    target = urlparse(url)
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    stop_at = time.perf_counter() + seconds
    response_url = standin.response_url()

    def worker(n: int) -> None:
        connection = http.client.HTTPConnection(target.netloc, timeout=10)
        i = 0
        while time.perf_counter() < stop_at:
            body = command_body(USERS[(n + i) % len(USERS)], "help", response_url=response_url)
            headers = signed_headers(SECRET, body)
            started = time.perf_counter()
            try:
                connection.request("POST", target.path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(target.netloc, timeout=10)
            if ok:
                latencies[n].append(time.perf_counter() - started)
            else:
                errors[n] += 1
            i += 1
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [x for per in latencies for x in per]
    return Result(len(every), sum(errors), time.perf_counter() - began, every)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each row's run (default 5)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--threads", type=int, default=8, help="server worker threads (default 8)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()

    with SlackStandIn() as standin, tempfile.TemporaryDirectory() as tmp:
        for user in USERS:
            standin.add_user(user, f"Bench {user[-3:]}")
        env = {**os.environ, "SLACK_API_URL": standin.api_url, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_BOT_TOKEN": "xoxb-bench", "DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bench.db",
               "TECHNET_LOG_LEVEL": "WARNING", "TECHNET_ENV_FILE": os.devnull}
        technet_cli = str(Path(sys.executable).with_name("technet"))
        subprocess.run([technet_cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        servers = {
            "bare bolt": start([sys.executable, str(ROOT / "bench" / "bare_bolt.py"), "--threads", str(args.threads),
                                "--signing-secret", SECRET, "--api-url", standin.api_url], env),
            "technet": start([technet_cli, "serve", "--port", "0", "--threads", str(args.threads),
                              "--no-scheduler"], env),
        }
        try:
            # Warm up: first contact creates each member from users.info once.
            for _, url in servers.values():
                load(url, standin, 4, 1.0)
            print(f"signed /tech help, {args.seconds:g} s a row, {args.threads} server threads, "
                  f"database {'PostgreSQL' if args.database_url else 'SQLite'}; "
                  f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
            header = f"{'target':<10} {'conc':>4} {'requests':>8} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} " \
                     f"{'p99 ms':>7} {'errors':>6} {'req/s vs bare':>13}"
            print(header)
            print("-" * len(header))
            for concurrency in args.concurrency:
                results = {name: load(url, standin, concurrency, args.seconds) for name, (_, url) in servers.items()}
                bare = results["bare bolt"].throughput
                for name, r in results.items():
                    ratio = f"{r.throughput / bare:.2f}x" if bare else "-"
                    print(f"{name:<10} {concurrency:>4} {r.requests:>8} {r.throughput:>8.0f} "
                          f"{r.percentile(50):>7.1f} {r.percentile(95):>7.1f} {r.percentile(99):>7.1f} "
                          f"{r.errors:>6} {ratio:>13}")
        finally:
            for process, _ in servers.values():
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)


if __name__ == "__main__":
    main()
