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
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from core.delivery import DeliveryError, LostClaim, SendContext, sending
from core.leases import Holding
from core.due import DueKind, Skip
from core.services import Services
from storage import deliveries, delivery_report, ledger
from storage.clock import now as clock_now

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    done: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    # Items this worker had claimed but found it no longer held (it stalled past its lease).
    lost: int = 0

    def __add__(self, other: TickReport) -> TickReport:
        return TickReport(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))


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


def batch_size(lease: timedelta) -> int:
    """How many items one claim takes: a third of a lease's worth at Slack's pace for posts (about
    one a second in a conversation), so a batch ends well inside its lease even when slow; the
    lease is renewed as it goes all the same."""
    return max(1, min(50, int(lease.total_seconds() // 3)))


def run_due(runtime: Services, now: datetime, *, worker: str | None = None, limit: int | None = None,
            only: Collection[int] | None = None, housekeeping: bool = True) -> TickReport:
    """Claim and post what is due: everything (the scheduler's tick), or only the rows `only` names.

    A request's work after its ack passes `only`, the rows its change scheduled
    (`ledger.scheduled_in`): it sends what it owes at once, and leaves the rest of the
    ledger, and any retry, to the tick.

    Items are claimed in batches (`batch_size`) until nothing more is due. A worker that finds it
    has lost a claim (it stalled past its lease) sends nothing more from its batch, and says so.
    Several workers may run side by side (the scheduler's senders): each claims batches of its own,
    and only one of them (`housekeeping`) tidies up after.
    """
    worker = worker or worker_name()
    lease = runtime.settings.lease
    limit = limit or batch_size(lease)
    started = clock_now()

    def clock() -> datetime:
        # `now` moved on by the clock's time since the run began: a run for a given moment (a
        # test's, the shell's) still sees its leases run out as time passes.
        return now + (clock_now() - started)

    report = TickReport()
    moment = now
    for _ in range(10_000):  # a bound, not a budget: each pass claims at least one item
        batch = ledger.claim_due(runtime.db, now=moment, worker=worker, limit=limit, lease=lease, only=only)
        if not batch:
            break
        holding = Holding(runtime, worker, batch, lease, clock)
        try:
            with holding:
                for claim in batch:
                    holding.check(claim)
                    _send_one(runtime, claim, worker, moment, holding, report)
                    holding.finished(claim)
        except LostClaim as lost:
            report.lost += len(holding.open)
            log.warning("worker %s lost its claim on %d due item(s) (%s): it stops, sending nothing more "
                        "from its batch", worker, len(holding.open), lost)
            break
        # A short batch may only mean other senders were claiming rows at that moment (they are
        # passed over, not waited for): look again until a claim comes back empty.
        moment = clock()
    if only is not None or not housekeeping:
        return report  # housekeeping is the tick's, once
    with runtime.db.transaction() as session:
        deliveries.forget_deliveries(session, before=now - timedelta(days=1))
    return report


def _send_one(runtime: Services, claim: ledger.Claimed, worker: str, now: datetime, holding: Holding,
              report: TickReport) -> None:
    kind = runtime.due_kinds.kinds.get(claim.kind)
    if kind is None:
        ledger.mark_failed(runtime.db, claim, worker, now=now, error=f"no deliverer for {claim.kind!r}",
                           permanent=True)
        report.failed += 1
        return
    context = SendContext(claim.key, look_since=claim.look_since, still_held=lambda: holding.check(claim))

    def record(outcome: str, reason: str | None = None, message_id: str | None = None) -> None:
        # The delivery record: one row an attempt, for the report (storage.delivery_report).
        try:
            with runtime.db.transaction() as session:
                delivery_report.record_attempt(session, claim, now=holding.clock(), outcome=outcome,
                                               surface=context.surface, recipient=context.recipient,
                                               reason=reason, message_id=message_id)
        except Exception:
            log.exception("recording the attempt at %s %s/%s failed", claim.kind, claim.subject, claim.occurrence)

    if now - claim.due_at > kind.grace:
        reason = f"late by {now - claim.due_at}, beyond the grace of {kind.grace}"
        if ledger.mark_skipped(runtime.db, claim, worker, now=now, reason=reason):
            record(delivery_report.GIVEN_UP, reason)
            _give_up(runtime, kind, claim, reason)
            report.skipped += 1
        else:
            report.lost += 1
        return
    try:
        with sending(context):
            result = kind.deliver(runtime, claim, now)
    except Skip as why:
        reason = str(why) or "no longer applies"
        if ledger.mark_skipped(runtime.db, claim, worker, now=now, reason=reason):
            record(delivery_report.SKIPPED, reason)
            report.skipped += 1
        else:
            report.lost += 1
        return
    except LostClaim as lost:
        record(delivery_report.LOST, str(lost))
        raise
    except DeliveryError as e:
        # The surface says whether a retry can help (a permanent refusal gives up at once) and when;
        # after an ambiguous failure the next attempt looks for the post before sending again.
        error = e.reason
        status = ledger.mark_failed(runtime.db, claim, worker, now=now, error=error, retry_after=e.retry_after,
                                    permanent=e.permanent, ambiguous=e.ambiguous)
        log.warning("%s %s/%s %s (%s), now %s", claim.kind, claim.subject, claim.occurrence,
                    "may not have gone" if e.ambiguous else "was refused", error, status)
        if status != ledger.LOST:
            record(delivery_report.GIVEN_UP if status == ledger.FAILED else
                   delivery_report.AMBIGUOUS if e.ambiguous else delivery_report.REFUSED, error)
    except Exception as e:  # a bug in one deliverer, or the network, must not stop the others
        log.exception("%s %s/%s raised", claim.kind, claim.subject, claim.occurrence)
        error = repr(e)
        # It may have raised after posting: the retry looks first.
        status = ledger.mark_failed(runtime.db, claim, worker, now=now, error=error, ambiguous=True)
        if status != ledger.LOST:
            record(delivery_report.GIVEN_UP if status == ledger.FAILED else delivery_report.AMBIGUOUS, error[:255])
    else:
        if ledger.mark_done(runtime.db, claim, worker, now=now, result=result):
            record(delivery_report.FOUND if context.found else delivery_report.SENT, message_id=result)
        else:
            log.warning("%s %s/%s was sent, but worker %s no longer held its claim to record it",
                        claim.kind, claim.subject, claim.occurrence, worker)
        report.done += 1
        return
    if status == ledger.LOST:
        # Another worker claimed the item while this one waited for its answer: the result is the
        # next claimant's to record (its attempt looks for this one's post first), and nobody is told
        # it was given up.
        log.warning("%s %s/%s failed, but worker %s no longer held its claim to record it",
                    claim.kind, claim.subject, claim.occurrence, worker)
        record(delivery_report.LOST, f"failed ({error[:200]}) after the claim was lost")
        report.lost += 1
    elif status == ledger.FAILED:
        _give_up(runtime, kind, claim, error)
        report.failed += 1
    else:
        report.retried += 1


def _give_up(runtime: Services, kind: DueKind, claim: ledger.Claimed, reason: str) -> None:
    if kind.on_give_up is None:
        return
    try:
        kind.on_give_up(runtime, claim, reason)
    except Exception:
        log.exception("telling someone that %s %s/%s was given up failed", claim.kind, claim.subject,
                      claim.occurrence)
