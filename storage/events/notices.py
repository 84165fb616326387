"""Notices: the changes people must hear about (moved, cancelled, a waitlist promotion, the
channel announcement), written in the unit of work of the change; the Slack side claims each
once and sends it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from storage.events.constants import NOTICE_FRESHNESS
from storage.events.info import Notice
from storage.events.rows import get_event, get_event_row
from storage.models import Member
from storage.models.events import Event, EventNotice


def created_by(session: Session, source_key: str) -> list[int]:
    """The events this submission created (none yet, while its unit of work is not visible)."""
    return list(session.scalars(select(Event.id).where(Event.source_key == source_key).order_by(Event.series_index)))


def claim_notices(session: Session, *, now: datetime, event_ids: Iterable[int] = (),
                  source_key: str | None = None) -> list[Notice]:
    """Claim the unsent notices of these events (or of this submission): each is claimed by
    one caller only. Recipients who left the workspace are dropped. Commit before sending."""
    wanted = [EventNotice.event_id.in_(list(event_ids))]
    if source_key is not None:
        wanted.append(EventNotice.source_key == source_key)
    rows = list(session.scalars(select(EventNotice).where(EventNotice.sent_at.is_(None), or_(*wanted))
                                .order_by(EventNotice.id)))
    claimed = []
    for row in rows:
        won = session.execute(update(EventNotice).where(EventNotice.id == row.id, EventNotice.sent_at.is_(None))
                              .values(sent_at=now), execution_options={"synchronize_session": False}).rowcount
        if won != 1 or row.created_at < now - NOTICE_FRESHNESS:
            continue
        left = set(session.scalars(select(Member.slack_user_id).where(
            Member.slack_user_id.in_(list(row.recipients)), Member.deactivated.is_(True))))
        claimed.append(Notice(row.id, row.kind, get_event(session, row.event_id),
                              tuple(r for r in row.recipients if r not in left), dict(row.details), row.created_by))
    return claimed


def series_size(session: Session, series_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Event).where(Event.series_id == series_id)) or 0


def record_announcement(session: Session, event_id: int, channel: str, ts: str) -> None:
    event = get_event_row(session, event_id)
    event.announce_channel, event.announce_ts = channel, ts
