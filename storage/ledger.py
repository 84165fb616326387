"""The due ledger: exactly-once scheduled posts (DESIGN decisions 3 and 11).

Each thing to post is a row keyed by (kind, subject, occurrence). A process claims a
due row with a conditional UPDATE that only one process can win, commits the claim,
posts, then marks the row done. A failed post goes back to pending with a backoff;
a claim whose process died expires after its lease and the row is tried again.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import Database, rowcount
from storage.models import DueItem

PENDING, DONE, FAILED, SKIPPED, CANCELLED = "pending", "done", "failed", "skipped", "cancelled"
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)
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
    attempts: int


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
    """Claim up to `limit` due rows for `worker` (of the rows `only` names, if given).

    Each claim is committed before it is returned.
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
    with db.transaction() as session:
        ids = session.scalars(select(DueItem.id).where(claimable).order_by(DueItem.not_before).limit(limit)).all()
    claimed = []
    for item_id in ids:
        with db.transaction() as session:
            won = rowcount(session.execute(
                update(DueItem)
                .where(DueItem.id == item_id, claimable)
                .values(claimed_by=worker, claim_expires_at=now + lease, attempts=DueItem.attempts + 1),
                execution_options={"synchronize_session": False},
            ))
            if won != 1:
                continue  # another process got there first
            item = session.get_one(DueItem, item_id)
            claimed.append(Claimed(item.id, item.kind, item.subject, item.occurrence, item.due_at,
                                   dict(item.payload), item.attempts))
    return claimed


def _finish(db: Database, claim: Claimed, worker: str, **values: Any) -> bool:
    with db.transaction() as session:
        return rowcount(session.execute(
            update(DueItem)
            .where(DueItem.id == claim.id, DueItem.claimed_by == worker, DueItem.status == PENDING)
            .values(claim_expires_at=None, **values),
            execution_options={"synchronize_session": False},
        )) == 1


def mark_done(db: Database, claim: Claimed, worker: str, *, now: datetime, result: str | None = None) -> bool:
    return _finish(db, claim, worker, status=DONE, done_at=now, result=result)


def mark_skipped(db: Database, claim: Claimed, worker: str, *, now: datetime, reason: str) -> bool:
    return _finish(db, claim, worker, status=SKIPPED, done_at=now, result=reason)


def mark_failed(db: Database, claim: Claimed, worker: str, *, now: datetime, error: str,
                retry_after: float | None = None, permanent: bool = False) -> str:
    """Put the row back with a backoff, or give up after MAX_ATTEMPTS. Returns the new status."""
    if permanent or claim.attempts >= MAX_ATTEMPTS:
        _finish(db, claim, worker, status=FAILED, done_at=now, result=error)
        return FAILED
    delay = timedelta(seconds=max(backoff(claim.attempts).total_seconds(), retry_after or 0))
    _finish(db, claim, worker, not_before=now + delay, result=error, claimed_by=None)
    return PENDING


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min ... capped at an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
