"""Calendar feeds: the network's public events, and a private feed per member of what they go to.

A member's feed is reached by a random token (a capability URL, as calendar apps expect: they
cannot log in). `/tech calendar` shows it (made on first use), `/tech calendar revoke` deletes it,
after which the old address is 404 and a new one can be made.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.members import Actor
from storage.models.site import CalendarFeed

def calendar_token(session: Session, actor: Actor, *, now: datetime) -> str:
    """The actor's feed token, made now if they have none."""
    feed = session.get(CalendarFeed, actor.member_id)
    if feed is not None:
        return feed.token
    token = secrets.token_urlsafe(32)
    try:
        with session.begin_nested():
            session.add(CalendarFeed(member_id=actor.member_id, token=token, created_at=now))
    except IntegrityError:
        # The same command twice at once: the other one made it.
        return session.get_one(CalendarFeed, actor.member_id, populate_existing=True).token
    return token


def revoke_calendar(session: Session, actor: Actor) -> bool:
    """Delete the actor's feed token; False if they had none."""
    feed = session.get(CalendarFeed, actor.member_id)
    if feed is None:
        return False
    session.delete(feed)
    session.flush()
    return True


def feed_owner(session: Session, token: str) -> int | None:
    """The member whose feed this token opens, or None (unknown, revoked, or malformed)."""
    if not token or len(token) > 64:
        return None
    return session.scalar(select(CalendarFeed.member_id).where(CalendarFeed.token == token))
