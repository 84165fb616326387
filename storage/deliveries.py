"""Events API deliveries already acted on: Slack redelivers an event when an ack is slow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.db import rowcount
from storage.models import SlackDelivery


def record_delivery(session: Session, event_id: str, *, now: datetime) -> bool:
    """True the first time an Events API delivery is seen, False on Slack's redeliveries."""
    try:
        with session.begin_nested():
            session.add(SlackDelivery(event_id=event_id, received_at=now))
    except IntegrityError:
        return False
    return True


def forget_deliveries(session: Session, *, before: datetime) -> int:
    """Slack stops redelivering after minutes; a day of history is plenty."""
    return rowcount(session.execute(delete(SlackDelivery).where(SlackDelivery.received_at < before)))
