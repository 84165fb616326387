"""A worker's hold on the due items it claimed: renewed while it works, checked before each send.

Here rather than in digests/, which run inside requests too and wait for nobody: the heartbeat
waits on a thread of its own, never the request's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from core.delivery import LostClaim
from core.services import Services
from storage import ledger

log = logging.getLogger(__name__)


class Holding:
    """The claims of one batch, as this worker holds them: renewed while it works (the heartbeat), and
    asked before each send whether the one being sent is still this worker's (fencing).

    The heartbeat is a thread that renews the open claims every third of a lease while the batch is
    worked (`with holding:`), so a slow send (a late answer, Retry-After waits in the call, a history
    read) does not let the lease run out under a live worker. A stalled process (a GC pause, a frozen
    VM) stalls its heartbeat too, so its leases do run out; and a renewal only extends a lease that has
    not, under the token it was claimed with, so the next claimant's claim is never taken back. Before
    each send the worker also renews once a third of the lease is gone (a clock moved by a test or the
    shell, with no time passing for the thread)."""

    def __init__(self, runtime: Services, worker: str, claims: list[ledger.Claimed], lease: timedelta,
                 clock: Callable[[], datetime]):
        self.runtime, self.worker, self.lease, self.clock = runtime, worker, lease, clock
        self.open = list(claims)
        # Claims a renewal found gone (another worker has claimed them since).
        self.lost: set[int] = set()
        # What this worker knows of its leases: when the last renewal it saw runs out.
        self.until = clock() + lease
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat: threading.Thread | None = None

    def __enter__(self) -> Holding:
        self._beat = threading.Thread(target=self._heartbeat, name=f"lease-heartbeat-{self.worker}", daemon=True)
        self._beat.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._beat is not None:
            self._beat.join()

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.lease.total_seconds() / 3):
            try:
                self.renew()
            except Exception:  # the worker's own check before its next send renews or finds out
                log.exception("renewing the leases of worker %s failed", self.worker)

    def finished(self, claim: ledger.Claimed) -> None:
        with self._lock:
            self.open = [c for c in self.open if c.id != claim.id]

    def renew(self) -> None:
        """Extend the leases of the open claims, unless they have run out already (a stall)."""
        moment = self.clock()
        with self._lock:
            claims, until = list(self.open), self.until
        if not claims or moment >= until:
            return
        renewed = ledger.renew(self.runtime.db, claims, self.worker, now=moment, lease=self.lease)
        with self._lock:
            # Only the claims still open: one finished meanwhile no longer has a lease to renew.
            still_open = {c.id for c in self.open}
            self.lost.update(c.id for c in claims if c.id not in renewed and c.id in still_open)
            self.open = [c for c in self.open if c.id not in self.lost]
            self.until = max(self.until, moment + self.lease)

    def check(self, claim: ledger.Claimed) -> None:
        """Raise LostClaim unless `claim` is still held; renew the batch once a third of the lease is gone."""
        moment = self.clock()
        with self._lock:
            until = self.until
        if moment >= until:
            # Stalled past the lease (a pause, a frozen VM): another worker may have the items now.
            raise LostClaim(f"its lease ran out at {until:%H:%M:%S} (now {moment:%H:%M:%S})")
        if moment >= until - self.lease * 2 / 3:
            self.renew()
        with self._lock:
            if claim.id in self.lost:
                raise LostClaim("another worker has claimed it since")
