"""Confidentiality: only a cycle's panel reads its nominations, and the audit log the chair reads.

Every panel read or export is recorded here, and so is every refused attempt (in a unit of
work of its own, since the refusal rolls the caller's back).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from storage.awards.cycles import _cycle, _info, state_of
from storage.awards.recusals import _grouped, _name, recused_from
from storage.awards.values import OPEN, UPCOMING, AuditLine, CycleInfo, PanelRefusal
from storage.errors import DomainError
from storage.members import Actor
from storage.models.awards import AwardAudit, AwardCycle


# Audit actions whose detail is a nominee's name.
_NAMING_NOMINEE = ("viewed nominee",)


def _require_panel(cycle: AwardCycle, actor: Actor, action: str) -> None:
    # Deliberately not Actor.has(): an admin or organiser who is not on this panel is refused.
    if actor.member_id not in cycle.panel:
        raise PanelRefusal(
            f"Only the panel of {cycle.award.name} {cycle.label} can {action}; this attempt has been recorded.",
            cycle_id=cycle.id, actor=actor, action=action,
        )


def _require_closed(cycle: AwardCycle, now: datetime, doing: str) -> None:
    state = state_of(cycle, now)
    if state in (UPCOMING, OPEN):
        raise DomainError(f"{cycle.award.name} {cycle.label} is still open for nominations; "
                          f"the panel can {doing} once it closes.")


def panel_cycle(session: Session, actor: Actor, cycle_id: int | None, *, action: str, now: datetime) -> CycleInfo:
    """The cycle a panel command is about: the one given, or the latest closed one this member judges."""
    if cycle_id is not None:
        cycle = _cycle(session, cycle_id)
        _require_panel(cycle, actor, action)
        return _info(cycle, now)
    mine = [c for c in session.scalars(select(AwardCycle).order_by(AwardCycle.closes_at.desc())).all()
            if actor.member_id in c.panel]
    if not mine:
        raise PanelRefusal(f"Only an awards panel can {action}; this attempt has been recorded.",
                           cycle_id=None, actor=actor, action=action)
    closed = [c for c in mine if c.closes_at <= now]
    return _info(closed[0] if closed else mine[0], now)


def record_refusal(session: Session, refusal: PanelRefusal, *, now: datetime) -> None:
    known = refusal.cycle_id is not None and session.get(AwardCycle, refusal.cycle_id) is not None
    cycle_id = refusal.cycle_id if known else None
    session.add(AwardAudit(cycle_id=cycle_id, actor_id=refusal.actor_id, action=refusal.action[:40], allowed=False,
                           detail="refused: not on the panel", at=now))


def _audit(session: Session, cycle: AwardCycle, actor: Actor, action: str, detail: str, now: datetime) -> None:
    session.add(AwardAudit(cycle_id=cycle.id, actor_id=actor.member_id, action=action, allowed=True,
                           detail=detail[:500], at=now))


def audit_log(session: Session, actor: Actor, cycle_id: int | None, *, now: datetime,
              limit: int = 40) -> tuple[CycleInfo, list[AuditLine]]:
    """The chair reads who viewed, exported, or was refused (refusals with no cycle included)."""
    info = panel_cycle(session, actor, cycle_id, action="read the audit log", now=now)
    cycle = _cycle(session, info.id)
    if actor.member_id != cycle.chair_id:
        raise PanelRefusal(f"Only the chair of {info.title} can read its audit log; this attempt has been recorded.",
                           cycle_id=cycle.id, actor=actor, action="read the audit log")
    # A chair who is nominated (or nominated someone) does not read who opened that nominee.
    grouped = _grouped(session, cycle)
    unseen = {_name(grouped[key][0], key) for key in recused_from(session, cycle, actor)}
    entries = session.scalars(select(AwardAudit).where(
        or_(AwardAudit.cycle_id == cycle.id, AwardAudit.cycle_id.is_(None)),
        ~(AwardAudit.action.in_(_NAMING_NOMINEE) & AwardAudit.detail.in_(unseen)) if unseen else true(),
    ).order_by(AwardAudit.at.desc(), AwardAudit.id.desc()).limit(limit)).all()
    return info, [AuditLine(e.at, e.actor.user_id, e.action, e.allowed, e.detail, e.cycle_id) for e in entries]
