"""Panel review: a closed cycle's nominations grouped per nominee, scores, and conflicts of interest."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.awards.audit import _audit, _require_closed, _require_panel, panel_cycle
from storage.awards.cycles import _cycle, _info
from storage.awards.nominating import _copy
from storage.awards.values import ACTIVE, DEFAULT_CRITERIA, CycleInfo, NomineeSummary, Review
from storage.errors import DomainError, NotFound
from storage.members import Actor
from storage.models import Member
from storage.models.awards import AwardCycle, AwardScore, Nomination, ShortlistEntry


def _active(session: Session, cycle_id: int) -> list[Nomination]:
    return list(session.scalars(select(Nomination).where(Nomination.cycle_id == cycle_id, Nomination.status == ACTIVE)
                                .order_by(Nomination.created_at, Nomination.id)).all())


def _departments_of(session: Session, user_ids: Iterable[str]) -> tuple[str, ...]:
    ids = list(user_ids)
    if not ids:
        return ()
    found = session.scalars(select(Member.department).where(Member.slack_user_id.in_(ids))).all()
    return tuple(sorted({d for d in found if d}))


def _summaries(session: Session, cycle: AwardCycle, actor: Actor | None, now: datetime) -> list[NomineeSummary]:
    grouped: dict[str, list[Nomination]] = defaultdict(list)
    for nomination in _active(session, cycle.id):
        grouped[nomination.nominee_key].append(nomination)
    scores = session.execute(select(AwardScore.nominee_key, AwardScore.scorer_id, AwardScore.criterion,
                                    AwardScore.score).where(AwardScore.cycle_id == cycle.id)).all()
    marks = {s.nominee_key: s for s in session.scalars(select(ShortlistEntry).where(
        ShortlistEntry.cycle_id == cycle.id)).all()}
    result = []
    for key, nominations in grouped.items():
        first = nominations[0]
        mine = [s for s in scores if s.nominee_key == key]
        user_ids = tuple(first.team_members) if first.team_name else (key,)
        my_scores = {s.criterion: s.score for s in mine if actor is not None and s.scorer_id == actor.member_id}
        conflict = _conflict(nominations, key, first, actor) if actor is not None else ""
        result.append(NomineeSummary(
            key=key, name=first.team_name or (first.nominee.name if first.nominee else key),
            user_id=None if first.team_name else key, team_members=tuple(first.team_members or ()),
            departments=_departments_of(session, user_ids),
            nominations=tuple(_copy(session, n, now) for n in nominations),
            average=round(sum(s.score for s in mine) / len(mine), 2) if mine else None,
            scorers=len({s.scorer_id for s in mine}), shortlisted=key in marks,
            winner=bool(marks.get(key) and marks[key].is_winner), my_scores=my_scores, conflict=conflict,
        ))
    return sorted(result, key=lambda s: (s.name.lower(), s.key))


def _conflict(nominations: Sequence[Nomination], key: str, first: Nomination, actor: Actor) -> str:
    if key == actor.slack_user_id or actor.slack_user_id in (first.team_members or ()):
        return "You cannot score your own nomination (conflict of interest)."
    if any(n.nominator_id == actor.member_id for n in nominations):
        return "You nominated them, so you cannot score them (conflict of interest)."
    return ""


def review(session: Session, actor: Actor, cycle_id: int | None, *, now: datetime) -> Review:
    """A closed cycle's nominations grouped per nominee, for its panel; the read is audited."""
    info = panel_cycle(session, actor, cycle_id, action="review nominations", now=now)
    cycle = _cycle(session, info.id)
    _require_closed(cycle, now, "review them")
    summaries = _summaries(session, cycle, actor, now)
    _audit(session, cycle, actor, "viewed list", f"{len(summaries)} nominees", now)
    return Review(info, tuple(summaries), is_chair=actor.slack_user_id == cycle.chair)


def nominee_detail(session: Session, actor: Actor, cycle_id: int, nominee_key: str, *, now: datetime,
                   audit: bool = True) -> tuple[CycleInfo, NomineeSummary]:
    """One nominee with every citation, for a panel member to read and score; audited."""
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "read nominations")
    _require_closed(cycle, now, "read them")
    found = _nominee_in(session, cycle, nominee_key, actor, now)
    if audit:
        _audit(session, cycle, actor, "viewed nominee", found.name, now)
    return _info(cycle, now), found


def _nominee_in(session: Session, cycle: AwardCycle, nominee_key: str, actor: Actor,
                now: datetime) -> NomineeSummary:
    found = [s for s in _summaries(session, cycle, actor, now) if s.key == nominee_key]
    if not found:
        raise NotFound("That nominee has no nominations in this cycle.")
    return found[0]


def score_nominee(session: Session, actor: Actor, cycle_id: int, nominee_key: str, scores: Mapping[str, int], *,
                  now: datetime) -> NomineeSummary:
    """Record this panel member's 1-5 score against every criterion (scoring again replaces them)."""
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "score nominees")
    _require_closed(cycle, now, "score")
    if cycle.announced_at is not None:
        raise DomainError("The winner has been announced; scores are final.")
    summary = _nominee_in(session, cycle, nominee_key, actor, now)
    if summary.conflict:
        raise DomainError(summary.conflict)
    criteria = list(cycle.award.criteria or DEFAULT_CRITERIA)
    for index, criterion in enumerate(criteria):
        value = scores.get(criterion)
        if value is None or not 1 <= int(value) <= 5:
            raise DomainError(f"Score {criterion} from 1 to 5.", field=f"score_{index}")
    for criterion in criteria:
        _put_score(session, cycle.id, nominee_key, actor.member_id, criterion, int(scores[criterion]), now)
    session.flush()
    return _nominee_in(session, cycle, nominee_key, actor, now)


def _put_score(session: Session, cycle_id: int, nominee_key: str, scorer_id: int, criterion: str, value: int,
               now: datetime) -> None:
    def existing() -> AwardScore | None:
        return session.scalar(select(AwardScore).where(
            AwardScore.cycle_id == cycle_id, AwardScore.nominee_key == nominee_key,
            AwardScore.scorer_id == scorer_id, AwardScore.criterion == criterion))

    found = existing()
    if found is None:
        try:
            with session.begin_nested():
                session.add(AwardScore(cycle_id=cycle_id, nominee_key=nominee_key, scorer_id=scorer_id,
                                       criterion=criterion, score=value, scored_at=now))
            return
        except IntegrityError:
            # The same panel member's other submission landed first; this one replaces it.
            found = existing()
            assert found is not None
    found.score, found.scored_at = value, now
