"""The reply latency of `help` through /api/messages against /slack/events, in the same run.

One `technet serve`-shaped server (bot.http on waitress) serves both surfaces from one SQLite store,
against the Slack stand-in and the Teams stand-in on loopback. Each round sends `help` once to
each path, one after the other, from one known member per surface. Slack's latency is until the
ack carrying the answer; Teams' until the 200 that follows the answer's POST to the Bot Connector
(the reply is sent before the activity is acknowledged), so Teams' figure includes that round trip
and the token fetch is paid once, in the warm-up.

    .venv/bin/python bench/teams_latency.py --rounds 300
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.standin import SlackStandIn  # noqa: E402
from bot.teams.standin import TeamsStandIn, message_activity  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.harness import MEMBER, Harness, settings_for  # noqa: E402
from tests.teams_harness import MEMBER as TEAMS_MEMBER, TeamsHarness, teams_settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, SlackStandIn() as slack, TeamsStandIn() as teams:
        url = f"sqlite:///{folder}/bench.db"
        database = Database(url)
        database.upgrade()
        database.dispose()
        settings = teams_settings(teams, url, **{k: v for k, v in vars(settings_for(slack, url)).items()
                                                 if k in ("bot_token", "signing_secret", "slack_api_url")})
        served = TeamsHarness(settings, teams, slack=True)
        slack_harness = Harness.__new__(Harness)  # the signing helpers of Harness, on the served app
        slack_harness.settings, slack_harness.standin, slack_harness.runtime = settings, slack, served.runtime
        slack_harness.server = served.server
        try:
            timings: dict[str, list[float]] = {"/slack/events": [], "/api/messages": []}
            for round_number in range(args.rounds + 10):
                start = time.perf_counter()
                answer = slack_harness.command(MEMBER, "help")
                slack_took = time.perf_counter() - start
                assert answer.status == 200 and "events" in answer.text, answer.body
                start = time.perf_counter()
                reply = served.send(message_activity(teams, TEAMS_MEMBER, "help"))
                teams_took = time.perf_counter() - start
                assert reply.status == 200
                if round_number >= 10:  # the first rounds create the members and fetch keys and a token
                    timings["/slack/events"].append(slack_took * 1000)
                    timings["/api/messages"].append(teams_took * 1000)
            assert len(teams.sent) == args.rounds + 10
        finally:
            served.close()
    print(f"help, {args.rounds} rounds each, one client, SQLite, same server and run:")
    for path, values in timings.items():
        values.sort()
        print(f"  {path:15} median {statistics.median(values):6.2f} ms   p95 {values[int(len(values) * .95)]:6.2f} ms"
              f"   mean {statistics.fmean(values):6.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
