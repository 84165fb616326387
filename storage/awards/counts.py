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
from storage.privacy import Shown, of_group


def figures(session: Session, actor: Actor, *, now: datetime, min_group: int) -> list[FigureRow]:
    """Nominations per cycle against the award's previous cycle, and how many departments they
    came from. Counts only, and only for closed cycles: a live count would let anyone who
    watches it tie a nomination to the colleague who just mentioned writing one. A cycle's
    nominations are a figure about its nominees, and its departments one about its nominators:
    each is withheld while that group is 1 to `min_group`-1 (storage.privacy), or the count of
    a cycle with one nominee would be that person's nominations."""
    cycles = session.scalars(select(AwardCycle).order_by(AwardCycle.award_id, AwardCycle.opens_at)).all()
    if not (actor.has(Role.ORGANISER) or any(actor.member_id in c.panel for c in cycles)):
        raise PermissionDenied("Only network organisers and the awards panel can see award figures.")
    per_cycle = {cycle_id: (int(n), int(nominees), int(nominators)) for cycle_id, n, nominees, nominators in
                 session.execute(select(Nomination.cycle_id, func.count(),
                                        func.count(func.distinct(Nomination.nominee_key)),
                                        func.count(func.distinct(Nomination.nominator_id)))
                                 .where(Nomination.status == ACTIVE).group_by(Nomination.cycle_id)).all()}

    def nominations(cycle_id: int) -> Shown:
        count, nominees, _ = per_cycle.get(cycle_id, (0, 0, 0))
        return of_group(count, nominees, min_group)

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
            nominations=nominations(cycle.id) if shown else None,
            departments=of_group(departments.get(cycle.id, 0), per_cycle.get(cycle.id, (0, 0, 0))[2], min_group)
            if shown else None,
            previous_label=before.label if before else None,
            previous_nominations=nominations(before.id) if before is not None else None,
        ))
        if shown:
            previous[cycle.award_id] = cycle
    return sorted(rows, key=lambda r: (r.award_name.lower(), r.label), reverse=False)
