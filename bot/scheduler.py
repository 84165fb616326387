"""APScheduler wiring. It only ticks: what is due lives in our tables (DESIGN decision 11)."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.runtime import Runtime
from digests import plan_all
from digests.runner import TickReport, run_due, worker_name
from storage.clock import now

log = logging.getLogger(__name__)

TICK_JOB_ID = "technet.tick"


def tick(runtime: Runtime) -> None:
    try:
        moment = now()
        # Recurring posts (the e-zine's next issue) are put in the ledger first; idempotent.
        plan_all(runtime, moment)
        report = send_due(runtime, moment)
    except Exception:
        # The next tick tries again; a broken tick must not kill the scheduler thread.
        log.exception("scheduler tick failed")
        return
    if report.done or report.failed or report.skipped or report.lost:
        log.info("tick: %s", report)


def send_due(runtime: Runtime, moment: datetime) -> TickReport:
    """The tick's senders (TECHNET_SENDERS) work the ledger side by side, each claiming batches of its
    own: one slow post (a late answer, a Retry-After waited out) holds up its own sender's batch, not
    everything due after it."""
    senders = runtime.settings.senders
    if senders == 1:
        return run_due(runtime, moment)
    name = worker_name()
    with ThreadPoolExecutor(senders, thread_name_prefix="technet-sender") as pool:
        reports = pool.map(lambda n: run_due(runtime, moment, worker=f"{name}/{n}", housekeeping=n == 0),
                           range(senders))
        return sum(reports, TickReport())


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
