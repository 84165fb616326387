"""How long a member's copy and an erasure take as the network grows (measured, never asserted).

    .venv/bin/python bench/personal_data.py --members 1000 [--database-url postgresql+psycopg://...]

Writes a network of that size (bench/network.py) into a fresh database, then times
`export_member` and `erase_member` for a few members. Erasure reads every text and JSON
column of every table once (storage/personal_data/erasure.py), so it grows with the database.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402 - after sys.path has the repository

from bench.network import fresh_database, generate, populate  # noqa: E402 - after sys.path has the repository
from storage.models import Member  # noqa: E402 - after sys.path has the repository
from storage.personal_data.erasure import erase_member  # noqa: E402 - after sys.path has the repository
from storage.personal_data.export import export_member  # noqa: E402 - after sys.path has the repository


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--times", type=int, default=3, help="members to export and erase")
    parser.add_argument("--database-url", help="a PostgreSQL server to create technet_bench_pd on (default: SQLite)")
    args = parser.parse_args()
    now = datetime.now(UTC)
    with fresh_database(args.database_url, "technet_bench_pd") as db:
        counts = populate(db, generate(args.members, now=now))
        with db.reading() as session:
            ids = list(session.scalars(select(Member.id).where(Member.is_bot.is_(False)).order_by(Member.id)
                                       .limit(args.times)))
        exports, erasures = [], []
        for member_id in ids:
            began = time.perf_counter()
            with db.reading() as session:
                export_member(session, member_id, now=now, by="bench")
            exports.append(time.perf_counter() - began)
            began = time.perf_counter()
            with db.transaction() as session:
                erase_member(session, member_id, now=now, by="bench")
            erasures.append(time.perf_counter() - began)
    print(f"{counts.members:,} members, {counts.rsvps:,} RSVPs, {counts.events:,} events "
          f"({db.engine.dialect.name}): export median {statistics.median(exports) * 1000:.0f} ms, "
          f"erasure median {statistics.median(erasures) * 1000:.0f} ms (of {len(ids)})")


if __name__ == "__main__":
    main()
