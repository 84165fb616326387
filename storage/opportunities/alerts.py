"""Deadline reminders and tag follows: the due rows (storage/ledger.py) that digests/careers.py
turns into DMs, each once, and what is still true when one is due."""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import ledger
from storage.db import rowcount
from storage.errors import DomainError, NotFound
from storage.members import Actor, find_addressed, members_by_ids
from storage.models import DueItem, Member
from storage.models.careers import Opportunity, OpportunityFollow, OpportunityReminder
from storage.opportunities.values import (
    TAG_LIMIT, OpportunityInfo, ReminderSet, info, is_current, normalise_tag, reminder_due_at,
)

# Kinds of due row (digests/careers.py delivers them).
DEADLINE_REMINDER = "dev_deadline"
FOLLOWED_TAG = "dev_followed"


def tell_followers(session: Session, row: Opportunity, *, now: datetime, tz: tzinfo) -> int:
    """A due DM for each member following one of its tags (once per member and opportunity, ever)."""
    if not row.tags or not is_current(row, now.astimezone(tz).date()):
        return 0
    followers = session.execute(
        select(Member.id, func.min(OpportunityFollow.tag))
        .join(OpportunityFollow, OpportunityFollow.member_id == Member.id)
        .where(OpportunityFollow.tag.in_(row.tags), Member.deactivated.is_(False))
        .group_by(Member.id)
    ).all()
    people = members_by_ids(session, (member_id for member_id, _ in followers))
    for member_id, tag in followers:
        if member_id == row.created_by_id:
            continue
        ledger.schedule(session, kind=FOLLOWED_TAG, subject=f"opportunity:{row.id}", occurrence=f"member:{member_id}",
                        due_at=now, payload={"member": people[member_id].user_id, "tag": tag})
    return len(followers)


def _reminder_subject(opportunity_id: int, member_id: int) -> str:
    return f"opportunity:{opportunity_id}:member:{member_id}"


def reschedule_reminders(session: Session, row: Opportunity, old_deadline: date | None, *, now: datetime,
                         tz: tzinfo) -> None:
    """A moved deadline moves each reminder (a new occurrence); a removed one cancels them."""
    reminders = session.scalars(
        select(Member).join(OpportunityReminder, Member.id == OpportunityReminder.member_id)
        .where(OpportunityReminder.opportunity_id == row.id)
    ).all()
    for member in reminders:
        subject = _reminder_subject(row.id, member.id)
        ledger.cancel_pending(session, kind=DEADLINE_REMINDER, subject=subject)
        if row.deadline is not None and reminder_due_at(row.deadline, tz) > now:
            _schedule_reminder(session, row, member.id, member.user_id, tz=tz)


def _schedule_reminder(session: Session, row: Opportunity, member_id: int, user_id: str, *,
                       tz: tzinfo) -> DueItem:
    assert row.deadline is not None
    due = reminder_due_at(row.deadline, tz)
    item = ledger.schedule(session, kind=DEADLINE_REMINDER, subject=_reminder_subject(row.id, member_id),
                           occurrence=row.deadline.isoformat(), due_at=due,
                           payload={"member": user_id, "opportunity": row.id})
    if item.status == ledger.CANCELLED:
        # The deadline moved away and back again: the old row is the one to post.
        item.status, item.due_at, item.not_before, item.attempts = ledger.PENDING, due, due, 0
    return item


def remind_me(session: Session, actor: Actor, opportunity_id: int, *, now: datetime, tz: tzinfo) -> ReminderSet:
    """A DM two days before the deadline, once; asking again changes nothing."""
    row = session.get(Opportunity, opportunity_id)
    if row is None:
        raise NotFound("That opportunity is no longer in the catalogue.")
    if row.deadline is None:
        raise DomainError(f"“{row.title}” has no application deadline, so there is nothing to remind you of.")
    today = now.astimezone(tz).date()
    if row.deadline < today:
        raise DomainError(f"Applications for “{row.title}” closed on {row.deadline:%-d %B %Y}.")
    due = reminder_due_at(row.deadline, tz)
    if due <= now:
        raise DomainError(f"The deadline for “{row.title}” is {row.deadline:%A %-d %B}: too close for a reminder, "
                          "so apply now if you mean to.")
    existing = session.get(OpportunityReminder, (actor.member_id, row.id))
    if existing is None:
        try:
            with session.begin_nested():
                session.add(OpportunityReminder(member_id=actor.member_id, opportunity_id=row.id, created_at=now))
        except IntegrityError:
            existing = session.get(OpportunityReminder, (actor.member_id, row.id))
    _schedule_reminder(session, row, actor.member_id, actor.user_id, tz=tz)
    return ReminderSet(info(row, reminder_set=True), due, already=existing is not None)


def reminder_to_send(session: Session, opportunity_id: int, member_user_id: str, occurrence: str, *,
                     today: date) -> OpportunityInfo | None:
    """The opportunity to remind this member of, or None when the reminder no longer applies."""
    row = session.get(Opportunity, opportunity_id)
    if row is None or row.deadline is None or row.deadline.isoformat() != occurrence or row.deadline < today:
        return None
    member = find_addressed(session, member_user_id)
    if member is None or member.deactivated or session.get(OpportunityReminder, (member.id, row.id)) is None:
        return None
    return info(row, reminder_set=True)


def follow(session: Session, actor: Actor, tag: str, *, now: datetime) -> tuple[str, bool]:
    """Follow a tag; returns it normalised, and whether it is new (following twice is harmless)."""
    key = normalise_tag(tag)
    if not key or not re.search(r"\w", key):
        raise DomainError("Say which tag to follow, e.g. `/tech dev follow microscopy`.")
    if len(key) > TAG_LIMIT:
        raise DomainError(f"Tags are at most {TAG_LIMIT} characters.")
    if session.get(OpportunityFollow, (actor.member_id, key)) is not None:
        return key, False
    try:
        with session.begin_nested():
            session.add(OpportunityFollow(member_id=actor.member_id, tag=key, created_at=now))
    except IntegrityError:
        return key, False
    return key, True


def unfollow(session: Session, actor: Actor, tag: str) -> tuple[str, bool]:
    key = normalise_tag(tag)
    if not key:
        raise DomainError("Say which tag to stop following, e.g. `/tech dev unfollow microscopy`.")
    gone = rowcount(session.execute(delete(OpportunityFollow).where(
        OpportunityFollow.member_id == actor.member_id, OpportunityFollow.tag == key),
        execution_options={"synchronize_session": False}))
    return key, bool(gone)


def follows(session: Session, member_id: int) -> list[str]:
    return list(session.scalars(select(OpportunityFollow.tag).where(OpportunityFollow.member_id == member_id)
                                .order_by(OpportunityFollow.tag)))


def follow_notice_to_send(session: Session, opportunity_id: int, member_user_id: str, *,
                          today: date) -> tuple[OpportunityInfo, str] | None:
    """The new opportunity and the followed tag it carries, or None (unfollowed since, or no longer open)."""
    row = session.get(Opportunity, opportunity_id)
    member = find_addressed(session, member_user_id)
    if row is None or member is None or member.deactivated or not is_current(row, today):
        return None
    followed = set(follows(session, member.id))
    tag = next((t for t in row.tags or () if t in followed), None)
    if tag is None:
        return None
    reminded = session.get(OpportunityReminder, (member.id, row.id)) is not None
    return info(row, reminder_set=reminded), tag
