"""Requests: a member asks a mentor; the mentor accepts (storage/mentoring/pairings.py) or
declines, the member may withdraw; and the one DM that tells the mentor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.identities import MessageRef
from storage.db import rowcount
from storage.errors import DomainError, NotFound, PermissionDenied
from storage.members import Actor, find_addressed, find_member
from storage.mentoring.areas import AREAS, area_label
from storage.mentoring.mentors import F_MESSAGE, MentorInfo, mentor_info
from storage.models import Member
from storage.models.mentoring import MentoringPairing, MentoringRequest, MentorProfile

MESSAGE_LIMIT = 1000
PENDING, ACCEPTED, DECLINED, WITHDRAWN, CANCELLED = "pending", "accepted", "declined", "withdrawn", "cancelled"


@dataclass(frozen=True)
class RequestInfo:
    id: int
    mentee_user: str
    mentee_name: str
    mentor_user: str
    mentor_name: str
    area: str
    message: str | None
    status: str
    mentee_job_title: str | None = None
    mentee_department: str | None = None
    # The DM that asked the mentor, to update when the request is withdrawn.
    mentor_dm: MessageRef | None = None

    @property
    def area_label(self) -> str:
        return area_label(self.area)


@dataclass(frozen=True)
class RequestOutcome:
    request: RequestInfo
    created: bool


def request_info(session: Session, row: MentoringRequest) -> RequestInfo:
    mentee, mentor = session.get_one(Member, row.mentee_id), session.get_one(Member, row.mentor_id)
    return RequestInfo(row.id, mentee.user_id, mentee.name, mentor.user_id, mentor.name, row.area,
                       row.message, row.status, mentee.job_title, mentee.department, row.mentor_dm)


def _member_by_user(session: Session, actor: Actor, user_id: str) -> Member:
    member = find_member(session, actor.identity.colleague(user_id))
    if member is None:
        raise NotFound("That mentor is not in technet's list any more: search again with `/tech mentor find`.")
    return member


def mentor_for_request(session: Session, actor: Actor, mentor_user_id: str, *, today: date) -> MentorInfo:
    """The mentor, if the actor may ask them now: not themselves, not someone who left, with a free place."""
    mentor = _member_by_user(session, actor, mentor_user_id)
    if mentor.id == actor.member_id:
        raise DomainError("You can't be your own mentor: choose someone else.")
    if mentor.deactivated or mentor.is_bot:
        raise DomainError(f"{mentor.name} has left the workspace, so can't take on a mentee. "
                          "Search again with `/tech mentor find` for someone else.")
    profile = session.get(MentorProfile, mentor.id)
    if profile is None:
        raise DomainError(f"{mentor.name} is not offering mentoring (any more).")
    if session.scalar(select(MentoringPairing.id).where(
            MentoringPairing.mentor_id == mentor.id, MentoringPairing.mentee_id == actor.member_id,
            MentoringPairing.ended_at.is_(None))) is not None:
        raise DomainError(f"{mentor.name} is your mentor already.")
    info = mentor_info(session, profile, mentor)
    if info.paused(today):
        raise DomainError(f"{mentor.name} is not taking new mentees until after {info.paused_until:%-d %B %Y}.")
    if info.free <= 0:
        raise DomainError(f"{mentor.name} has no free place just now ({info.active} of {info.capacity} taken). "
                          "Search again with `/tech mentor find` for someone else.")
    return info


def request_mentor(session: Session, actor: Actor, mentor_user_id: str, area: str, message: str | None = None, *,
                   today: date, now: datetime) -> RequestOutcome:
    """Ask a mentor to mentor the actor. Asking again while the request is open returns that request."""
    mentor = _member_by_user(session, actor, mentor_user_id)
    open_key = f"{actor.member_id}:{mentor.id}"
    existing = session.scalar(select(MentoringRequest).where(MentoringRequest.open_key == open_key))
    if existing is not None:
        return RequestOutcome(request_info(session, existing), created=False)
    info = mentor_for_request(session, actor, mentor_user_id, today=today)
    note = (message or "").strip() or None
    if note and len(note) > MESSAGE_LIMIT:
        raise DomainError(f"Keep the note to {MESSAGE_LIMIT} characters; it has {len(note)}.", field=F_MESSAGE)
    area = area if area in AREAS else (info.areas[0] if info.areas else "career")
    row = MentoringRequest(mentee_id=actor.member_id, mentor_id=mentor.id, area=area, message=note, status=PENDING,
                           open_key=open_key, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # The same request submitted twice at once: the first one stands.
        existing = session.scalar(select(MentoringRequest).where(MentoringRequest.open_key == open_key))
        assert existing is not None
        return RequestOutcome(request_info(session, existing), created=False)
    return RequestOutcome(request_info(session, row), created=True)


def open_request(session: Session, mentee_id: int, mentor_user_id: str) -> RequestInfo | None:
    mentor = find_addressed(session, mentor_user_id)
    if mentor is None:
        return None
    row = session.scalar(select(MentoringRequest).where(MentoringRequest.open_key == f"{mentee_id}:{mentor.id}"))
    return None if row is None else request_info(session, row)


def claim_request_notice(session: Session, request_id: int, *, now: datetime) -> RequestInfo | None:
    """The request, if this caller won the right to DM the mentor about it (once per request)."""
    won = rowcount(session.execute(
        update(MentoringRequest).where(MentoringRequest.id == request_id, MentoringRequest.status == PENDING,
                                       MentoringRequest.notified_at.is_(None))
        .values(notified_at=now), execution_options={"synchronize_session": False}))
    return request_info(session, session.get_one(MentoringRequest, request_id)) if won == 1 else None


def record_request_notice(session: Session, request_id: int, dm: MessageRef) -> None:
    session.get_one(MentoringRequest, request_id).mentor_dm = dm


def release_request_notice(session: Session, request_id: int) -> None:
    session.execute(update(MentoringRequest).where(MentoringRequest.id == request_id).values(notified_at=None),
                    execution_options={"synchronize_session": False})


def cancel_request(session: Session, request_id: int, *, now: datetime) -> RequestInfo:
    """Close a request nobody can act on (the mentor could not be reached: they left)."""
    row = session.get_one(MentoringRequest, request_id)
    if row.status == PENDING:
        row.status, row.open_key, row.decided_at = CANCELLED, None, now
    return request_info(session, row)


def locked_request(session: Session, request_id: int) -> MentoringRequest:
    # Locked (PostgreSQL; SQLite's write lock is the whole database): of two presses of Accept at
    # once, the second waits and then finds the request accepted, not a mentor at capacity.
    row = session.get(MentoringRequest, request_id, with_for_update=True)
    if row is None:
        raise NotFound("That mentoring request no longer exists.")
    return row


def closed_message(session: Session, row: MentoringRequest) -> str:
    mentee = session.get_one(Member, row.mentee_id)
    return {
        DECLINED: "You declined this request already.",
        WITHDRAWN: f"{mentee.name} withdrew this request.",
        CANCELLED: "This request was cancelled: one of you has left the workspace.",
    }.get(row.status, "This request is closed.")


def decline_request(session: Session, actor: Actor, request_id: int, *, now: datetime) -> tuple[RequestInfo, bool]:
    """The mentor declines; returns the request and whether this call changed it."""
    row = locked_request(session, request_id)
    if row.mentor_id != actor.member_id:
        raise PermissionDenied("Only the mentor who was asked can decline this request.")
    if row.status == DECLINED:
        return request_info(session, row), False
    if row.status == ACCEPTED:
        raise DomainError("You accepted this request already; end the pairing instead (`/tech mentor end`).")
    if row.status != PENDING:
        raise DomainError(closed_message(session, row))
    row.status, row.open_key, row.decided_at = DECLINED, None, now
    return request_info(session, row), True


def withdraw_request(session: Session, actor: Actor, request_id: int, *, now: datetime) -> tuple[RequestInfo, bool]:
    """The mentee withdraws a request the mentor has not answered yet."""
    row = locked_request(session, request_id)
    if row.mentee_id != actor.member_id:
        raise PermissionDenied("Only the member who asked can withdraw this request.")
    if row.status == WITHDRAWN:
        return request_info(session, row), False
    if row.status != PENDING:
        mentor = session.get_one(Member, row.mentor_id)
        raise DomainError(f"{mentor.name} has answered this request already ({row.status}).")
    row.status, row.open_key, row.decided_at = WITHDRAWN, None, now
    return request_info(session, row), True
