"""Scale benchmark of the network report: how long building it takes as the network grows.

For each size, a fresh migrated database gets the tests' generator data (tests/report_data.py):
N members over two development years, and 10 RSVPs and 10 CPD entries per member (so
100,000 of each at 10,000 members), with events, awards, registration, mentoring, news and
opportunities to match. Loading is not timed. Then, each the median of --repeat runs:

- figures: `storage.report.build_report` for this development year (every section);
- charts:  drawing every chart to PNG (matplotlib, Agg);
- html:    the standalone HTML page with the charts embedded;
- home:    the headline figures an organiser's Home tab shows (`storage.report.headline`),
           built each time an organiser opens Home.

    .venv/bin/python bench/report.py                        # SQLite, 1,000 to 10,000 members
    .venv/bin/python bench/report.py --sizes 1000 10000 --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
    .venv/bin/python bench/report.py --sizes 300 --charts docs/    # the README's chart
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, UTC
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, update  # noqa: E402 - after sys.path has the repository
from sqlalchemy.engine import make_url  # noqa: E402 - after sys.path has the repository

from bench.network import fresh_database  # noqa: E402 - after sys.path has the repository
from core.templating import environment  # noqa: E402 - after sys.path has the repository
from digests import report_files  # noqa: E402 - after sys.path has the repository
from storage import report  # noqa: E402 - after sys.path has the repository
from storage.cpd import topics as cpd_topics  # noqa: E402 - after sys.path has the repository
from bot.slack_refs import slack_identity  # noqa: E402 - after sys.path has the repository
from storage.members import Actor, Role  # noqa: E402 - after sys.path has the repository
from tests import report_data  # noqa: E402 - after sys.path has the repository

UTC = UTC
NOW = datetime(2026, 7, 15, 12, tzinfo=UTC)
START = datetime(2024, 7, 31, 23, tzinfo=UTC)
PER_MEMBER = 10
ORGANISER = Actor(1, slack_identity("U0BENCH001"), frozenset({Role.MEMBER, Role.ORGANISER}))


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The median wall time of `repeat` runs, in seconds, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), result


def run(size: int, url: str | None, repeat: int, charts_dir: Path | None = None) -> dict[str, float]:
    options = report.ReportOptions()
    data = report_data.generate(members=size, seed=size, start=START, now=NOW, small_since=START + timedelta(days=365),
                                rsvps=size * PER_MEMBER, cpd_entries=size * PER_MEMBER)
    with fresh_database(url, f"technet_bench_report_{size}") as db:
        began = time.perf_counter()
        with db.transaction() as session:
            report_data.load(session, data)
            plan_and_topics(session, size)
        loaded = time.perf_counter() - began
        from storage.models.careers import CpdEntry
        from storage.models.events import Rsvp

        with db.reading() as session:
            rsvps = session.execute(select(func.count()).select_from(Rsvp)).scalar_one()
            entries = session.execute(select(func.count()).select_from(CpdEntry)).scalar_one()
        period = report.parse_period("this year", now=NOW, options=options)

        def figures() -> report.Report:
            with db.reading() as session:
                return report.build_report(session, None, period, now=NOW, options=options)

        def home() -> report.Report:
            with db.reading() as session:
                return report.headline(session, ORGANISER, now=NOW, options=options)

        build_s, built = timed(figures, repeat)
        home_s, _ = timed(home, repeat)
        charts_s, images = timed(lambda: report_files.chart_images(built), repeat)
        env = environment()
        html_s, _ = timed(lambda: report_files.render_html(built, env, images), repeat)
    if charts_dir is not None:
        charts_dir.mkdir(parents=True, exist_ok=True)
        for key, png in images.items():
            (charts_dir / f"report-{key.replace('.', '-')}.png").write_bytes(png)
    return {"members": size, "rsvps": rsvps, "cpd": entries, "load": loaded, "figures": build_s,
            "charts": charts_s, "html": html_s, "home": home_s, "charts_drawn": len(images),
            "figures_count": len(built.figures)}


def plan_and_topics(session: Any, size: int) -> None:
    """What issue 18 added to the report: a topic on two CPD entries in three, and an action plan of
    40 actions (10 a pillar) with an owner each, so the topic and plan figures have rows to count."""
    from datetime import date

    from storage.actions import PILLARS, STATUSES
    from storage.models import Member
    from storage.models.actions import PlanAction, PlanActionOwner
    from storage.models.careers import CpdEntry

    keys = [key for key, _ in cpd_topics()]
    for n, key in enumerate(keys):
        session.execute(update(CpdEntry).where(CpdEntry.id % (len(keys) + 4) == n).values(topic=key))
    owners = list(session.scalars(select(Member.id).order_by(Member.id).limit(40)))
    for n in range(40):
        action = PlanAction(natural_key=f"bench action {n}", title=f"Bench action {n}", pillar=list(PILLARS)[n % 4],
                            due_on=date(2026, 1 + n % 12, 15), measure="CPD days" if n % 5 == 0 else "",
                            status=STATUSES[n % len(STATUSES)], created_at=NOW, updated_at=NOW)
        session.add(action)
        session.flush()
        session.add(PlanActionOwner(action_id=action.id, member_id=owners[n % len(owners)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 5000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--charts", type=Path, metavar="DIR",
                        help="also write the charts of the largest size as PNG files here")
    parser.add_argument("--database-url", help="a PostgreSQL server to create the bench databases on "
                                               "(default: SQLite files in a temporary folder)")
    args = parser.parse_args()
    backend = make_url(args.database_url).get_backend_name() if args.database_url else "sqlite"
    print(f"technet report bench on {backend}: this development year, median of {args.repeat} runs")
    print(f"{'members':>8} {'RSVPs':>8} {'CPD':>8} {'figures':>9} {'x 1st':>6} {'charts':>8} {'html':>7} "
          f"{'total':>8} {'x 1st':>6} {'home':>7}   (load, not timed)")
    first: dict[str, float] = {}
    for size in args.sizes:
        row = run(size, args.database_url, args.repeat, args.charts if size == max(args.sizes) else None)
        row["total"] = row["figures"] + row["charts"] + row["html"]
        first = first or row
        print(f"{row['members']:>8,} {row['rsvps']:>8,} {row['cpd']:>8,} {row['figures']:>8.3f}s "
              f"{row['figures'] / first['figures']:>5.2f}x {row['charts']:>7.3f}s {row['html']:>6.3f}s "
              f"{row['total']:>7.3f}s {row['total'] / first['total']:>5.2f}x {row['home']:>6.3f}s"
              f"   ({row['load']:.1f}s; {row['figures_count']} figures, {row['charts_drawn']} charts)", flush=True)

if __name__ == "__main__":
    main()
