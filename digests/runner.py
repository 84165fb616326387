"""What one scheduler tick does: claim what is due, post each item once, record the result.

The scheduler only calls `run_due(runtime, now)`; tests call it directly under
freezegun. Features add kinds of due item (a reminder, an announcement, an e-zine
issue) with `DueKinds.add` (core.due).
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.delivery import DeliveryError
from core.due import DueKind, Skip
from core.services import Services
from storage import deliveries, ledger
from storage.clock import now as clock_now

log = logging.getLogger(__name__)

@dataclass
class TickReport:
    done: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0


def network_channel(runtime: Services) -> str:
    """Where network posts go; with none configured, the post is skipped."""
    if not runtime.settings.network_channel:
        raise Skip("no network channel is configured (TECHNET_NETWORK_CHANNEL)")
    return runtime.settings.network_channel


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def send_due_now(runtime: Services, due: Collection[int]) -> None:
    """Send the rows a change has just put in the ledger (`due`: from ledger.scheduled_in)
    without waiting for the scheduler's tick. Each is claimed first, so nothing goes twice;
    one that fails stays for the tick to retry, and nothing else due is sent from here."""
    run_due(runtime, clock_now(), only=due)


def run_due(runtime: Services, now: datetime, *, worker: str | None = None, limit: int = 50,
            only: Collection[int] | None = None) -> TickReport:
    """Claim and post what is due: everything (the scheduler's tick), or only the rows `only` names.

    A request's work after its ack passes `only`, the rows its change scheduled
    (`ledger.scheduled_in`): it sends what it owes at once, and leaves the rest of the
    ledger, and any retry, to the tick.
    """
    worker = worker or worker_name()
    report = TickReport()
    for claim in ledger.claim_due(runtime.db, now=now, worker=worker, limit=limit, only=only):
        kind = runtime.due_kinds.kinds.get(claim.kind)
        if kind is None:
            ledger.mark_failed(runtime.db, claim, worker, now=now, error=f"no deliverer for {claim.kind!r}",
                               permanent=True)
            report.failed += 1
            continue
        if now - claim.due_at > kind.grace:
            reason = f"late by {now - claim.due_at}, beyond the grace of {kind.grace}"
            ledger.mark_skipped(runtime.db, claim, worker, now=now, reason=reason)
            _give_up(runtime, kind, claim, reason)
            report.skipped += 1
            continue
        try:
            result = kind.deliver(runtime, claim, now)
        except Skip as why:
            ledger.mark_skipped(runtime.db, claim, worker, now=now, reason=str(why) or "no longer applies")
            report.skipped += 1
            continue
        except DeliveryError as e:
            # The surface says whether a retry can help (a permanent refusal gives up at once) and when.
            error = e.reason
            status = ledger.mark_failed(runtime.db, claim, worker, now=now, error=error, retry_after=e.retry_after,
                                        permanent=e.permanent)
            log.warning("%s %s/%s failed (%s), now %s", claim.kind, claim.subject, claim.occurrence, error, status)
        except Exception as e:  # a bug in one deliverer, or the network, must not stop the others
            log.exception("%s %s/%s raised", claim.kind, claim.subject, claim.occurrence)
            error = repr(e)
            status = ledger.mark_failed(runtime.db, claim, worker, now=now, error=error)
        else:
            ledger.mark_done(runtime.db, claim, worker, now=now, result=result)
            report.done += 1
            continue
        if status == ledger.FAILED:
            _give_up(runtime, kind, claim, error)
            report.failed += 1
        else:
            report.retried += 1
    if only is not None:
        return report  # housekeeping is the tick's
    with runtime.db.transaction() as session:
        deliveries.forget_deliveries(session, before=now - timedelta(days=1))
    return report


def _give_up(runtime: Services, kind: DueKind, claim: ledger.Claimed, reason: str) -> None:
    if kind.on_give_up is None:
        return
    try:
        kind.on_give_up(runtime, claim, reason)
    except Exception:
        log.exception("telling someone that %s %s/%s was given up failed", claim.kind, claim.subject,
                      claim.occurrence)
