"""What a survey costs at scale (measured, never asserted).

    .venv/bin/python bench/surveys.py --members 10000 [--database-url postgresql+psycopg://postgres@127.0.0.1/test]

1. Sending: a survey to every member of a network of N (members and their Slack identities, bulk
   inserted into a fresh, migrated database): the opening's due row, run as the scheduler runs it,
   invites everyone (an invitation row and a due DM each, each DM claimed, sent to the Slack stand-in
   on loopback, marked done). Printed: the whole per DM, the part inside `Delivery.dm` (rendering to
   Block Kit, slack_sdk, the loopback HTTP round trip and the stand-in), and the rest, which is our
   code outside the send (the ledger's claims and marks, the reads that check each DM still applies).
2. Results: N anonymous answers to a survey of four questions (bulk inserted); the time to build its
   results (read, count, suppress), its CSV and its message, and the time of the shuffle that
   rewrites every answer (what anonymity costs per answer).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402 - after sys.path has the repository

from bench.network import fresh_database  # noqa: E402 - after sys.path has the repository
from bot.runtime import Runtime  # noqa: E402 - after sys.path has the repository
from bot.slack_refs import role_grants, slack_identity  # noqa: E402 - after sys.path has the repository
from bot.standin import SlackStandIn  # noqa: E402 - after sys.path has the repository
from core import ui  # noqa: E402 - after sys.path has the repository
from core.settings import Settings  # noqa: E402 - after sys.path has the repository
from digests.runner import run_due  # noqa: E402 - after sys.path has the repository
from handlers.survey_views import results_blocks  # noqa: E402 - after sys.path has the repository
from storage import surveys  # noqa: E402 - after sys.path has the repository
from storage.members import actor_for, find_member  # noqa: E402 - after sys.path has the repository
from storage.models import Member, MemberIdentity  # noqa: E402 - after sys.path has the repository
from storage.models.surveys import SurveyInvitation, SurveyResponse  # noqa: E402 - after sys.path has the repository

ORGANISER = "U0BENCHORG"
DEPARTMENTS = ("Chemistry", "Physics", "Biosciences", "Engineering", "Medicine", "Estates", "Earth Sciences",
               "Psychology", "Dentistry", "Veterinary Science")
QUESTIONS = ("scale: How supported do you feel?\nyesno: Would you recommend the network?\n"
             "single: Which site? | North | South | City\ntext: What should change?")


def add_members(runtime: Runtime, count: int) -> None:
    now = datetime.now(UTC)
    rows = [{"id": n + 1, "display_name": f"Member {n}", "real_name": f"Member {n}", "department": DEPARTMENTS[n % 10],
             "fte": 1.0, "roles": [], "is_bot": False, "deactivated": False, "created_at": now, "updated_at": now}
            for n in range(count)]
    identities = [{"member_id": n + 1, "surface": "slack", "tenant": "", "external_id": f"U{n:09d}"}
                  for n in range(count)]
    rows.append({**rows[0], "id": count + 1, "display_name": "Organiser", "real_name": "Organiser"})
    identities.append({"member_id": count + 1, "surface": "slack", "tenant": "", "external_id": ORGANISER})
    with runtime.db.transaction() as session:
        session.execute(insert(Member), rows)
        session.execute(insert(MemberIdentity), identities)


def organiser(runtime: Runtime) -> Any:
    with runtime.db.reading() as session:
        member = find_member(session, slack_identity(ORGANISER))
        assert member is not None
        return actor_for(session, member, role_grants(organisers=frozenset({ORGANISER})))


def send(runtime: Runtime, count: int) -> None:
    actor = organiser(runtime)
    now = datetime.now(UTC)
    with runtime.db.transaction() as session:
        surveys.create(session, actor, surveys.SurveyDraft("Bench pulse", QUESTIONS, True, "all",
                                                           closes_at=now + timedelta(days=7)),
                       now=now, min_group=5)
    inside: list[float] = []
    dm = runtime.delivery.dm

    def timed_dm(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return dm(*args, **kwargs)
        finally:
            inside.append(time.perf_counter() - began)

    runtime.delivery.dm = timed_dm  # type: ignore[method-assign]  # the bench's stopwatch around each send
    began = time.perf_counter()
    run_due(runtime, datetime.now(UTC), limit=10)
    whole = time.perf_counter() - began
    runtime.delivery.dm = dm  # type: ignore[method-assign]  # put back
    with runtime.db.reading() as session:
        invited = len(session.scalars(select(SurveyInvitation.id)).all())
    sent = len(inside)
    print(f"send: {invited:,} invited, {sent:,} DMs in {whole:.1f} s: {whole / sent * 1000:.2f} ms a DM in all, "
          f"{sum(inside) / sent * 1000:.2f} ms inside Delivery.dm (render, slack_sdk, loopback HTTP; median "
          f"{statistics.median(inside) * 1000:.2f} ms), {(whole - sum(inside)) / sent * 1000:.2f} ms of our code "
          "outside the send (claims, checks, marks)")


def results(runtime: Runtime, count: int) -> None:
    actor = organiser(runtime)
    now = datetime.now(UTC)
    with runtime.db.transaction() as session:
        survey = surveys.create(session, actor, surveys.SurveyDraft("Bench results", QUESTIONS, True, "all",
                                                                    closes_at=now + timedelta(days=7)),
                                now=now, min_group=5)
        survey_id = survey.id
    rng = random.Random(17)
    answers = [{"id": f"{n:032x}", "survey_id": survey_id, "member_id": None, "department": DEPARTMENTS[n % 10],
                "answers": {"0": rng.randint(1, 5), "1": rng.choice(("yes", "no")),
                            "2": rng.choice(("North", "South", "City")),
                            **({"3": f"A thought number {n}"} if n % 4 == 0 else {})}, "edit_key": None}
               for n in range(count)]
    with runtime.db.transaction() as session:
        session.execute(insert(SurveyResponse), answers)
    timings: dict[str, list[float]] = {"results": [], "csv": [], "message": [], "shuffle": []}
    for _ in range(3):
        began = time.perf_counter()
        with runtime.db.reading() as session:
            found = surveys.results(session, actor, survey_id, min_group=5)
        timings["results"].append(time.perf_counter() - began)
        began = time.perf_counter()
        surveys.to_csv(found)
        timings["csv"].append(time.perf_counter() - began)
        began = time.perf_counter()
        runtime.delivery.keep(ui.message(results_blocks(found, runtime.settings.tz)))
        timings["message"].append(time.perf_counter() - began)
        began = time.perf_counter()
        with runtime.db.transaction() as session:
            surveys.shuffle(session, survey_id)
        timings["shuffle"].append(time.perf_counter() - began)
    parts = ", ".join(f"{name} {statistics.median(values) * 1000:.0f} ms" for name, values in timings.items())
    print(f"results of {count:,} answers (median of 3): {parts}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=10000)
    parser.add_argument("--database-url", help="a PostgreSQL server to create technet_bench_surveys on "
                                               "(default: SQLite)")
    args = parser.parse_args()
    with fresh_database(args.database_url, "technet_bench_surveys") as db, SlackStandIn() as standin:
        settings = Settings(bot_token="xoxb-bench", signing_secret="bench", slack_api_url=standin.api_url,
                            database_url=db.engine.url.render_as_string(hide_password=False),
                            organisers=frozenset({ORGANISER}))
        runtime = Runtime.build(settings, threads=2)
        try:
            add_members(runtime, args.members)
            print(f"{args.members:,} members ({runtime.db.engine.dialect.name})")
            send(runtime, args.members)
            results(runtime, args.members)
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
