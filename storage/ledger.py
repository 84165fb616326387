"""The due ledger: exactly-once scheduled posts (DESIGN decisions 3 and 11).

Each thing to post is a row keyed by (kind, subject, occurrence). A process claims a
due row with a conditional UPDATE that only one process can win, commits the claim,
posts, then marks the row done. A failed post goes back to pending with a backoff;
a claim whose process died expires after its lease and the row is tried again.

Fencing (DESIGN decision 13): each claim takes the next attempt number, its token. The worker
renews its lease while it works (`renew`, only while the lease still runs and the token is
unchanged), and records the result with an UPDATE that matches the token, so a worker that
stalled past its lease cannot overwrite what the next claimant did. A row whose previous claim
ran out unfinished, or whose last attempt failed ambiguously, carries `ambiguous_since`: its
next attempt looks for the earlier post before sending.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database, rowcount
from storage.models import DueItem

PENDING, DONE, FAILED, SKIPPED, CANCELLED = "pending", "done", "failed", "skipped", "cancelled"
# What mark_failed returns when the worker no longer held the claim: it recorded nothing.
LOST = "lost"
# Failed attempts before an item is given up. Claims whose worker died or stalled do not count:
# they are no fault of the item, and a crash must not cost it a retry or a longer wait.
MAX_ATTEMPTS = 5
# The first retry after an ambiguous failure (a timeout, a dropped connection, a 5xx) comes soon:
# it looks for the post before sending, so it cannot post twice, and most such failures are brief.
AMBIGUOUS_FIRST_RETRY = timedelta(seconds=5)
# The default lease (TECHNET_LEASE_SECONDS): short, because a worker renews it while it works,
# and a crashed worker's items wait it out.
LEASE = timedelta(seconds=30)
# Where a session keeps the ids of the due rows it added (Session.info lasts as long as the session).
_SCHEDULED = "technet.ledger.scheduled"


@dataclass(frozen=True)
class Claimed:
    """A snapshot of a claimed row: what a worker needs, detached from any session."""

    id: int
    kind: str
    subject: str
    occurrence: str
    due_at: datetime
    payload: dict[str, Any]
    # The attempt number: the claim's fencing token.
    attempts: int
    claimed_at: datetime | None = None
    # Since when an earlier attempt may have posted (None: none can have).
    look_since: datetime | None = None
    # Earlier attempts that failed (not those whose worker died).
    failures: int = 0

    @property
    def key(self) -> str:
        """The row's key as posts carry it: unique, and stable across attempts."""
        return f"due:{self.id}"


def schedule(session: Session, *, kind: str, subject: str, occurrence: str, due_at: datetime,
             payload: dict[str, Any] | None = None) -> DueItem:
    """Add a due row unless one with the same key exists; the existing row wins."""
    existing = find(session, kind, subject, occurrence)
    if existing is not None:
        return existing
    item = DueItem(kind=kind, subject=subject, occurrence=occurrence, due_at=due_at, not_before=due_at,
                   payload=payload or {}, status=PENDING, attempts=0)
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        # Another process scheduled the same key between our look-up and insert.
        found = find(session, kind, subject, occurrence)
        assert found is not None
        return found
    session.info.setdefault(_SCHEDULED, []).append(item.id)
    return item


def scheduled_in(session: Session) -> tuple[int, ...]:
    """The ids of the due rows `session` added: what its change owes people.

    Read before the unit of work ends; the listener hands them to the work after its ack,
    which sends those (`claim_due(only=...)`) instead of a run of the whole ledger.
    """
    return tuple(session.info.get(_SCHEDULED, ()))


def find(session: Session, kind: str, subject: str, occurrence: str) -> DueItem | None:
    return session.scalar(
        select(DueItem).where(DueItem.kind == kind, DueItem.subject == subject, DueItem.occurrence == occurrence)
    )


def cancel_pending(session: Session, *, kind: str, subject: str, occurrence: str | None = None) -> int:
    """Cancel what has not been posted yet (a cancelled event gets no reminder)."""
    query = update(DueItem).where(DueItem.kind == kind, DueItem.subject == subject, DueItem.status == PENDING)
    if occurrence is not None:
        query = query.where(DueItem.occurrence == occurrence)
    return rowcount(session.execute(query.values(status=CANCELLED), execution_options={"synchronize_session": False}))


def next_due(session: Session, *, after: datetime, until: datetime) -> datetime | None:
    """When the first pending row in (after, until] may be claimed, if one may: the local
    shell moves its clock to each such moment in turn, so nothing is skipped as late."""
    return session.scalar(select(func.min(DueItem.not_before)).where(
        DueItem.status == PENDING, DueItem.not_before > after, DueItem.not_before <= until))


def claim_due(db: Database, *, now: datetime, worker: str, limit: int = 50, lease: timedelta = LEASE,
              only: Collection[int] | None = None) -> list[Claimed]:
    """Claim up to `limit` due rows for `worker` (of the rows `only` names, if given), oldest first.

    One statement picks and claims them, committed before they are returned. On PostgreSQL the pick
    skips rows another worker is claiming at that moment (SKIP LOCKED), so the senders of several
    replicas each take a batch of their own instead of racing for the same first rows; SQLite has
    one writer at a time, so its pick cannot overlap another.
    """
    claimable = and_(
        DueItem.status == PENDING,
        DueItem.not_before <= now,
        or_(DueItem.claim_expires_at.is_(None), DueItem.claim_expires_at <= now),
    )
    if only is not None:
        if not only:
            return []
        claimable = and_(claimable, DueItem.id.in_(only))
    # A materialised CTE is picked once; as an IN (subquery), PostgreSQL may rescan the subquery
    # for each row it updates and claim far more than `limit`.
    picked = (select(DueItem.id).where(claimable).order_by(DueItem.not_before, DueItem.id).limit(limit)
              .with_for_update(skip_locked=True).cte("picked").prefix_with("MATERIALIZED"))
    with db.transaction() as session:
        rows = session.execute(
            update(DueItem)
            # `claimable` again: under PostgreSQL's READ COMMITTED the pick's snapshot may be older than
            # the row it locked, and a row finished meanwhile must not be claimed.
            .where(DueItem.id.in_(select(picked.c.id)), claimable)
            .values(claimed_by=worker, claim_expires_at=now + lease, attempts=DueItem.attempts + 1,
                    claimed_at=now, ambiguous_since=_unfinished_since)
            .returning(DueItem.id, DueItem.kind, DueItem.subject, DueItem.occurrence, DueItem.due_at,
                       DueItem.payload, DueItem.attempts, DueItem.claimed_at, DueItem.ambiguous_since,
                       DueItem.failures, DueItem.not_before),
            execution_options={"synchronize_session": False},
        ).all()
    # RETURNING gives no order: the batch is sent oldest first.
    rows = sorted(rows, key=lambda r: (r.not_before, r.id))
    return [Claimed(r.id, r.kind, r.subject, r.occurrence, r.due_at, dict(r.payload), r.attempts, r.claimed_at,
                    r.ambiguous_since, r.failures) for r in rows]


# A claim that still has an expiry was never finished: its worker died or stalled, perhaps mid-send,
# so the new attempt must look for a post from the earlier one (from when it was claimed).
_unfinished_since = case(
    (DueItem.claim_expires_at.is_not(None),
     func.coalesce(DueItem.ambiguous_since, DueItem.claimed_at, DueItem.due_at)),
    else_=DueItem.ambiguous_since,
)


def renew(db: Database, claims: Collection[Claimed], worker: str, *, now: datetime,
          lease: timedelta = LEASE) -> set[int]:
    """Extend the leases of `claims` this worker still holds (its token unchanged, its lease not
    yet run out) to `now + lease`: the ids renewed. A claim missing from them is lost."""
    if not claims:
        return set()
    held = or_(*(and_(DueItem.id == c.id, DueItem.attempts == c.attempts) for c in claims))
    with db.transaction() as session:
        renewed = session.scalars(
            update(DueItem)
            .where(held, DueItem.claimed_by == worker, DueItem.status == PENDING, DueItem.claim_expires_at > now)
            .values(claim_expires_at=now + lease)
            .returning(DueItem.id),
            execution_options={"synchronize_session": False},
        ).all()
    return set(renewed)


def _finish(db: Database, claim: Claimed, worker: str, **values: Any) -> bool:
    """Record a claim's result, if the claim is still this worker's (the fencing token matches):
    False when another worker has claimed the row since."""
    with db.transaction() as session:
        return rowcount(session.execute(
            update(DueItem)
            .where(DueItem.id == claim.id, DueItem.claimed_by == worker, DueItem.attempts == claim.attempts,
                   DueItem.status == PENDING)
            .values(claim_expires_at=None, **values),
            execution_options={"synchronize_session": False},
        )) == 1


def mark_done(db: Database, claim: Claimed, worker: str, *, now: datetime, result: str | None = None) -> bool:
    return _finish(db, claim, worker, status=DONE, done_at=now, result=result)


def mark_skipped(db: Database, claim: Claimed, worker: str, *, now: datetime, reason: str) -> bool:
    return _finish(db, claim, worker, status=SKIPPED, done_at=now, result=reason)


def mark_failed(db: Database, claim: Claimed, worker: str, *, now: datetime, error: str,
                retry_after: float | None = None, permanent: bool = False, ambiguous: bool = False) -> str:
    """Put the row back with a backoff (`retry_wait`), or give up after MAX_ATTEMPTS failures. Returns
    the new status, or LOST when the worker no longer held the claim (nothing was recorded).

    `ambiguous`: this attempt may have posted, so the next one looks first (from this claim on)."""
    failures = claim.failures + 1
    if permanent or failures >= MAX_ATTEMPTS:
        held = _finish(db, claim, worker, status=FAILED, done_at=now, result=error, failures=failures)
        return FAILED if held else LOST
    wait = retry_wait(failures, ambiguous=ambiguous)
    delay = timedelta(seconds=max(wait.total_seconds(), retry_after or 0))
    since = {"ambiguous_since": claim.look_since or claim.claimed_at or now} if ambiguous else {}
    held = _finish(db, claim, worker, not_before=now + delay, result=error, claimed_by=None, failures=failures,
                   **since)
    return PENDING if held else LOST


def retry_wait(failures: int, *, ambiguous: bool) -> timedelta:
    """How long the item waits after its `failures`-th failure: a refused one 30 s, 1 min, 2 min ...; an
    ambiguous one 5 s, then 30 s, 1 min ... (its retry looks before it sends, so an early one cannot
    post twice; if the looking or the post fails again, Slack is struggling and it backs off as usual)."""
    if ambiguous:
        return AMBIGUOUS_FIRST_RETRY if failures <= 1 else backoff(failures - 1)
    return backoff(failures)


def backoff(failures: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at an hour."""
    return timedelta(seconds=min(30 * 2 ** max(failures - 1, 0), 3600))
