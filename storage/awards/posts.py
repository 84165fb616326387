"""What the scheduled awards posts (digests/awards.py) read and schedule: the cycle, nominee notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from storage import ledger
from storage.awards.cycles import _cycle, _info, _subject
from storage.awards.recusals import _active, team_user_ids
from storage.awards.values import NOMINEE_NOTICE, NOTIFY_AT_CLOSE, CycleInfo
from storage.models.awards import AwardCycle


def cycle_for_post(session: Session, subject: str, now: datetime) -> CycleInfo | None:
    """The cycle a due item is about, or None if it is gone."""
    try:
        cycle_id = int(subject.removeprefix("cycle:"))
    except ValueError:
        return None
    cycle = session.get(AwardCycle, cycle_id)
    return _info(cycle, now) if cycle is not None else None


def schedule_nominee_notices(session: Session, cycle_id: int, *, now: datetime) -> int:
    """At the close of a cycle that tells its nominees: one notice per nominated person, once."""
    cycle = _cycle(session, cycle_id)
    if cycle.notify_nominees != NOTIFY_AT_CLOSE:
        return 0
    people = nominated_people(session, cycle.id)
    for user_id in people:
        ledger.schedule(session, kind=NOMINEE_NOTICE, subject=_subject(cycle.id), occurrence=user_id,
                        due_at=cycle.closes_at)
    return len(people)


def nominated_people(session: Session, cycle_id: int) -> list[str]:
    """User ids of everyone with an active nomination, team members included (for notices only)."""
    people: set[str] = set()
    for nomination in _active(session, cycle_id):
        if nomination.team_name:
            people |= set(team_user_ids(session, nomination))
        else:
            people.add(nomination.nominee_key)
    return sorted(people)


def still_nominated(session: Session, cycle_id: int, user_id: str) -> bool:
    return user_id in nominated_people(session, cycle_id)
