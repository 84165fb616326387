"""APScheduler wiring. It only ticks: what is due lives in our tables (DESIGN decision 11)."""

from __future__ import annotations

import logging
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler

from bot.runtime import Runtime
from digests import plan_all
from digests.runner import run_due
from storage.clock import now

log = logging.getLogger(__name__)

TICK_JOB_ID = "technet.tick"


def tick(runtime: Runtime) -> None:
    try:
        moment = now()
        # Recurring posts (the e-zine's next issue) are put in the ledger first; idempotent.
        plan_all(runtime, moment)
        report = run_due(runtime, moment)
    except Exception:
        # The next tick tries again; a broken tick must not kill the scheduler thread.
        log.exception("scheduler tick failed")
        return
    if report.done or report.failed or report.skipped or report.lost:
        log.info("tick: %s", report)


def start_scheduler(runtime: Runtime) -> BackgroundScheduler:
    # A memory job store: nothing is pickled, and every replica can run the same job,
    # because each due row is claimed in the database before it is posted.
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        tick,
        "interval",
        seconds=runtime.settings.tick_seconds,
        args=[runtime],
        id=TICK_JOB_ID,
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        next_run_time=now(),
    )
    scheduler.start()
    return scheduler
