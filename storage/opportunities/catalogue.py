"""The catalogue: organisers add and edit opportunities; members list the current ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import NotFound
from storage.members import Actor, Role
from storage.models.careers import Opportunity, OpportunityReminder
from storage.opportunities.alerts import reschedule_reminders, tell_followers
from storage.opportunities.values import (
    Details, InvalidOpportunity, OpportunityForm, OpportunityInfo, Page, check_form, info,
)


def current_condition(today: date) -> ColumnElement[bool]:
    """Still open to apply (deadline not passed) and not over (its last day not passed)."""
    return and_(
        or_(Opportunity.deadline.is_(None), Opportunity.deadline >= today),
        or_(Opportunity.ends_on >= today,
            and_(Opportunity.ends_on.is_(None), or_(Opportunity.starts_on.is_(None), Opportunity.starts_on >= today))),
    )


def save_opportunity(session: Session, actor: Actor | None, form: OpportunityForm, *, now: datetime, tz: tzinfo,
                     opportunity_id: int | None = None) -> OpportunityInfo:
    """Add (or, with `opportunity_id`, edit) an opportunity; organisers only (`actor=None`: the command line).

    Followers of its tags hear of it once; reminders follow a moved deadline.
    """
    if actor is not None:
        actor.require(Role.ORGANISER, "add or edit development opportunities")
    clean = check_form(form)
    row = session.get(Opportunity, opportunity_id) if opportunity_id is not None else None
    if opportunity_id is not None and row is None:
        raise NotFound("That opportunity is no longer in the catalogue.")
    clash = session.scalar(select(Opportunity).where(Opportunity.natural_key == clean.natural_key))
    if clash is not None and clash is not row:
        raise InvalidOpportunity({"title": f"“{clash.title}” from the same provider, starting the same day, is "
                                           "in the catalogue already."})
    try:
        with session.begin_nested():
            row = save_details(session, row, clean, created_by_id=actor.member_id if actor else None, now=now, tz=tz)
    except IntegrityError:
        # Another organiser saved the same one a moment ago.
        raise InvalidOpportunity({"title": "That opportunity was just added by someone else."}) from None
    return info(row)


def save_details(session: Session, row: Opportunity | None, clean: Details, *, created_by_id: int | None,
                 now: datetime, tz: tzinfo) -> Opportunity:
    """Write checked details onto the row (a new one when None); reminders follow a moved deadline and
    followers of its tags hear of it."""
    old_deadline = row.deadline if row is not None else None
    if row is None:
        row = Opportunity(created_by_id=created_by_id, created_at=now)
        session.add(row)
    row.natural_key = clean.natural_key
    row.title, row.kind, row.description = clean.title, clean.kind, clean.description
    row.provider, row.link, row.cost = clean.provider, clean.link, clean.cost
    row.starts_on, row.ends_on, row.deadline = clean.starts_on, clean.ends_on, clean.deadline
    row.tags = list(clean.tags)
    row.updated_at = now
    session.flush()
    if old_deadline != row.deadline:
        reschedule_reminders(session, row, old_deadline, now=now, tz=tz)
    tell_followers(session, row, now=now, tz=tz)
    return row


# Reading -----------------------------------------------------------------------------

def reminded_ids(session: Session, member_id: int | None, ids: Sequence[int]) -> set[int]:
    if member_id is None or not ids:
        return set()
    return set(session.scalars(select(OpportunityReminder.opportunity_id).where(
        OpportunityReminder.member_id == member_id, OpportunityReminder.opportunity_id.in_(list(ids)))))


def listing_order() -> tuple[SQLColumnExpression[Any], ...]:
    # Soonest deadline first; those without one after, by start date.
    return (Opportunity.deadline.is_(None), Opportunity.deadline, Opportunity.starts_on.is_(None),
            Opportunity.starts_on, Opportunity.title, Opportunity.id)


def current(session: Session, *, today: date, member_id: int | None = None, offset: int = 0,
            limit: int = 10) -> Page:
    """The opportunities still open, soonest deadline first, a page at a time."""
    condition = current_condition(today)
    total = session.scalar(select(func.count()).select_from(Opportunity).where(condition)) or 0
    rows = session.scalars(select(Opportunity).where(condition).order_by(*listing_order())
                           .offset(max(offset, 0)).limit(limit)).all()
    reminded = reminded_ids(session, member_id, [r.id for r in rows])
    return Page([info(r, reminder_set=r.id in reminded) for r in rows], total, max(offset, 0))


def closing_soon(session: Session, *, today: date, within_days: int = 14, limit: int = 3) -> list[OpportunityInfo]:
    rows = session.scalars(select(Opportunity).where(
        current_condition(today), Opportunity.deadline.is_not(None),
        Opportunity.deadline <= today + timedelta(days=within_days)).order_by(*listing_order()).limit(limit)).all()
    return [info(r) for r in rows]


def get_opportunity(session: Session, opportunity_id: int) -> OpportunityInfo:
    row = session.get(Opportunity, opportunity_id)
    if row is None:
        raise NotFound("That opportunity is no longer in the catalogue.")
    return info(row)
