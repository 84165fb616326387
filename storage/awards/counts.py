"""Award figures for organisers and the panel: counts only, and only for closed cycles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.awards.cycles import state_of
from storage.awards.values import ACTIVE, ANNOUNCED, CLOSED, FigureRow
from storage.errors import PermissionDenied
from storage.members import Actor, Role
from storage.models import Member
from storage.models.awards import AwardCycle, Nomination


def figures(session: Session, actor: Actor, *, now: datetime) -> list[FigureRow]:
    """Nominations per cycle against the award's previous cycle, and how many departments they
    came from. Counts only, and only for closed cycles: a live count would let anyone who
    watches it tie a nomination to the colleague who just mentioned writing one."""
    cycles = session.scalars(select(AwardCycle).order_by(AwardCycle.award_id, AwardCycle.opens_at)).all()
    if not (actor.has(Role.ORGANISER) or any(actor.slack_user_id in c.panel for c in cycles)):
        raise PermissionDenied("Only network organisers and the awards panel can see award figures.")
    counts = dict(session.execute(select(Nomination.cycle_id, func.count()).where(Nomination.status == ACTIVE)
                                  .group_by(Nomination.cycle_id)).all())
    departments = dict(session.execute(
        select(Nomination.cycle_id, func.count(func.distinct(Member.department)))
        .join(Member, Member.id == Nomination.nominator_id)
        .where(Nomination.status == ACTIVE, Member.department.is_not(None)).group_by(Nomination.cycle_id)).all())
    rows = []
    previous: dict[int, AwardCycle] = {}
    for cycle in cycles:
        state = state_of(cycle, now)
        shown = state in (CLOSED, ANNOUNCED)
        before = previous.get(cycle.award_id)
        rows.append(FigureRow(
            award_name=cycle.award.name, label=cycle.label, state=state,
            nominations=counts.get(cycle.id, 0) if shown else None,
            departments=departments.get(cycle.id, 0) if shown else None,
            previous_label=before.label if before else None,
            previous_nominations=counts.get(before.id, 0) if before is not None else None,
        ))
        if shown:
            previous[cycle.award_id] = cycle
    return sorted(rows, key=lambda r: (r.award_name.lower(), r.label), reverse=False)
