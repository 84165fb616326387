"""The baseline: a Bolt app whose /tech listener only acks, served exactly as technet is."""

from __future__ import annotations

import argparse
import signal

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.http import HttpServer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--signing-secret", required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args()
    app = App(signing_secret=args.signing_secret, process_before_response=True,
              client=WebClient(token="xoxb-bench", base_url=args.api_url))

    @app.command("/tech")
    def tech(ack: Ack) -> None:
        ack()

    server = HttpServer(SlackRequestHandler(app), host="127.0.0.1", port=args.port, threads=args.threads)
    signal.signal(signal.SIGTERM, lambda *_: server.stop())
    print(f"bare bolt: serving on {server.url}/slack/events", flush=True)
    server.serve()


if __name__ == "__main__":
    main()
