"""The panel's results: the shortlist, the winner, and announcing them (approved, then posted once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.identities import MessageRef
from storage.awards.audit import _require_closed, _require_panel
from storage.awards.cycles import _cycle, _info
from storage.awards.recusals import recused_from
from storage.awards.reviewing import _nominee_in, _summaries
from storage.awards.values import (
    ANNOUNCEMENT_MAX,
    AnnouncedWinner,
    AnnouncementDraft,
    NomineeRef,
    NomineeSummary,
)
from storage.db import rowcount
from storage.errors import DomainError
from storage.members import Actor
from storage.models.awards import AwardCycle, ShortlistEntry

_POSTING = "posting"


def set_shortlisted(session: Session, actor: Actor, cycle_id: int, nominee_key: str, shortlisted: bool, *,
                    now: datetime) -> NomineeSummary:
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "shortlist nominees")
    _require_closed(cycle, now, "shortlist")
    _not_announced(cycle)
    _nominee_in(session, cycle, nominee_key, actor, now)
    entry = _entry(session, cycle.id, nominee_key)
    if shortlisted and entry is None:
        try:
            with session.begin_nested():
                session.add(ShortlistEntry(cycle_id=cycle.id, nominee_key=nominee_key, is_winner=False,
                                           marked_by_id=actor.member_id, marked_at=now))
        except IntegrityError:
            pass  # another panel member shortlisted them at the same moment
    elif not shortlisted and entry is not None:
        session.delete(entry)
    session.flush()
    return _nominee_in(session, cycle, nominee_key, actor, now)


def mark_winner(session: Session, actor: Actor, cycle_id: int, nominee_key: str, *, now: datetime) -> NomineeSummary:
    """The panel's winner (shortlisted too); marking another moves the title to them."""
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "choose the winner")
    _require_closed(cycle, now, "choose the winner")
    _not_announced(cycle)
    _nominee_in(session, cycle, nominee_key, actor, now)
    session.execute(update(ShortlistEntry).where(ShortlistEntry.cycle_id == cycle.id,
                                                 ShortlistEntry.nominee_key != nominee_key)
                    .values(is_winner=False), execution_options={"synchronize_session": False})
    entry = _entry(session, cycle.id, nominee_key)
    if entry is None:
        session.add(ShortlistEntry(cycle_id=cycle.id, nominee_key=nominee_key, is_winner=True,
                                   marked_by_id=actor.member_id, marked_at=now))
    else:
        entry.is_winner, entry.marked_by_id, entry.marked_at = True, actor.member_id, now
    session.flush()
    session.expire_all()
    return _nominee_in(session, cycle, nominee_key, actor, now)


def _entry(session: Session, cycle_id: int, nominee_key: str) -> ShortlistEntry | None:
    return session.scalar(select(ShortlistEntry).where(ShortlistEntry.cycle_id == cycle_id,
                                                       ShortlistEntry.nominee_key == nominee_key))


def _not_announced(cycle: AwardCycle) -> None:
    if cycle.announced_at is not None:
        raise DomainError(f"{cycle.award.name} {cycle.label} has been announced; the results are final.")


# Announcing -----------------------------------------------------------------------

def _refs(session: Session, cycle: AwardCycle, now: datetime) -> tuple[NomineeRef | None, tuple[NomineeRef, ...]]:
    summaries = {s.key: s for s in _summaries(session, cycle, None, now)}
    entries = session.scalars(select(ShortlistEntry).where(ShortlistEntry.cycle_id == cycle.id)
                              .order_by(ShortlistEntry.marked_at, ShortlistEntry.id)).all()
    winner, shortlist = None, []
    for entry in entries:
        summary = summaries.get(entry.nominee_key)
        if summary is None:
            continue
        ref = NomineeRef(summary.key, summary.name, summary.team_members or (summary.key,),
                         summary.name if summary.team_members else None)
        if entry.is_winner:
            winner = ref
        else:
            shortlist.append(ref)
    return winner, tuple(shortlist)


def announcement_draft(session: Session, actor: Actor, cycle_id: int, *, now: datetime) -> AnnouncementDraft:
    """What the announcement will name: the winner and the rest of the shortlist."""
    cycle = _cycle(session, cycle_id)
    _require_panel(cycle, actor, "announce the winner")
    _require_closed(cycle, now, "announce")
    _not_announced(cycle)
    winner, shortlist = _refs(session, cycle, now)
    if winner is None:
        raise DomainError("Mark the winner first (the trophy button next to a nominee).")
    if recused_from(session, cycle, actor) & {r.key for r in (winner, *shortlist)}:
        # Not saying which: it could be the reader themselves.
        raise DomainError("You are recused from part of this result (a conflict of interest), so another "
                          "panel member announces it.")
    return AnnouncementDraft(_info(cycle, now), winner, shortlist)


def announcement_people(session: Session, cycle_id: int, *, now: datetime) -> frozenset[str]:
    """Whom the announcement is about (the winner, the shortlist): the only people it may mention.

    Its text is typed (the award's name, the panel's words), so a mention of anyone else in it is
    shown as text, never sent as a ping.
    """
    winner, shortlist = _refs(session, _cycle(session, cycle_id), now)
    return frozenset(user for ref in (*([winner] if winner else []), *shortlist) for user in ref.user_ids)


def approve_announcement(session: Session, actor: Actor, cycle_id: int, text: str, *,
                         now: datetime) -> AnnouncementDraft:
    """The panel approved this text: record it; the caller then posts it (once)."""
    draft = announcement_draft(session, actor, cycle_id, now=now)
    text = (text or "").strip()
    if not text:
        raise DomainError("The announcement needs some text.", field="text")
    if len(text) > ANNOUNCEMENT_MAX:
        raise DomainError(f"Keep the announcement to {ANNOUNCEMENT_MAX:,} characters.", field="text")
    cycle = _cycle(session, cycle_id)
    cycle.announced_at, cycle.announced_by_id, cycle.announcement_text = now, actor.member_id, text
    return draft


def begin_announcement_post(session: Session, cycle_id: int) -> str | None:
    """Claim the posting of an approved announcement; None when it is posted or being posted."""
    won = rowcount(session.execute(
        update(AwardCycle).where(AwardCycle.id == cycle_id, AwardCycle.announced_at.is_not(None),
                                 AwardCycle.announcement_message_id.is_(None))
        .values(announcement_message_id=_POSTING),
        execution_options={"synchronize_session": False},
    ))
    if won != 1:
        return None
    return session.scalar(select(AwardCycle.announcement_text).where(AwardCycle.id == cycle_id))


def finish_announcement_post(session: Session, cycle_id: int, post: MessageRef) -> None:
    session.execute(update(AwardCycle).where(AwardCycle.id == cycle_id).values(
        announcement_surface=post.surface, announcement_conversation=post.conversation,
        announcement_message_id=post.message_id), execution_options={"synchronize_session": False})


def abandon_announcement(session: Session, cycle_id: int) -> None:
    """The post failed: the cycle is not announced, so the panel can try again."""
    session.execute(update(AwardCycle).where(AwardCycle.id == cycle_id).values(
        announced_at=None, announced_by_id=None, announcement_text=None, announcement_surface=None,
        announcement_conversation=None, announcement_message_id=None),
        execution_options={"synchronize_session": False})


def announced_winners(session: Session, since: datetime, until: datetime) -> list[AnnouncedWinner]:
    """Winners announced in [since, until), oldest first: public once announced (for the e-zine)."""
    cycles = session.scalars(select(AwardCycle).where(
        AwardCycle.announced_at >= since, AwardCycle.announced_at < until,
        AwardCycle.announcement_message_id.is_not(None), AwardCycle.announcement_message_id != _POSTING,
    ).order_by(AwardCycle.announced_at)).all()
    result = []
    for cycle in cycles:
        winner, shortlist = _refs(session, cycle, until)
        assert cycle.announced_at is not None
        if winner is not None:
            result.append(AnnouncedWinner(cycle.id, cycle.award.name, cycle.label, winner, shortlist,
                                          cycle.announced_at, cycle.announcement_text or ""))
    return result
