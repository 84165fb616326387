"""Reminders as due rows in the ledger (DESIGN decision 3), posted by digests/reminders.py:
a DM to each member going at the configured offsets, and the channel post on the morning of
a network meeting. Each row is keyed by the event's start, its revision and the member's
RSVP generation; one that no longer applies is skipped when due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from storage import ledger
from storage.events.constants import CANCELLED, GOING, MORNING, REMINDER, SCHEDULED, UTC
from storage.events.info import EventInfo, Reminder
from storage.events.rows import _find_rsvp, _info, _rsvps_with_members
from storage.members import find_addressed
from storage.models.events import Event


@dataclass(frozen=True)
class Offset:
    """How long before an event a reminder goes: '1d' (calendar days), '1h', '30m' (elapsed)."""

    label: str

    @property
    def amount(self) -> int:
        return int(self.label[:-1])

    @property
    def unit(self) -> str:
        return self.label[-1]

    def due(self, starts_at: datetime, tz: ZoneInfo) -> datetime:
        if self.unit == "d":
            # The same wall-clock time n days before, in the event's zone, so a reminder for a
            # Monday 10:00 meeting comes at 10:00 on Sunday whether or not the clocks changed.
            wall = starts_at.astimezone(tz).replace(tzinfo=None) - timedelta(days=self.amount)
            return wall.replace(tzinfo=tz).astimezone(UTC)
        minutes = self.amount * (60 if self.unit == "h" else 1)
        return starts_at - timedelta(minutes=minutes)

    def describe(self) -> str:
        names = {"d": ("the day before", "days"), "h": ("an hour before", "hours"), "m": ("a minute before", "minutes")}
        one, many = names[self.unit]
        return one if self.amount == 1 else f"{self.amount} {many} before"


@dataclass(frozen=True)
class ReminderRules:
    """Which reminders an event gets: DMs at `offsets` before it; the channel post on the morning."""

    offsets: tuple[Offset, ...] = (Offset("1d"), Offset("1h"))
    morning: time = time(8, 0)

    @classmethod
    def from_labels(cls, labels: Iterable[str], morning: time = time(8, 0)) -> ReminderRules:
        return cls(tuple(Offset(label) for label in labels), morning)

    def ahead(self, starts_at: datetime, tz: ZoneInfo, now: datetime) -> tuple[Offset, ...]:
        """The reminders still to come for an event starting at `starts_at`: those due after `now`."""
        return tuple(o for o in self.offsets if o.due(starts_at, tz) > now)

    def describe(self, offsets: Iterable[Offset] | None = None) -> str:
        parts = [o.describe() for o in (self.offsets if offsets is None else offsets)]
        return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]

    def promise(self, starts_at: datetime, tz: ZoneInfo, now: datetime) -> str:
        """What a member going to the event will be reminded of, from `now` on: only the
        reminders that will really go (an event two minutes away gets none), the same
        rule that schedules them."""
        if not self.offsets:
            return ""
        ahead = self.ahead(starts_at, tz, now)
        if not ahead:
            return "It starts too soon for a reminder."
        return f"I'll remind you {self.describe(ahead)}."


def _subject(event_id: int) -> str:
    return f"event:{event_id}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def _reminder_payload(event: Event, user_id: str, generation: int, offset: str) -> dict[str, object]:
    return {"event": event.id, "member": user_id, "offset": offset, "starts_at": event.starts_at.isoformat(),
            "generation": generation}


def _schedule_reminders(session: Session, event: Event, user_id: str, generation: int,
                        rules: ReminderRules, now: datetime) -> None:
    """A due row per reminder still ahead; keyed so each is posted once (DESIGN decision 3)."""
    tz = ZoneInfo(event.timezone)
    # Answering 30 minutes before: no "in an hour" reminder (and ReminderRules.promise says so).
    for offset in rules.ahead(event.starts_at, tz, now):
        due = offset.due(event.starts_at, tz)
        ledger.schedule(session, kind=REMINDER, subject=_subject(event.id),
                        occurrence=f"{offset.label}@{_stamp(event.starts_at)}#{event.sequence}:"
                                   f"{user_id}.{generation}",
                        due_at=due, payload=_reminder_payload(event, user_id, generation, offset.label))


def _schedule_morning(session: Session, event: Event, rules: ReminderRules, now: datetime) -> None:
    """Network meetings get a post in the channel on the morning of the day (or an hour
    before, if they start before the morning post's time)."""
    if event.kind != "network_meeting" or event.status != SCHEDULED:
        return
    tz = ZoneInfo(event.timezone)
    local_start = event.starts_at.astimezone(tz)
    morning = datetime.combine(local_start.date(), rules.morning, tzinfo=tz).astimezone(UTC)
    due = min(morning, event.starts_at - timedelta(hours=1))
    if due <= now:
        return
    ledger.schedule(session, kind=MORNING, subject=_subject(event.id),
                    occurrence=f"morning@{_stamp(event.starts_at)}#{event.sequence}", due_at=due,
                    payload={"event": event.id, "starts_at": event.starts_at.isoformat()})


def _cancel_reminders(session: Session, event_id: int) -> None:
    """The event's pending reminder DMs and morning post go (it moved or was cancelled)."""
    for kind in (REMINDER, MORNING):
        ledger.cancel_pending(session, kind=kind, subject=_subject(event_id))


def _reschedule_all(session: Session, event: Event, rules: ReminderRules, now: datetime) -> None:
    """The event moved: its pending reminders go, fresh ones are due for the new time."""
    _cancel_reminders(session, event.id)
    for row, member in _rsvps_with_members(session, event.id, (GOING,)):
        _schedule_reminders(session, event, member.user_id, row.generation, rules, now)
    _schedule_morning(session, event, rules, now)


def reminder_to_send(session: Session, payload: dict[str, object], *, now: datetime) -> tuple[Reminder | None, str]:
    """What a reminder DM due now should say, or (None, why it no longer applies)."""
    event = session.get(Event, int(str(payload["event"])))
    if event is None:
        return None, "the event is gone"
    if event.status == CANCELLED:
        return None, "the event was cancelled"
    if event.starts_at.isoformat() != payload.get("starts_at"):
        return None, "the event moved (a fresh reminder is due for its new time)"
    if now >= event.starts_at:
        return None, "the event has started"
    member = find_addressed(session, str(payload["member"]))
    if member is None or member.deactivated:
        return None, "the member left the workspace"
    row = _find_rsvp(session, event.id, member.id)
    if row is None or row.status != GOING or row.generation != payload.get("generation"):
        return None, "the member is no longer going"
    return Reminder(_info(session, event, viewer=member.id), member.user_id, member.timezone,
                    str(payload["offset"])), ""


def morning_post_to_send(session: Session, payload: dict[str, object]) -> tuple[EventInfo | None, str]:
    event = session.get(Event, int(str(payload["event"])))
    if event is None or event.status == CANCELLED:
        return None, "the event was cancelled"
    if event.starts_at.isoformat() != payload.get("starts_at") or event.kind != "network_meeting":
        return None, "the event moved or is no longer a network meeting"
    return _info(session, event), ""
