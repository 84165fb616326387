"""Recusals: which nominees a panel member has a conflict of interest with (themselves, a team
they are in, anyone they nominated). Reviewing, results, export and the audit log all ask here."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.awards.values import ACTIVE, RECUSED_NOMINATOR, RECUSED_NOMINEE
from storage.members import Actor, members_by_ids
from storage.models.awards import AwardCycle, Nomination


def _active(session: Session, cycle_id: int) -> list[Nomination]:
    return list(session.scalars(select(Nomination).where(Nomination.cycle_id == cycle_id, Nomination.status == ACTIVE)
                                .order_by(Nomination.created_at, Nomination.id)).all())


def _grouped(session: Session, cycle: AwardCycle) -> dict[str, list[Nomination]]:
    grouped: dict[str, list[Nomination]] = defaultdict(list)
    for nomination in _active(session, cycle.id):
        grouped[nomination.nominee_key].append(nomination)
    return grouped


def _recusal(nominations: Sequence[Nomination], key: str, user_id: str, member_id: int | None) -> str | None:
    """Why this panel member may take no part in judging this nominee, or None."""
    # Each nominator names the team's members; anyone named by any of them counts.
    team = {m for n in nominations for m in (n.team_members or ())}
    if key == user_id or member_id in team:
        return RECUSED_NOMINEE
    if member_id is not None and any(n.nominator_id == member_id for n in nominations):
        return RECUSED_NOMINATOR
    return None


def team_user_ids(session: Session, nomination: Nomination) -> tuple[str, ...]:
    """The user ids of a team nomination's members (it keeps their member ids), in its order."""
    people = members_by_ids(session, nomination.team_members or ())
    return tuple(people[member_id].user_id for member_id in nomination.team_members or () if member_id in people)


def _name(first: Nomination, key: str) -> str:
    return first.team_name or (first.nominee.name if first.nominee else key)


def recused_from(session: Session, cycle: AwardCycle, actor: Actor) -> set[str]:
    """The nominee keys this panel member is recused from."""
    return {key for key, nominations in _grouped(session, cycle).items()
            if _recusal(nominations, key, actor.user_id, actor.member_id)}
