"""The baseline: a Bolt app whose /tech listener only acks, served exactly as technet is.

With --database-url (PostgreSQL), the listener first reads who is asking, one indexed row on a
connection of its own thread, as any app that knows its users must: what a database round trip
alone costs a threaded server, with none of technet's code.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Callable

import psycopg
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from sqlalchemy.engine import make_url

from bot.http import HttpServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--database-url", help="a technet store on PostgreSQL to read the asker from")
    args = parser.parse_args()
    app = App(signing_secret=args.signing_secret, process_before_response=True,
              client=WebClient(token="xoxb-bench", base_url=args.api_url))
    asker = who_is_asking(args.database_url) if args.database_url else None

    @app.command("/tech")
    def tech(ack: Ack, command: dict[str, str]) -> None:
        if asker is not None:
            asker(command["user_id"])
        ack()

    server = HttpServer(SlackRequestHandler(app), host="127.0.0.1", port=args.port, threads=args.threads)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    print(f"bare bolt: serving on {server.url}/slack/events", flush=True)
    server.serve()


def who_is_asking(database_url: str) -> Callable[[str], object]:
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connections = threading.local()

    def read(user_id: str) -> object:
        if not hasattr(connections, "one"):
            connections.one = psycopg.connect(conninfo, autocommit=True)
        return connections.one.execute(
            "SELECT member_id FROM member_identities WHERE surface = 'slack' AND tenant = '' AND external_id = %s",
            (user_id,)).fetchone()

    return read


if __name__ == "__main__":
    main()
