"""Panel review: a closed cycle's nominations grouped per nominee, scores, and recusals (conflicts of interest)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.awards.audit import _audit, _require_closed, _require_panel, panel_cycle
from storage.awards.cycles import _cycle, _info
from storage.awards.nominating import _copy
from storage.awards.recusals import _grouped, _name, _recusal, team_user_ids
from storage.awards.values import (
    DEFAULT_CRITERIA,
    RECUSED_NOMINATOR,
    CycleInfo,
    NomineeSummary,
    Recusal,
    Review,
)
from storage.errors import DomainError, NotFound
from storage.members import Actor, members_addressed, members_by_ids
from storage.models.awards import AwardCycle, AwardScore, ShortlistEntry


def _departments_of(session: Session, user_ids: Iterable[str]) -> tuple[str, ...]:
    ids = list(user_ids)
    if not ids:
        return ()
    found = members_addressed(session, ids).values()
    return tuple(sorted({m.department for m in found if m.department}))


def _summaries(session: Session, cycle: AwardCycle, actor: Actor | None, now: datetime) -> list[NomineeSummary]:
    """The nominees as `actor` may see them: never one they are recused from (None: every nominee)."""
    grouped = _grouped(session, cycle)
    scores = session.execute(select(AwardScore.nominee_key, AwardScore.scorer_id, AwardScore.criterion,
                                    AwardScore.score).where(AwardScore.cycle_id == cycle.id)).all()
    marks = {s.nominee_key: s for s in session.scalars(select(ShortlistEntry).where(
        ShortlistEntry.cycle_id == cycle.id)).all()}
    result = []
    for key, nominations in grouped.items():
        if actor is not None and _recusal(nominations, key, actor.user_id, actor.member_id):
            continue
        first = nominations[0]
        mine = [s for s in scores if s.nominee_key == key]
        team = team_user_ids(session, first)
        user_ids = team if first.team_name else (key,)
        my_scores = {s.criterion: s.score for s in mine if actor is not None and s.scorer_id == actor.member_id}
        result.append(NomineeSummary(
            key=key, name=_name(first, key),
            user_id=None if first.team_name else key, team_members=team,
            departments=_departments_of(session, user_ids),
            nominations=tuple(_copy(session, n, now) for n in nominations),
            average=round(sum(s.score for s in mine) / len(mine), 2) if mine else None,
            scorers=len({s.scorer_id for s in mine}), shortlisted=key in marks,
            winner=bool(marks.get(key) and marks[key].is_winner), my_scores=my_scores,
        ))
    return sorted(result, key=lambda s: (s.name.lower(), s.key))


def _recusals(session: Session, cycle: AwardCycle) -> list[Recusal]:
    """Every panel member's recusals in this cycle, whoever may see them."""
    panel = sorted(members_by_ids(session, cycle.panel).values(), key=lambda m: m.user_id)
    result = []
    for key, nominations in _grouped(session, cycle).items():
        for member in panel:
            reason = _recusal(nominations, key, member.user_id, member.id)
            if reason:
                result.append(Recusal(member.user_id, key, _name(nominations[0], key), reason))
    return sorted(result, key=lambda r: (r.nominee_name.lower(), r.nominee_key, r.panel_member))


def _visible_recusals(session: Session, cycle: AwardCycle, actor: Actor) -> tuple[Recusal, ...]:
    # Nothing about a nominee the reader is recused from (it would tell a nominated chair
    # who nominated them), except the reader's own "I nominated them", which they know.
    everyone = _recusals(session, cycle)
    hidden = {r.nominee_key for r in everyone if r.panel_member == actor.user_id}
    own = [r for r in everyone if r.panel_member == actor.user_id and r.reason == RECUSED_NOMINATOR]
    if actor.member_id != cycle.chair_id:
        return tuple(own)
    return tuple(r for r in everyone if r.nominee_key not in hidden or r in own)


def review(session: Session, actor: Actor, cycle_id: int | None, *, now: datetime) -> Review:
    """A closed cycle's nominations grouped per nominee, for its panel; the read is audited.

    A panel member sees only the nominees they are not recused from; the chair also sees
    the panel's recusals."""
    info = panel_cycle(session, actor, cycle_id, action="review nominations", now=now)
    cycle = _cycle(session, info.id)
    _require_closed(cycle, now, "review them")
    summaries = _summaries(session, cycle, actor, now)
    # No count in the log: the chair could compare a member's count with theirs and learn of a recusal.
    _audit(session, cycle, actor, "viewed list", "", now)
    return Review(info, tuple(summaries), is_chair=actor.member_id == cycle.chair_id,
                  recusals=_visible_recusals(session, cycle, actor))


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
    """The nominee as this panel member may see them; refused for one they are recused from."""
    found = [s for s in _summaries(session, cycle, actor, now) if s.key == nominee_key]
    if found:
        return found[0]
    nominations = _grouped(session, cycle).get(nominee_key)
    if nominations and _recusal(nominations, nominee_key, actor.user_id,
                                actor.member_id) == RECUSED_NOMINATOR:
        # They know they nominated them; anything else is answered as for nobody nominated,
        # so a panel member cannot find out that they (or their team) were nominated.
        raise DomainError("You nominated them, so you are recused from them (conflict of interest): "
                          "the rest of the panel reads, scores and shortlists them.")
    raise NotFound("That nominee has no nominations in this cycle.")


def score_nominee(session: Session, actor: Actor, cycle_id: int, nominee_key: str, scores: Mapping[str, int | None], *,
                  now: datetime) -> NomineeSummary:
    """Record this panel member's 1-5 score against every criterion (scoring again replaces them)."""
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "score nominees")
    _require_closed(cycle, now, "score")
    if cycle.announced_at is not None:
        raise DomainError("The winner has been announced; scores are final.")
    _nominee_in(session, cycle, nominee_key, actor, now)
    criteria = list(cycle.award.criteria or DEFAULT_CRITERIA)
    checked: dict[str, int] = {}
    for index, criterion in enumerate(criteria):
        value = scores.get(criterion)
        if value is None or not 1 <= int(value) <= 5:
            raise DomainError(f"Score {criterion} from 1 to 5.", field=f"score_{index}")
        checked[criterion] = int(value)
    for criterion, score in checked.items():
        _put_score(session, cycle.id, nominee_key, actor.member_id, criterion, score, now)
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
