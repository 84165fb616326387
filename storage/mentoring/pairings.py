"""Pairings: a mentor accepts and a pairing starts; introductions, meetings, the check-in
cadence, either side ending it; and the check-ins, through the due ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo, UTC

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.identities import MessageRef
from storage import ledger
from storage.db import rowcount
from storage.errors import DomainError, NotFound, PermissionDenied
from storage.members import Actor
from storage.mentoring.areas import area_label
from storage.mentoring.mentors import active_counts
from storage.mentoring.requests import ACCEPTED, CANCELLED, PENDING, closed_message, locked_request
from storage.models import DueItem, Member
from storage.models.mentoring import MentoringPairing, MentoringRequest, MentorProfile

# Check-in cadences a pairing can agree, in days.
CADENCES: dict[int, str] = {14: "every two weeks", 30: "monthly", 42: "every six weeks", 61: "every two months",
                            91: "quarterly"}
DEFAULT_CADENCE = 30
# The due ledger's kind for check-ins; subject "pairing:<id>", occurrence "v<version>:<date>".
CHECKIN = "mentoring_checkin"
# Check-ins are posted at this time of day in the network's zone, on a weekday.
CHECKIN_HOUR = 10


@dataclass(frozen=True)
class PairingInfo:
    id: int
    request_id: int
    mentor_user: str
    mentor_name: str
    mentee_user: str
    mentee_name: str
    area: str
    cadence_days: int
    started_at: datetime
    ended_at: datetime | None
    ended_by_user: str | None
    # The group conversation with both (and the bot), and the introduction posted in it.
    group_conversation: str | None
    intro: MessageRef | None
    message: str | None
    last_met_at: datetime | None = None

    @property
    def area_label(self) -> str:
        return area_label(self.area)

    @property
    def cadence_label(self) -> str:
        return CADENCES.get(self.cadence_days, f"every {self.cadence_days} days")

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def other(self, user_id: str) -> tuple[str, str]:
        """(user id, name) of the other person in the pairing."""
        if user_id == self.mentor_user:
            return self.mentee_user, self.mentee_name
        return self.mentor_user, self.mentor_name

    def role_of(self, user_id: str) -> str:
        return "mentor" if user_id == self.mentor_user else "mentee"


def _intro(row: MentoringPairing) -> MessageRef | None:
    if row.intro_message_id is None or row.group_surface is None or row.group_conversation is None:
        return None
    return MessageRef(row.group_surface, row.group_conversation, row.intro_message_id)


def pairing_info(session: Session, row: MentoringPairing) -> PairingInfo:
    mentor, mentee = session.get_one(Member, row.mentor_id), session.get_one(Member, row.mentee_id)
    ended_by = session.get(Member, row.ended_by_id) if row.ended_by_id else None
    request = session.get(MentoringRequest, row.request_id)
    return PairingInfo(row.id, row.request_id, mentor.user_id, mentor.name, mentee.user_id, mentee.name,
                       row.area, row.cadence_days, row.started_at, row.ended_at,
                       ended_by.user_id if ended_by else None, row.group_conversation, _intro(row),
                       request.message if request else None, row.last_met_at)


@dataclass(frozen=True)
class AcceptOutcome:
    pairing: PairingInfo
    created: bool


def accept_request(session: Session, actor: Actor, request_id: int, *, now: datetime, tz: tzinfo) -> AcceptOutcome:
    """The mentor accepts: a pairing starts and its first check-in is scheduled. Accepting again is a no-op."""
    row = locked_request(session, request_id)
    if row.mentor_id != actor.member_id:
        raise PermissionDenied("Only the mentor who was asked can accept this request.")
    if row.status == ACCEPTED:
        pairing = session.scalar(select(MentoringPairing).where(MentoringPairing.request_id == row.id))
        assert pairing is not None
        return AcceptOutcome(pairing_info(session, pairing), created=False)
    if row.status != PENDING:
        raise DomainError(closed_message(session, row))
    mentee = session.get_one(Member, row.mentee_id)
    if mentee.deactivated:
        row.status, row.open_key, row.decided_at = CANCELLED, None, now
        raise DomainError(f"{mentee.name} has left the workspace, so this request is closed.")
    # Lock the mentor's profile (PostgreSQL; SQLite's write lock is the whole database) so two
    # acceptances at once cannot both take the last free place.
    profile = session.scalar(select(MentorProfile).where(MentorProfile.member_id == actor.member_id)
                             .with_for_update())
    capacity = profile.capacity if profile is not None else 0
    active = active_counts(session, [actor.member_id]).get(actor.member_id, 0)
    if active >= capacity:
        raise DomainError(f"You are mentoring {active} of the {capacity} you offered: end a pairing or raise your "
                          "capacity (`/tech mentor join`) before accepting, or decline this request.")
    row.status, row.open_key, row.decided_at = ACCEPTED, None, now
    pairing = MentoringPairing(request_id=row.id, mentor_id=row.mentor_id, mentee_id=row.mentee_id, area=row.area,
                               cadence_days=DEFAULT_CADENCE, schedule_version=1, started_at=now)
    try:
        with session.begin_nested():
            session.add(pairing)
    except IntegrityError:
        existing = session.scalar(select(MentoringPairing).where(MentoringPairing.request_id == row.id))
        assert existing is not None
        return AcceptOutcome(pairing_info(session, existing), created=False)
    schedule_checkin(session, pairing, after=now, tz=tz)
    return AcceptOutcome(pairing_info(session, pairing), created=True)


def _get_pairing(session: Session, actor: Actor, pairing_id: int) -> MentoringPairing:
    row = session.get(MentoringPairing, pairing_id)
    if row is None or actor.member_id not in (row.mentor_id, row.mentee_id):
        raise NotFound("That mentoring pairing is not one of yours.")
    return row


def get_pairing(session: Session, pairing_id: int) -> PairingInfo | None:
    row = session.get(MentoringPairing, pairing_id)
    return None if row is None else pairing_info(session, row)


def claim_introduction(session: Session, pairing_id: int, *, now: datetime) -> bool:
    """True for the one caller that may post the pairing's introduction."""
    return rowcount(session.execute(
        update(MentoringPairing).where(MentoringPairing.id == pairing_id, MentoringPairing.intro_claimed_at.is_(None),
                                       MentoringPairing.intro_message_id.is_(None))
        .values(intro_claimed_at=now), execution_options={"synchronize_session": False})) == 1


def record_introduction(session: Session, pairing_id: int, intro: MessageRef) -> None:
    row = session.get_one(MentoringPairing, pairing_id)
    row.group_surface, row.group_conversation = intro.surface, intro.conversation
    row.intro_message_id = intro.message_id


def release_introduction(session: Session, pairing_id: int) -> None:
    session.execute(update(MentoringPairing).where(MentoringPairing.id == pairing_id).values(intro_claimed_at=None),
                    execution_options={"synchronize_session": False})


def set_group_conversation(session: Session, pairing_id: int, surface: str, conversation: str) -> None:
    row = session.get_one(MentoringPairing, pairing_id)
    row.group_surface, row.group_conversation = surface, conversation


def end_pairing(session: Session, actor: Actor, pairing_id: int, *, now: datetime) -> tuple[PairingInfo, bool]:
    """Either side ends the pairing; its check-ins stop. Returns the pairing and whether this call ended it."""
    row = _get_pairing(session, actor, pairing_id)
    if row.ended_at is not None:
        return pairing_info(session, row), False
    row.ended_at, row.ended_by_id = now, actor.member_id
    ledger.cancel_pending(session, kind=CHECKIN, subject=checkin_subject(row.id))
    return pairing_info(session, row), True


def record_meeting(session: Session, actor: Actor, pairing_id: int, *, now: datetime) -> PairingInfo:
    row = _get_pairing(session, actor, pairing_id)
    if row.ended_at is not None:
        raise DomainError("This mentoring has ended.")
    row.last_met_at = now
    return pairing_info(session, row)


def set_cadence(session: Session, actor: Actor, pairing_id: int, cadence_days: int, *, now: datetime,
                tz: tzinfo) -> tuple[PairingInfo, datetime]:
    """Agree a new check-in cadence: the pending check-in is replaced by one at the new pace."""
    if cadence_days not in CADENCES:
        raise DomainError("Choose how often from the list.")
    row = _get_pairing(session, actor, pairing_id)
    if row.ended_at is not None:
        raise DomainError("This mentoring has ended: there are no more check-ins.")
    ledger.cancel_pending(session, kind=CHECKIN, subject=checkin_subject(row.id))
    row.cadence_days = cadence_days
    row.schedule_version += 1
    item = schedule_checkin(session, row, after=row.last_checkin_at or row.started_at, tz=tz, not_before=now)
    return pairing_info(session, row), item.due_at


# Check-ins ---------------------------------------------------------------------------------------

def checkin_subject(pairing_id: int) -> str:
    return f"pairing:{pairing_id}"


def checkin_day(after: datetime, cadence_days: int, tz: tzinfo) -> date:
    """The day of the next check-in: `cadence_days` after `after`, moved off a weekend to the Monday."""
    day = after.astimezone(tz).date() + timedelta(days=cadence_days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def checkin_at(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(CHECKIN_HOUR), tzinfo=tz).astimezone(UTC)


def schedule_checkin(session: Session, pairing: MentoringPairing, *, after: datetime, tz: tzinfo,
                     not_before: datetime | None = None) -> DueItem:
    """The next check-in's due row (once per pairing, schedule version and day)."""
    session.flush()
    day = checkin_day(after, pairing.cadence_days, tz)
    if not_before is not None:
        while checkin_at(day, tz) <= not_before:
            day = checkin_day(checkin_at(day, tz), 1, tz)
    return ledger.schedule(session, kind=CHECKIN, subject=checkin_subject(pairing.id),
                           occurrence=f"v{pairing.schedule_version}:{day.isoformat()}", due_at=checkin_at(day, tz))


def next_checkin(session: Session, pairing_id: int) -> datetime | None:
    """When the pairing's next check-in is due, if one is pending."""
    return session.scalar(select(DueItem.due_at).where(
        DueItem.kind == CHECKIN, DueItem.subject == checkin_subject(pairing_id), DueItem.status == ledger.PENDING)
        .order_by(DueItem.due_at).limit(1))


def checkin_to_send(session: Session, pairing_id: int, occurrence: str, *, due_at: datetime,
                    tz: tzinfo) -> PairingInfo | None:
    """The pairing to check in with for this due row, with the next check-in scheduled; None to skip.

    A pairing whose mentor or mentee has left the workspace ends here.
    """
    row = session.get(MentoringPairing, pairing_id)
    if row is None or row.ended_at is not None:
        return None
    if not occurrence.startswith(f"v{row.schedule_version}:"):
        return None  # the cadence changed after this row was scheduled
    mentor, mentee = session.get_one(Member, row.mentor_id), session.get_one(Member, row.mentee_id)
    if mentor.deactivated or mentee.deactivated:
        row.ended_at = due_at
        return None
    row.last_checkin_at = due_at
    schedule_checkin(session, row, after=due_at, tz=tz)
    return pairing_info(session, row)
