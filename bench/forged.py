"""Trust check from outside: forged, stale, malformed, oversize and odd-typed requests against `technet serve`.

Starts `technet db upgrade` and `technet serve` as processes (SQLite, or --database-url), with the
Slack stand-in as the Web API, and sends a seeded random corpus of requests Slack would never send,
each naming the stand-in's response_url and a user to DM. Then it reports, per kind: the statuses,
and overall the Web API calls and response_url posts the stand-in received, rows stored, and the
server's log lines (count and longest). DESIGN decision 14: all refused with 400/401/413/415, no call,
no row, at most one short log line each.

    .venv/bin/python bench/forged.py                 # 50 requests of each kind
    .venv/bin/python bench/forged.py --each 200 --seed 7
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlparse

from sqlalchemy import create_engine, func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.standin import SlackStandIn, command_body, event_body, signed_headers  # noqa: E402 - after sys.path has the repository
from storage.models import Base  # noqa: E402 - after sys.path has the repository

SECRET = "forged-bench-signing-secret"
USER = "U0VICTIM01"
FORM, JSON = "application/x-www-form-urlencoded", "application/json"
Request = tuple[bytes, dict[str, str]]


def genuine(rng: random.Random, response_url: str) -> tuple[str, str]:
    """A body Slack could send: a command, a button press or an event, naming a user and a response_url."""
    kind = rng.choice(["command", "action", "event"])
    if kind == "command":
        return command_body(USER, rng.choice(["help", "events", "cpd", "awards figures"]),
                            response_url=response_url), FORM
    if kind == "action":
        payload = {"type": "block_actions", "user": {"id": USER}, "response_url": response_url,
                   "actions": [{"action_id": "events_going", "value": str(rng.randint(1, 9))}]}
        return urlencode({"payload": json.dumps(payload)}), FORM
    event = {"type": "app_home_opened", "user": USER, "channel": "D0HOME", "tab": "home", "event_ts": "1.0"}
    return event_body(event, event_id=f"Ev{rng.randrange(10**9)}"), JSON


def junk(rng: random.Random, length: int) -> str:
    # Any printable character, a non-ASCII digit and letter; no line breaks, which no header can carry.
    return "".join(rng.choice(string.ascii_letters + string.digits + string.punctuation + " ٣é")
                   for _ in range(length))


def corpus(rng: random.Random, response_url: str) -> dict[str, Callable[[], Request]]:
    def signed(body: str, content_type: str, **overrides: str) -> Request:
        headers = signed_headers(SECRET, body, content_type=content_type)
        headers.update(overrides)
        return body.encode("utf-8", "surrogatepass"), headers

    def forged() -> Request:
        body, kind = genuine(rng, response_url)
        return body.encode(), signed_headers(junk(rng, 16), body, content_type=kind)

    def stale() -> Request:
        body, kind = genuine(rng, response_url)
        return body.encode(), signed_headers(SECRET, body, timestamp=int(time.time()) - rng.randint(301, 10**7),
                                             content_type=kind)

    def odd_timestamp() -> Request:
        body, kind = genuine(rng, response_url)
        odd = rng.choice(["abc", "1.7e9", "", "9" * 5000, "-1", " 1", "1e3", "١٧٠٠٠٠٠٠٠٠", str(time.time()),
                          junk(rng, rng.randint(1, 40))])
        return signed(body, kind, **{"X-Slack-Request-Timestamp": odd})

    def odd_signature() -> Request:
        body, kind = genuine(rng, response_url)
        return signed(body, kind, **{"X-Slack-Signature": rng.choice(["", "v0=", "v1=" + "a" * 64, junk(rng, 70)])})

    def missing_headers() -> Request:
        body, kind = genuine(rng, response_url)
        body_bytes, headers = signed(body, kind)
        for name in rng.sample(["X-Slack-Request-Timestamp", "X-Slack-Signature"], rng.randint(1, 2)):
            del headers[name]
        return body_bytes, headers

    def odd_content_type() -> Request:
        body, _ = genuine(rng, response_url)
        return signed(body, rng.choice(["text/plain", "application/xml", "multipart/form-data; boundary=x",
                                        "application/json-seq", "Application/X-WWW-Form-Urlencoded"]))

    def unparseable() -> Request:
        body, kind = genuine(rng, response_url)
        cut = body[: rng.randint(0, max(0, len(body) - 1))]
        bad = rng.choice([
            ("payload=" + cut, FORM), ("payload=" + json.dumps([1, 2]), FORM), ("payload=", FORM),
            ("{" + cut, FORM), (cut if kind == JSON else json.dumps([cut]), JSON), ("null", JSON),
            ("command=%2Ftech&text=help", JSON), ("payload=" + "[" * 50_000, FORM),
        ])
        return signed(*bad)

    def invalid_utf8() -> Request:
        body, kind = genuine(rng, response_url)
        raw = body.encode() + bytes([0xFF, 0xFE])
        headers = signed_headers(SECRET, raw.decode("latin-1"), content_type=kind)
        return raw, headers

    return {"forged signature": forged, "stale timestamp": stale, "odd timestamp": odd_timestamp,
            "odd signature": odd_signature, "missing headers": missing_headers,
            "odd content type": odd_content_type, "unparseable, signed": unparseable,
            "invalid UTF-8, signed": invalid_utf8}


NO_ANSWER = 0  # the server kept the connection open past the timeout, or dropped it


def send(url: str, body: bytes, headers: dict[str, str]) -> int:
    # Header values as UTF-8 bytes: http.client would refuse a character outside Latin-1.
    raw_headers = {name: value.encode() for name, value in {**headers, "Content-Length": str(len(body))}.items()}
    return answer(url, 10, lambda connection, path: connection.request("POST", path, body=body, headers=raw_headers))


def oversize(url: str, length: int) -> int:
    """A Content-Length over the cap, headers only: the answer must come before any body is sent."""

    def headers_only(connection: http.client.HTTPConnection, path: str) -> None:
        connection.putrequest("POST", path)
        for name, value in signed_headers(SECRET, "", content_type=FORM).items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(length))
        connection.endheaders()

    return answer(url, 3, headers_only)


def answer(url: str, timeout: float, request: Callable[[http.client.HTTPConnection, str], None]) -> int:
    """The status the server answers `request` with, on a connection of its own; NO_ANSWER if none."""
    target = urlparse(url)
    connection = http.client.HTTPConnection(target.netloc, timeout=timeout)
    try:
        request(connection, target.path)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return NO_ANSWER
    finally:
        connection.close()


def row_counts(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        counts = {t.name: connection.scalar(select(func.count()).select_from(t)) or 0
                  for t in Base.metadata.sorted_tables}
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--each", type=int, default=50, help="requests of each kind (default 50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with SlackStandIn() as standin, tempfile.TemporaryDirectory() as tmp:
        standin.add_user(USER, "Vic Victim")
        database_url = args.database_url or f"sqlite:///{tmp}/forged.db"
        env = {**os.environ, "SLACK_API_URL": standin.api_url, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_BOT_TOKEN": "xoxb-forged", "DATABASE_URL": database_url, "TECHNET_LOG_LEVEL": "INFO",
               "TECHNET_ENV_FILE": os.devnull}
        technet_cli = str(Path(sys.executable).with_name("technet"))
        subprocess.run([technet_cli, "db", "upgrade"], env=env, check=True, capture_output=True)
        server = subprocess.Popen([technet_cli, "serve", "--host", "127.0.0.1", "--port", "0", "--no-scheduler"],
                                  env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stdout, stderr = server.stdout, server.stderr
        assert stdout is not None and stderr is not None  # both are PIPE
        line = stdout.readline()
        if "serving on" not in line:
            server.kill()
            raise SystemExit(f"technet serve did not start: {line!r} {stderr.read()!r}")
        url = line.strip().split("serving on ")[1]
        log_lines: list[str] = []
        reader = threading.Thread(target=lambda: log_lines.extend(stderr), daemon=True)
        reader.start()
        time.sleep(0.5)
        started_lines = len(log_lines)
        before = row_counts(database_url)
        mark = standin.mark()

        statuses: dict[str, Counter[int]] = {}
        for kind, make in corpus(rng, standin.response_url()).items():
            statuses[kind] = Counter(send(url, *make()) for _ in range(args.each))
        statuses["oversize (Content-Length)"] = Counter(
            oversize(url, rng.randint(1024 * 1024 + 1, 10**9)) for _ in range(args.each))

        time.sleep(1.0)  # anything the app would have done after a response
        calls = standin.since(mark)
        changed = {t: (before[t], n) for t, n in row_counts(database_url).items() if n != before[t]}
        server.terminate()
        server.wait(timeout=15)
        reader.join(timeout=5)
        lines = log_lines[started_lines:]

    total = sum(sum(c.values()) for c in statuses.values())
    refused = sum(n for c in statuses.values() for status, n in c.items() if status in (400, 401, 413, 415))
    store = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{total} requests Slack would never send, to technet serve ({store}, seed {args.seed})")
    print(f"{'kind':<28} {'sent':>5}  statuses")
    for kind, counter in statuses.items():
        print(f"{kind:<28} {sum(counter.values()):>5}  "
              + ", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(counter.items())))
    print(f"refused with 400/401/413/415: {refused} of {total} ({100 * refused / total:.1f}%)")
    print(f"Slack Web API calls and response_url posts: {len(calls)}")
    print(f"rows stored: {sum(n - b for b, n in changed.values())} {changed or ''}")
    print(f"log lines: {len(lines)} for {total} requests; longest {max((len(x) for x in lines), default=0)} characters")


if __name__ == "__main__":
    main()
