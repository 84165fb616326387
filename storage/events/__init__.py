"""Network events: create, edit and cancel them (and series of them); RSVPs with capacity and
a waitlist; attendance; calendar files. Rules and permissions live here (DESIGN decision 6).

Reminders are rows in the due ledger (DESIGN decision 3), scheduled here and posted by
digests/reminders.py: one row per member and reminder, keyed by the event's start, its
revision and the member's RSVP generation, so each goes out once, a moved event gets fresh
ones for its new time (the old ones are cancelled), and one that no longer applies (the
member dropped out, left the workspace, the event was cancelled) is skipped when due.

Changes that people must hear about (moved, cancelled, a waitlist promotion, the channel
announcement) are written as `EventNotice` rows in the same unit of work as the change;
the Slack side claims each once (`claim_notices`) and sends it.

For other features: `upcoming_events(session, now, until)` lists what is coming (the
e-zine), `attendance_count(session, start, end, kinds)` counts who came (reports).
"""

from __future__ import annotations

import calendar
import csv
import io
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from itertools import count
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import ledger
from storage.errors import DomainError, NotFound, PermissionDenied
from storage.members import Actor, Role, ensure_member
from storage.models import Member
from storage.models.events import Event, EventNotice, EventSeries, Rsvp

UTC = timezone.utc

KINDS = {
    "network_meeting": "Network meeting",
    "team_meeting": "Team meeting",
    "conference": "Conference",
    "workshop": "Workshop",
    "showcase": "Showcase",
    "outreach": "Outreach",
    "other": "Other",
}
# What "meetings" means to attendance reports unless they say otherwise.
MEETING_KINDS = ("network_meeting", "team_meeting")
# (days, months) between occurrences.
FREQUENCIES = {"weekly": (7, 0), "fortnightly": (14, 0), "monthly": (0, 1), "quarterly": (0, 3)}
FREQUENCY_LABELS = {"weekly": "every week", "fortnightly": "every fortnight", "monthly": "every month",
                    "quarterly": "every quarter"}

GOING, MAYBE, NOT_GOING, WAITLIST = "going", "maybe", "not_going", "waitlist"
CHOICES = (GOING, MAYBE, NOT_GOING)
SCHEDULED, CANCELLED = "scheduled", "cancelled"
# Why RSVPs are closed (EventInfo.closed_reason).
CLOSED_CANCELLED, CLOSED_ENDED, CLOSED_STARTED, CLOSED_DEADLINE = "cancelled", "ended", "started", "deadline"

# Due ledger kinds (digests/reminders.py delivers them).
REMINDER = "events.reminder"
MORNING = "events.morning"
# Notice kinds.
NOTICE_ANNOUNCE, NOTICE_CHANGED, NOTICE_CANCELLED, NOTICE_PROMOTED = "announce", "changed", "cancelled", "promoted"
# A notice not sent within this long (its sender died) is dropped rather than sent stale.
NOTICE_FRESHNESS = timedelta(hours=1)

# The form's fields: storage errors name them, the modal uses them as block ids.
F_TITLE, F_KIND, F_STARTS, F_ENDS = "title", "kind", "starts", "ends"
F_LOCATION, F_LINK, F_CAPACITY, F_DEADLINE = "location", "link", "capacity", "deadline"
F_DESCRIPTION, F_REPEAT, F_UNTIL, F_ANNOUNCE = "description", "repeat", "until", "announce"

TITLE_LIMIT = 150  # Slack's header block limit: the title is shown in one
DESCRIPTION_LIMIT = 3000
LOCATION_LIMIT = 200
LINK_LIMIT = 500
REASON_LIMIT = 500
MAX_CAPACITY = 5000
MAX_LENGTH = timedelta(days=14)
MAX_OCCURRENCES = 60
DEFAULT_HORIZON = timedelta(weeks=8)


class InvalidEvent(DomainError):
    """The form has problems: `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()), field=next(iter(errors)))
        self.errors = errors


# Reminder offsets ---------------------------------------------------------------------

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

    def describe(self) -> str:
        parts = [o.describe() for o in self.offsets]
        return " and ".join(parts) if len(parts) < 3 else ", ".join(parts[:-1]) + " and " + parts[-1]


# Snapshots handed to the Slack side -----------------------------------------------------

@dataclass(frozen=True)
class Counts:
    going: int = 0
    maybe: int = 0
    waitlist: int = 0
    not_going: int = 0


@dataclass(frozen=True)
class EventInfo:
    """One event as the surfaces show it, detached from the session."""

    id: int
    uid: str
    title: str
    description: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str | None
    online_link: str | None
    capacity: int | None
    rsvp_deadline: datetime | None
    organiser_member_id: int
    organiser_slack_id: str
    organiser_name: str
    organiser_email: str | None
    status: str
    cancel_reason: str | None
    series_id: int | None
    series_index: int
    series_frequency: str | None
    series_until: date | None
    sequence: int
    announce_channel: str | None
    announce_ts: str | None
    updated_at: datetime
    counts: Counts = field(default_factory=Counts)
    # The viewer's answer and place on the waitlist, when built for a member.
    viewer_status: str | None = None
    viewer_position: int | None = None

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.counts.going, 0)

    @property
    def full(self) -> bool:
        return self.places_left == 0

    def closed_reason(self, now: datetime) -> str | None:
        """Why nobody can RSVP now (CLOSED_*), or None while RSVPs are open."""
        if self.cancelled:
            return CLOSED_CANCELLED
        if now >= self.ends_at:
            return CLOSED_ENDED
        if now >= self.starts_at:
            return CLOSED_STARTED
        if self.rsvp_deadline is not None and now >= self.rsvp_deadline:
            return CLOSED_DEADLINE
        return None


@dataclass(frozen=True)
class EventForm:
    """What the organiser's form gives (strings as typed, times as aware datetimes)."""

    title: str | None = None
    kind: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: str | None = None
    online_link: str | None = None
    capacity: str | int | None = None
    rsvp_deadline: datetime | None = None
    description: str | None = None
    repeat: str | None = None
    repeat_until: date | None = None
    announce: bool = False


@dataclass(frozen=True)
class EditOutcome:
    event: EventInfo
    # What changed: "time", "place", "title", "description", "kind", "capacity", "deadline".
    changed: tuple[str, ...]
    told: int
    promoted: tuple[str, ...] = ()


@dataclass(frozen=True)
class CancelOutcome:
    event: EventInfo
    already: bool
    told: int


@dataclass(frozen=True)
class RsvpOutcome:
    event: EventInfo
    status: str
    previous: str | None
    changed: bool
    # Slack user ids moved from the waitlist to going by this change.
    promoted: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventPage:
    items: list[EventInfo]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total


@dataclass(frozen=True)
class Attendee:
    slack_user_id: str
    name: str
    email: str | None
    department: str | None
    status: str
    waitlist_position: int | None
    responded_at: datetime
    attended: bool | None
    left: bool


@dataclass(frozen=True)
class Attendees:
    event: EventInfo
    going: list[Attendee]
    maybe: list[Attendee]
    waitlist: list[Attendee]
    not_going: list[Attendee]
    recorded: bool


@dataclass(frozen=True)
class Notice:
    id: int
    kind: str
    event: EventInfo
    recipients: tuple[str, ...]
    details: dict[str, object]
    created_by: str | None


@dataclass(frozen=True)
class Reminder:
    event: EventInfo
    member: str
    member_timezone: str | None
    offset: str


@dataclass(frozen=True)
class AttendanceSummary:
    events: int
    attendances: int
    members: int


# Creating, editing, cancelling -------------------------------------------------------------

@dataclass(frozen=True)
class _Clean:
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    online_link: str | None
    capacity: int | None
    rsvp_deadline: datetime | None
    description: str
    repeat: str | None
    repeat_until: date | None


def create_event(session: Session, actor: Actor, form: EventForm, *, now: datetime, tz: str, rules: ReminderRules,
                 source_key: str | None = None) -> list[EventInfo]:
    """Create an event, or every occurrence of a series; returns them in order.

    `source_key` (the modal's view id) makes this idempotent: the same submission twice
    returns what the first created.
    """
    actor.require(Role.ORGANISER, "create events")
    if source_key is not None:
        existing = _by_source(session, source_key)
        if existing:
            return _infos(session, existing)
    zone = ZoneInfo(tz)
    clean = _validate(form, now=now, tz=zone)
    starts = occurrences(clean.starts_at, zone, clean.repeat, clean.repeat_until)
    series = None
    if clean.repeat:
        assert clean.repeat_until is not None
        series = EventSeries(frequency=clean.repeat, until=clean.repeat_until, organiser_id=actor.member_id,
                             created_at=now)
        session.add(series)
        session.flush()
    length = clean.ends_at - clean.starts_at
    deadline_lead = clean.starts_at - clean.rsvp_deadline if clean.rsvp_deadline else None
    created = [
        Event(uid=f"{uuid.uuid4().hex}@technet", series_id=series.id if series else None, series_index=index, source_key=source_key,
              title=clean.title, description=clean.description, kind=clean.kind, starts_at=start,
              ends_at=start + length, timezone=tz, location=clean.location, online_link=clean.online_link,
              capacity=clean.capacity, rsvp_deadline=start - deadline_lead if deadline_lead else None,
              organiser_id=actor.member_id, status=SCHEDULED, sequence=0, created_at=now, updated_at=now)
        for index, start in enumerate(starts)
    ]
    try:
        with session.begin_nested():
            session.add_all(created)
    except IntegrityError:
        # The same submission, created by a concurrent delivery: theirs stands.
        if source_key is None:
            raise
        return _infos(session, _by_source(session, source_key))
    for event in created:
        _schedule_morning(session, event, rules, now)
    if form.announce:
        session.add(EventNotice(event_id=created[0].id, kind=NOTICE_ANNOUNCE, recipients=[], details={},
                                source_key=source_key, created_by=actor.slack_user_id, created_at=now))
    session.flush()
    return _infos(session, created)


def edit_event(session: Session, actor: Actor, event_id: int, form: EventForm, *, now: datetime,
               rules: ReminderRules, source_key: str | None = None) -> EditOutcome:
    """Change one event (one occurrence of a series). Moving it or changing its place tells
    everyone going or waitlisted (a notice); raising the capacity promotes from the waitlist."""
    event = _locked(session, event_id)
    _require_manage(session, actor, event, "change it")
    if event.status == CANCELLED:
        raise DomainError(f"“{event.title}” was cancelled; create a new event instead.")
    going = _going_count(session, event.id)
    clean = _validate(form, now=now, tz=ZoneInfo(event.timezone), event=event, going=going)
    before = {"starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat(),
              "location": event.location, "online_link": event.online_link}
    changed = [name for name, old, new in (
        ("time", (event.starts_at, event.ends_at), (clean.starts_at, clean.ends_at)),
        ("place", (event.location, event.online_link), (clean.location, clean.online_link)),
        ("title", event.title, clean.title),
        ("description", event.description, clean.description),
        ("kind", event.kind, clean.kind),
        ("capacity", event.capacity, clean.capacity),
        ("deadline", event.rsvp_deadline, clean.rsvp_deadline),
    ) if old != new]
    if not changed:
        return EditOutcome(_info(session, event), (), 0)
    old_kind = event.kind
    event.title, event.description, event.kind = clean.title, clean.description, clean.kind
    event.starts_at, event.ends_at = clean.starts_at, clean.ends_at
    event.location, event.online_link = clean.location, clean.online_link
    event.capacity, event.rsvp_deadline = clean.capacity, clean.rsvp_deadline
    event.sequence += 1
    event.updated_at = now
    if "time" in changed:
        _reschedule_all(session, event, rules, now)
    elif event.kind != old_kind:
        ledger.cancel_pending(session, kind=MORNING, subject=_subject(event.id))
        _schedule_morning(session, event, rules, now)
    promoted = _fill_from_waitlist(session, event, rules, now=now, source_key=source_key)
    told = 0
    if "time" in changed or "place" in changed:
        recipients = _member_ids(session, event.id, (GOING, WAITLIST))
        told = len(recipients)
        if recipients:
            session.add(EventNotice(
                event_id=event.id, kind=NOTICE_CHANGED, recipients=recipients, source_key=source_key,
                created_by=actor.slack_user_id, created_at=now,
                details={"what": [c for c in changed if c in ("time", "place")], "before": before}))
    session.flush()
    return EditOutcome(_info(session, event), tuple(changed), told, tuple(promoted))


def cancel_event(session: Session, actor: Actor, event_id: int, *, reason: str | None, now: datetime,
                 source_key: str | None = None) -> CancelOutcome:
    """Cancel one event (one occurrence). RSVPs are kept as history; everyone who said going,
    maybe or is waitlisted is told (a notice); its reminders are cancelled."""
    event = _locked(session, event_id)
    _require_manage(session, actor, event, "cancel it")
    if event.status == CANCELLED:
        return CancelOutcome(_info(session, event), True, 0)
    if event.ends_at <= now:
        raise DomainError(f"“{event.title}” has taken place already; there is nothing to cancel.")
    reason = (reason or "").strip()
    if len(reason) > REASON_LIMIT:
        raise InvalidEvent({"reason": f"Keep the reason to {REASON_LIMIT} characters (it is {len(reason)})."})
    event.status = CANCELLED
    event.cancelled_at = now
    event.cancel_reason = reason or None
    event.sequence += 1
    event.updated_at = now
    ledger.cancel_pending(session, kind=REMINDER, subject=_subject(event.id))
    ledger.cancel_pending(session, kind=MORNING, subject=_subject(event.id))
    recipients = _member_ids(session, event.id, (GOING, MAYBE, WAITLIST))
    if recipients:
        session.add(EventNotice(event_id=event.id, kind=NOTICE_CANCELLED, recipients=recipients,
                                details={"reason": reason or None}, source_key=source_key,
                                created_by=actor.slack_user_id, created_at=now))
    session.flush()
    return CancelOutcome(_info(session, event), False, len(recipients))


def remind_now(session: Session, actor: Actor, event_id: int, *, now: datetime) -> int:
    """Queue a reminder DM now to everyone going ("Send reminder now"); returns how many.

    Keyed by the minute, so a double click queues them once.
    """
    event = _locked(session, event_id)
    _require_manage(session, actor, event, "send its reminders")
    if event.status == CANCELLED:
        raise DomainError(f"“{event.title}” was cancelled: there is nothing to remind anyone of.")
    if event.starts_at <= now:
        raise DomainError(f"“{event.title}” has started already.")
    queued = 0
    for rsvp, member in _rsvps_with_members(session, event.id, (GOING,)):
        occurrence = f"now@{now.astimezone(UTC):%Y%m%dT%H%M}:{member.slack_user_id}.{rsvp.generation}"
        if ledger.find(session, REMINDER, _subject(event.id), occurrence) is None:
            ledger.schedule(session, kind=REMINDER, subject=_subject(event.id), occurrence=occurrence, due_at=now,
                            payload=_reminder_payload(event, member.slack_user_id, rsvp.generation, "now"))
            queued += 1
    return queued


def can_manage(actor: Actor, organiser_member_id: int) -> bool:
    """The event's own organiser (still an organiser), or an admin, may change it."""
    return actor.has(Role.ADMIN) or (actor.has(Role.ORGANISER) and actor.member_id == organiser_member_id)


def require_manage(session: Session, actor: Actor, event_id: int, doing: str) -> EventInfo:
    """The event, if the actor may change it; a refusal fit for a person otherwise."""
    event = get_event_row(session, event_id)
    _require_manage(session, actor, event, doing)
    return _info(session, event)


def _require_manage(session: Session, actor: Actor, event: Event, doing: str) -> None:
    if can_manage(actor, event.organiser_id):
        return
    organiser = session.get(Member, event.organiser_id)
    name = organiser.name if organiser else "its organiser"
    if not actor.has(Role.ORGANISER):
        raise PermissionDenied(f"Only network organisers can do that: “{event.title}” is organised by {name}.")
    raise PermissionDenied(f"Only {name}, who organises “{event.title}”, or a technet admin can {doing}.")


# RSVPs ---------------------------------------------------------------------------------------

def rsvp(session: Session, actor: Actor, event_id: int, choice: str, *, now: datetime,
         rules: ReminderRules) -> RsvpOutcome:
    """Answer going / maybe / not going. Going to a full event joins the waitlist; leaving
    "going" promotes the first on the waitlist. Repeating an answer changes nothing."""
    if choice not in CHOICES:
        raise DomainError("Answer going, maybe or not going.")
    # The event's row lock orders concurrent answers (PostgreSQL; SQLite's writes are serial).
    event = _locked(session, event_id)
    reason = _closed_reason(event, now)
    if reason is not None:
        raise DomainError(_closed_message(event, reason))
    row = _find_rsvp(session, event.id, actor.member_id)
    previous = row.status if row else None
    unchanged = previous == choice or (choice == GOING and previous == WAITLIST)
    if not unchanged:
        if row is None:
            row = _new_rsvp(session, event.id, actor.member_id, now)
        if choice == GOING:
            if event.capacity is not None and _going_count(session, event.id) >= event.capacity:
                row.status, row.waitlist_seq = WAITLIST, _next_waitlist_seq(session, event.id)
            else:
                _make_going(session, event, row, actor.slack_user_id, rules, now)
        else:
            # Their pending reminders, if they were going, are skipped when due (no longer going).
            row.status, row.waitlist_seq = choice, None
        row.updated_at = now
        session.flush()
    # A place freed by this answer, or by someone who left the workspace, goes to the waitlist.
    promoted = _fill_from_waitlist(session, event, rules, now=now)
    info = _info(session, event, viewer=actor.member_id)
    return RsvpOutcome(info, info.viewer_status or choice, previous, not unchanged, tuple(promoted))


def _new_rsvp(session: Session, event_id: int, member_id: int, now: datetime) -> Rsvp:
    row = Rsvp(event_id=event_id, member_id=member_id, status=NOT_GOING, generation=0, created_at=now,
               updated_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # A double click raced us past the lock (it cannot on PostgreSQL or SQLite, but the
        # unique key is the last word): use the row it made.
        found = _find_rsvp(session, event_id, member_id)
        assert found is not None
        return found
    return row


def _make_going(session: Session, event: Event, row: Rsvp, slack_user_id: str, rules: ReminderRules,
                now: datetime) -> None:
    # The waitlist_seq stays: it records where they queued.
    row.status = GOING
    row.generation += 1
    _schedule_reminders(session, event, slack_user_id, row.generation, rules, now)


def _fill_from_waitlist(session: Session, event: Event, rules: ReminderRules, *, now: datetime,
                        source_key: str | None = None) -> list[str]:
    """Promote the first on the waitlist into free places; a notice tells each of them."""
    if event.status != SCHEDULED or event.starts_at <= now:
        return []
    free = None if event.capacity is None else event.capacity - _going_count(session, event.id)
    if free is not None and free <= 0:
        return []
    waiting = _rsvps_with_members(session, event.id, (WAITLIST,))
    promoted = []
    for row, member in (waiting[:free] if free is not None else waiting):
        _make_going(session, event, row, member.slack_user_id, rules, now)
        row.updated_at = now
        promoted.append(member.slack_user_id)
    if promoted:
        session.add(EventNotice(event_id=event.id, kind=NOTICE_PROMOTED, recipients=promoted, details={},
                                source_key=source_key, created_at=now))
    return promoted


# Reading ---------------------------------------------------------------------------------------

def get_event(session: Session, event_id: int, *, viewer: int | None = None) -> EventInfo:
    return _info(session, get_event_row(session, event_id), viewer=viewer)


def get_event_row(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"There is no event number {event_id}.")
    return event


def upcoming_events(session: Session, now: datetime, until: datetime | None = None, *,
                    kinds: Sequence[str] | None = None, include_cancelled: bool = False,
                    viewer: int | None = None) -> list[EventInfo]:
    """Events that have not ended by `now` and start before `until` (all if None), soonest
    first, with their RSVP counts. Cancelled ones only if asked. For the e-zine and others."""
    query = _upcoming_query(now, until, kinds=kinds, include_cancelled=include_cancelled)
    return _infos(session, list(session.scalars(query.order_by(Event.starts_at, Event.id))), viewer=viewer)


def events_page(session: Session, *, now: datetime, until: datetime | None, viewer: int, offset: int = 0,
                limit: int = 10, mine: bool = False) -> EventPage:
    """A page of what is coming for `viewer` (cancelled ones stay listed, marked, until they
    would have ended); `mine` keeps those the viewer is going to, waitlisted for or might go to."""
    query = _upcoming_query(now, until, include_cancelled=True)
    if mine:
        query = query.join(Rsvp, and_(Rsvp.event_id == Event.id, Rsvp.member_id == viewer)).where(
            Rsvp.status.in_((GOING, WAITLIST, MAYBE)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    offset = max(0, min(offset, max(total - 1, 0)))
    rows = list(session.scalars(query.order_by(Event.starts_at, Event.id).offset(offset).limit(limit)))
    return EventPage(_infos(session, rows, viewer=viewer), total, offset, limit)


def next_for_member(session: Session, member_id: int, *, now: datetime, limit: int = 3) -> list[EventInfo]:
    """The member's next events: going or on the waitlist, not cancelled."""
    query = _upcoming_query(now, None).join(Rsvp, and_(Rsvp.event_id == Event.id, Rsvp.member_id == member_id)) \
        .where(Rsvp.status.in_((GOING, WAITLIST)))
    return _infos(session, list(session.scalars(query.order_by(Event.starts_at).limit(limit))), viewer=member_id)


def could_join(session: Session, member_id: int, *, now: datetime, limit: int = 3) -> list[EventInfo]:
    """Open events the member has not answered yet, soonest first; of a series, the next one only."""
    answered = select(Rsvp.event_id).where(Rsvp.member_id == member_id)
    query = _upcoming_query(now, None).where(
        Event.starts_at > now, Event.id.not_in(answered),
        or_(Event.rsvp_deadline.is_(None), Event.rsvp_deadline > now))
    chosen: dict[object, Event] = {}
    for event in session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit * 10)):
        chosen.setdefault(event.series_id or f"event:{event.id}", event)
        if len(chosen) == limit:
            break
    return _infos(session, list(chosen.values()), viewer=member_id)


def recent_and_upcoming(session: Session, actor: Actor, *, now: datetime, days: int = 30,
                        limit: int = 10) -> list[EventInfo]:
    """Events from the last `days` and those coming, for choosing one's attendees: the
    actor's own (an admin's: everyone's), most recent first."""
    query = select(Event).where(Event.ends_at > now - timedelta(days=days), Event.status == SCHEDULED)
    if not actor.has(Role.ADMIN):
        query = query.where(Event.organiser_id == actor.member_id)
    past = list(session.scalars(query.where(Event.starts_at <= now).order_by(Event.starts_at.desc()).limit(limit)))
    coming = list(session.scalars(query.where(Event.starts_at > now).order_by(Event.starts_at).limit(limit)))
    return _infos(session, (past + coming)[:limit])


def _upcoming_query(now: datetime, until: datetime | None, *, kinds: Sequence[str] | None = None,
                    include_cancelled: bool = False):  # type: ignore[no-untyped-def]
    query = select(Event).where(Event.ends_at > now)
    if until is not None:
        query = query.where(Event.starts_at < until)
    if kinds:
        query = query.where(Event.kind.in_(list(kinds)))
    if not include_cancelled:
        query = query.where(Event.status == SCHEDULED)
    return query


# Attendance ------------------------------------------------------------------------------------

def attendees(session: Session, actor: Actor, event_id: int) -> Attendees:
    """Who answered what, in order (the waitlist in its order). Organisers only."""
    actor.require(Role.ORGANISER, "see who is coming to events")
    event = get_event_row(session, event_id)
    groups: dict[str, list[Attendee]] = {GOING: [], MAYBE: [], WAITLIST: [], NOT_GOING: []}
    position = 0
    for status in groups:
        for row, member in _rsvps_with_members(session, event.id, (status,), active_only=False):
            queued = status == WAITLIST and not member.deactivated
            position += queued
            groups[status].append(Attendee(
                member.slack_user_id, member.name, member.email, member.department, row.status,
                position if queued else None, row.updated_at, row.attended, member.deactivated))
    return Attendees(_info(session, event), groups[GOING], groups[MAYBE], groups[WAITLIST], groups[NOT_GOING],
                     event.attendance_recorded_at is not None)


CSV_COLUMNS = ["name", "slack_user_id", "email", "department", "response", "waitlist_position", "responded_at",
               "attended", "left_workspace"]
_RESPONSE_NAMES = {GOING: "going", MAYBE: "maybe", WAITLIST: "waitlist", NOT_GOING: "not going"}


def attendees_csv(session: Session, actor: Actor, event_id: int) -> tuple[str, bytes, int]:
    """The attendees as CSV: (filename, UTF-8 bytes, rows). Times in the event's zone."""
    found = attendees(session, actor, event_id)
    tz = found.event.tz
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    rows = [*found.going, *found.waitlist, *found.maybe, *found.not_going]
    for a in rows:
        attended = "" if a.attended is None else ("yes" if a.attended else "no")
        writer.writerow([_csv_safe(a.name), a.slack_user_id, _csv_safe(a.email or ""), _csv_safe(a.department or ""),
                         _RESPONSE_NAMES[a.status], a.waitlist_position or "",
                         a.responded_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), attended,
                         "yes" if a.left else ""])
    day = found.event.starts_at.astimezone(tz).date().isoformat()
    filename = f"attendees-{found.event.id}-{day}.csv"
    return filename, out.getvalue().encode("utf-8"), len(rows)


def _csv_safe(value: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula: show it as text.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def record_attendance(session: Session, actor: Actor, event_id: int, slack_user_ids: Iterable[str], *,
                      now: datetime) -> int:
    """Record who actually came (those listed), replacing "going" as the attendance for
    reports. Someone who came without answering is added. Returns how many came."""
    event = _locked(session, event_id)
    _require_manage(session, actor, event, "record its attendance")
    if event.status == CANCELLED:
        raise DomainError(f"“{event.title}” was cancelled.")
    if event.starts_at > now:
        raise DomainError(f"“{event.title}” hasn't started yet: record who came once it has.")
    came = set(slack_user_ids)
    known = {m.slack_user_id: (r, m) for r, m in _rsvps_with_members(
        session, event.id, (GOING, MAYBE, WAITLIST, NOT_GOING), active_only=False)}
    for slack_user_id in came - set(known):
        member = ensure_member(session, slack_user_id, now=now)
        row = _new_rsvp(session, event.id, member.id, now)
        row.status = GOING
        known[slack_user_id] = (row, member)
    for slack_user_id, (row, _) in known.items():
        row.attended = slack_user_id in came
    event.attendance_recorded_at = now
    session.flush()
    return len(came)


def attendance(session: Session, start: datetime, end: datetime,
               kinds: Sequence[str] | None = MEETING_KINDS) -> AttendanceSummary:
    """Attendance at events (not cancelled) that started in [start, end) of these kinds (all
    if None): how many events, attendances and distinct members. Where an organiser recorded
    who came, that counts; elsewhere the members who said they were going."""
    query = select(Rsvp.member_id, Rsvp.event_id).join(Event, Event.id == Rsvp.event_id).where(
        Event.starts_at >= start, Event.starts_at < end, Event.status == SCHEDULED,
        or_(and_(Event.attendance_recorded_at.is_not(None), Rsvp.attended.is_(True)),
            and_(Event.attendance_recorded_at.is_(None), Rsvp.status == GOING)))
    events_query = select(func.count()).select_from(Event).where(
        Event.starts_at >= start, Event.starts_at < end, Event.status == SCHEDULED)
    if kinds:
        query = query.where(Event.kind.in_(list(kinds)))
        events_query = events_query.where(Event.kind.in_(list(kinds)))
    rows = session.execute(query).all()
    return AttendanceSummary(session.scalar(events_query) or 0, len(rows), len({m for m, _ in rows}))


def attendance_count(session: Session, start: datetime, end: datetime,
                     kinds: Sequence[str] | None = MEETING_KINDS) -> int:
    """How many members attended meetings (by default network and team meetings) that
    started in [start, end). See `attendance`."""
    return attendance(session, start, end, kinds).members


# Notices ---------------------------------------------------------------------------------------

def created_by(session: Session, source_key: str) -> list[int]:
    """The events this submission created (none yet, while its unit of work is not visible)."""
    return list(session.scalars(select(Event.id).where(Event.source_key == source_key).order_by(Event.series_index)))


def claim_notices(session: Session, *, now: datetime, event_ids: Iterable[int] = (),
                  source_key: str | None = None) -> list[Notice]:
    """Claim the unsent notices of these events (or of this submission): each is claimed by
    one caller only. Recipients who left the workspace are dropped. Commit before sending."""
    wanted = [EventNotice.event_id.in_(list(event_ids))]
    if source_key is not None:
        wanted.append(EventNotice.source_key == source_key)
    rows = list(session.scalars(select(EventNotice).where(EventNotice.sent_at.is_(None), or_(*wanted))
                                .order_by(EventNotice.id)))
    claimed = []
    for row in rows:
        won = session.execute(update(EventNotice).where(EventNotice.id == row.id, EventNotice.sent_at.is_(None))
                              .values(sent_at=now), execution_options={"synchronize_session": False}).rowcount
        if won != 1 or row.created_at < now - NOTICE_FRESHNESS:
            continue
        left = set(session.scalars(select(Member.slack_user_id).where(
            Member.slack_user_id.in_(list(row.recipients)), Member.deactivated.is_(True))))
        claimed.append(Notice(row.id, row.kind, get_event(session, row.event_id),
                              tuple(r for r in row.recipients if r not in left), dict(row.details), row.created_by))
    return claimed


def series_size(session: Session, series_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Event).where(Event.series_id == series_id)) or 0


def record_announcement(session: Session, event_id: int, channel: str, ts: str) -> None:
    event = get_event_row(session, event_id)
    event.announce_channel, event.announce_ts = channel, ts


# Reminders -------------------------------------------------------------------------------------

def _subject(event_id: int) -> str:
    return f"event:{event_id}"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def _reminder_payload(event: Event, slack_user_id: str, generation: int, offset: str) -> dict[str, object]:
    return {"event": event.id, "member": slack_user_id, "offset": offset, "starts_at": event.starts_at.isoformat(),
            "generation": generation}


def _schedule_reminders(session: Session, event: Event, slack_user_id: str, generation: int,
                        rules: ReminderRules, now: datetime) -> None:
    """A due row per reminder still ahead; keyed so each is posted once (DESIGN decision 3)."""
    tz = ZoneInfo(event.timezone)
    for offset in rules.offsets:
        due = offset.due(event.starts_at, tz)
        if due <= now:
            continue  # answering 30 minutes before: no "in an hour" reminder
        ledger.schedule(session, kind=REMINDER, subject=_subject(event.id),
                        occurrence=f"{offset.label}@{_stamp(event.starts_at)}#{event.sequence}:"
                                   f"{slack_user_id}.{generation}",
                        due_at=due, payload=_reminder_payload(event, slack_user_id, generation, offset.label))


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


def _reschedule_all(session: Session, event: Event, rules: ReminderRules, now: datetime) -> None:
    """The event moved: its pending reminders go, fresh ones are due for the new time."""
    ledger.cancel_pending(session, kind=REMINDER, subject=_subject(event.id))
    ledger.cancel_pending(session, kind=MORNING, subject=_subject(event.id))
    for row, member in _rsvps_with_members(session, event.id, (GOING,)):
        _schedule_reminders(session, event, member.slack_user_id, row.generation, rules, now)
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
    member = session.scalar(select(Member).where(Member.slack_user_id == str(payload["member"])))
    if member is None or member.deactivated:
        return None, "the member left the workspace"
    row = _find_rsvp(session, event.id, member.id)
    if row is None or row.status != GOING or row.generation != payload.get("generation"):
        return None, "the member is no longer going"
    return Reminder(_info(session, event, viewer=member.id), member.slack_user_id, member.timezone,
                    str(payload["offset"])), ""


def morning_post_to_send(session: Session, payload: dict[str, object]) -> tuple[EventInfo | None, str]:
    event = session.get(Event, int(str(payload["event"])))
    if event is None or event.status == CANCELLED:
        return None, "the event was cancelled"
    if event.starts_at.isoformat() != payload.get("starts_at") or event.kind != "network_meeting":
        return None, "the event moved or is no longer a network meeting"
    return _info(session, event), ""


# Calendar files --------------------------------------------------------------------------------

def calendar_file(event: EventInfo, *, now: datetime) -> tuple[str, bytes]:
    """An .ics file for one event: its own zone (with a VTIMEZONE), a UID stable for the
    occurrence and SEQUENCE bumped on each change, so calendars update rather than duplicate."""
    from icalendar import Calendar, Event as VEvent, vCalAddress, vText

    tz = event.tz
    cal = Calendar()
    cal.add("prodid", "-//technet//Technician network//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    item = VEvent()
    item.add("uid", event.uid)
    item.add("sequence", event.sequence)
    item.add("dtstamp", now.astimezone(UTC))
    item.add("last-modified", event.updated_at.astimezone(UTC))
    item.add("dtstart", event.starts_at.astimezone(tz))
    item.add("dtend", event.ends_at.astimezone(tz))
    item.add("summary", event.title)
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    item.add("categories", [event.kind_label])
    description = event.description
    if event.online_link:
        description = (description + "\n\n" if description else "") + f"Join online: {event.online_link}"
        item.add("url", event.online_link)
    if description:
        item.add("description", description)
    location = ", ".join(p for p in (event.location, event.online_link) if p)
    if location:
        item.add("location", location)
    if event.organiser_email:
        organiser = vCalAddress(f"mailto:{event.organiser_email}")
        organiser.params["cn"] = vText(event.organiser_name)
        item.add("organizer", organiser)
    cal.add_component(item)
    first = event.starts_at.astimezone(tz).date()
    cal.add_missing_timezones(first_date=first - timedelta(days=400), last_date=first + timedelta(days=400))
    slug = re.sub(r"[^a-z0-9]+", "-", event.title.lower()).strip("-")[:40] or "event"
    return f"{slug}-{first.isoformat()}.ics", cal.to_ical()


# Series ----------------------------------------------------------------------------------------

def occurrences(first: datetime, tz: ZoneInfo, frequency: str | None, until: date | None) -> list[datetime]:
    """Start times of a series in UTC: the same local time each week, fortnight, month
    (the same day of the month, or its last day) or quarter, up to and including `until`."""
    if not frequency:
        return [first]
    days, months = FREQUENCIES[frequency]
    wall = first.astimezone(tz).replace(tzinfo=None)
    starts = []
    for n in count():
        moment = wall + timedelta(days=days * n) if days else _add_months(wall, months * n)
        if until is None or moment.date() > until or len(starts) > MAX_OCCURRENCES:
            break
        starts.append(moment.replace(tzinfo=tz).astimezone(UTC))
    return starts


def _add_months(moment: datetime, months: int) -> datetime:
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


# Validation ------------------------------------------------------------------------------------

def _validate(form: EventForm, *, now: datetime, tz: ZoneInfo, event: Event | None = None,
              going: int = 0) -> _Clean:
    errors: dict[str, str] = {}
    title = " ".join((form.title or "").split())
    if not title:
        errors[F_TITLE] = "Give the event a title."
    elif len(title) > TITLE_LIMIT:
        errors[F_TITLE] = f"Keep the title to {TITLE_LIMIT} characters (it is {len(title)})."
    kind = form.kind or ""
    if kind not in KINDS:
        errors[F_KIND] = "Choose what kind of event it is."
    starts, ends = form.starts_at, form.ends_at
    moved = event is None or starts != event.starts_at
    if starts is None:
        errors[F_STARTS] = "When does it start?"
    elif moved and starts <= now:
        errors[F_STARTS] = "That start is in the past: choose a time from now on."
    if ends is None:
        errors[F_ENDS] = "When does it end?"
    elif starts is not None and ends <= starts:
        errors[F_ENDS] = f"It ends before it starts: the end must be after {_local(starts, tz)}."
    elif starts is not None and ends - starts > MAX_LENGTH:
        errors[F_ENDS] = "An event can last 14 days at most; for a longer one, make a series."
    location = " ".join((form.location or "").split()) or None
    link = (form.online_link or "").strip() or None
    if location and len(location) > LOCATION_LIMIT:
        errors[F_LOCATION] = f"Keep the place to {LOCATION_LIMIT} characters (it is {len(location)})."
    elif not location and not link:
        errors[F_LOCATION] = "Give a place, an online link, or both."
    if link and not _is_web_link(link):
        errors[F_LINK] = "That isn't a web link: it should look like https://teams.example.ac.uk/meet/123."
    capacity = _capacity(form.capacity, errors)
    if capacity is not None and capacity < going:
        errors[F_CAPACITY] = (f"{going} people are going already: the capacity can't be below {going} "
                              "(leave it as it is or raise it).")
    deadline = form.rsvp_deadline
    if deadline is not None and starts is not None and deadline >= starts:
        errors[F_DEADLINE] = "RSVPs must close before the event starts."
    elif deadline is not None and deadline <= now and (event is None or deadline != event.rsvp_deadline):
        errors[F_DEADLINE] = "That RSVP deadline has passed already."
    description = (form.description or "").strip()
    if len(description) > DESCRIPTION_LIMIT:
        errors[F_DESCRIPTION] = f"Keep the description to {DESCRIPTION_LIMIT:,} characters (it is {len(description):,})."
    repeat = form.repeat or None
    if repeat == "none":
        repeat = None
    until = form.repeat_until
    if event is None:
        if repeat is not None and repeat not in FREQUENCIES:
            errors[F_REPEAT] = "Choose how often it repeats."
        elif repeat and until is None:
            errors[F_UNTIL] = "Until when does it repeat? Choose the date of the last one."
        elif repeat and starts is not None and until is not None:
            first_day = starts.astimezone(tz).date()
            if until <= first_day:
                errors[F_UNTIL] = "The series must run past its first date."
            elif len(occurrences(starts, tz, repeat, until)) > MAX_OCCURRENCES:
                errors[F_UNTIL] = (f"That is more than {MAX_OCCURRENCES} events in one series: choose an earlier "
                                   "last date.")
        elif until is not None and not repeat:
            errors[F_REPEAT] = "You gave a last date: choose how often it repeats (or clear the date)."
    if errors:
        raise InvalidEvent(errors)
    assert starts is not None and ends is not None
    return _Clean(title, kind, starts, ends, location, link, capacity, deadline, description,
                  repeat if event is None else None, until if event is None and repeat else None)


def _capacity(value: str | int | None, errors: dict[str, str]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if not text.isdigit():
        errors[F_CAPACITY] = "The capacity is a whole number of places (or leave it empty for no limit)."
        return None
    number = int(text)
    if not 1 <= number <= MAX_CAPACITY:
        errors[F_CAPACITY] = f"The capacity must be between 1 and {MAX_CAPACITY:,} (or empty for no limit)."
        return None
    return number


def _is_web_link(link: str) -> bool:
    if len(link) > LINK_LIMIT or any(c.isspace() or c in "<>|\"" for c in link):
        return False
    parts = urlsplit(link)
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and "." in host and not host.startswith(".") and not host.endswith(".")


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %-d %b %H:%M %Z")


def _closed_reason(event: Event, now: datetime) -> str | None:
    if event.status == CANCELLED:
        return CLOSED_CANCELLED
    if now >= event.ends_at:
        return CLOSED_ENDED
    if now >= event.starts_at:
        return CLOSED_STARTED
    if event.rsvp_deadline is not None and now >= event.rsvp_deadline:
        return CLOSED_DEADLINE
    return None


def _closed_message(event: Event, reason: str) -> str:
    tz = ZoneInfo(event.timezone)
    return {
        CLOSED_CANCELLED: f"“{event.title}” was cancelled, so it takes no RSVPs.",
        CLOSED_ENDED: f"“{event.title}” is over.",
        CLOSED_STARTED: f"“{event.title}” started at {_local(event.starts_at, tz)}: RSVPs are closed.",
        CLOSED_DEADLINE: f"RSVPs for “{event.title}” closed at "
                         f"{_local(event.rsvp_deadline, tz) if event.rsvp_deadline else ''}.",
    }[reason]


# Helpers ---------------------------------------------------------------------------------------

def _locked(session: Session, event_id: int) -> Event:
    # FOR UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE has serialised writers already.
    event = session.scalar(select(Event).where(Event.id == event_id).with_for_update())
    if event is None:
        raise NotFound(f"There is no event number {event_id}.")
    return event


def _by_source(session: Session, source_key: str) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.source_key == source_key).order_by(Event.series_index)))


def _find_rsvp(session: Session, event_id: int, member_id: int) -> Rsvp | None:
    return session.scalar(select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.member_id == member_id))


def _going_count(session: Session, event_id: int) -> int:
    """Places taken: members going who are still in the workspace (one who left frees theirs)."""
    return session.scalar(select(func.count()).select_from(Rsvp).join(Member, Member.id == Rsvp.member_id).where(
        Rsvp.event_id == event_id, Rsvp.status == GOING, Member.deactivated.is_(False))) or 0


def _next_waitlist_seq(session: Session, event_id: int) -> int:
    highest = session.scalar(select(func.max(Rsvp.waitlist_seq)).where(Rsvp.event_id == event_id))
    return (highest or 0) + 1


def _rsvps_with_members(session: Session, event_id: int, statuses: Sequence[str], *,
                        active_only: bool = True) -> list[tuple[Rsvp, Member]]:
    """Answers with their members, in the order given (the waitlist in its queue order)."""
    query = select(Rsvp, Member).join(Member, Member.id == Rsvp.member_id).where(
        Rsvp.event_id == event_id, Rsvp.status.in_(list(statuses)))
    if active_only:
        query = query.where(Member.deactivated.is_(False))
    if tuple(statuses) == (WAITLIST,):
        query = query.order_by(Rsvp.waitlist_seq, Rsvp.id)
    else:
        query = query.order_by(Rsvp.updated_at, Rsvp.id)
    return [(r, m) for r, m in session.execute(query).all()]


def _member_ids(session: Session, event_id: int, statuses: Sequence[str]) -> list[str]:
    return [m.slack_user_id for _, m in _rsvps_with_members(session, event_id, statuses)]


def _counts(session: Session, event_ids: list[int]) -> dict[int, Counts]:
    if not event_ids:
        return {}
    rows = session.execute(
        select(Rsvp.event_id, Rsvp.status, func.count()).join(Member, Member.id == Rsvp.member_id)
        .where(Rsvp.event_id.in_(event_ids), Member.deactivated.is_(False))
        .group_by(Rsvp.event_id, Rsvp.status)).all()
    found: dict[int, dict[str, int]] = {}
    for event_id, status, number in rows:
        found.setdefault(event_id, {})[status] = number
    return {i: Counts(**found.get(i, {})) for i in event_ids}


def _info(session: Session, event: Event, *, viewer: int | None = None) -> EventInfo:
    return _infos(session, [event], viewer=viewer)[0]


def _infos(session: Session, events: list[Event], *, viewer: int | None = None) -> list[EventInfo]:
    if not events:
        return []
    session.flush()
    ids = [e.id for e in events]
    counts = _counts(session, ids)
    organisers = {m.id: m for m in session.scalars(select(Member).where(
        Member.id.in_({e.organiser_id for e in events})))}
    series_ids = {e.series_id for e in events if e.series_id is not None}
    series = {s.id: s for s in session.scalars(select(EventSeries).where(EventSeries.id.in_(series_ids)))} \
        if series_ids else {}
    mine: dict[int, Rsvp] = {}
    positions: dict[int, int] = {}
    if viewer is not None:
        mine = {r.event_id: r for r in session.scalars(select(Rsvp).where(Rsvp.event_id.in_(ids),
                                                                          Rsvp.member_id == viewer))}
        for event_id, row in mine.items():
            if row.status == WAITLIST and row.waitlist_seq is not None:
                ahead = session.scalar(select(func.count()).select_from(Rsvp).join(
                    Member, Member.id == Rsvp.member_id).where(
                    Rsvp.event_id == event_id, Rsvp.status == WAITLIST, Rsvp.waitlist_seq < row.waitlist_seq,
                    Member.deactivated.is_(False))) or 0
                positions[event_id] = ahead + 1
    result = []
    for e in events:
        organiser = organisers.get(e.organiser_id)
        s = series.get(e.series_id) if e.series_id is not None else None
        result.append(EventInfo(
            id=e.id, uid=e.uid, title=e.title, description=e.description, kind=e.kind, starts_at=e.starts_at,
            ends_at=e.ends_at, timezone=e.timezone, location=e.location, online_link=e.online_link,
            capacity=e.capacity, rsvp_deadline=e.rsvp_deadline, organiser_member_id=e.organiser_id,
            organiser_slack_id=organiser.slack_user_id if organiser else "",
            organiser_name=organiser.name if organiser else "", organiser_email=organiser.email if organiser else None,
            status=e.status, cancel_reason=e.cancel_reason, series_id=e.series_id, series_index=e.series_index,
            series_frequency=s.frequency if s else None, series_until=s.until if s else None, sequence=e.sequence,
            announce_channel=e.announce_channel, announce_ts=e.announce_ts, updated_at=e.updated_at,
            counts=counts.get(e.id, Counts()),
            viewer_status=mine[e.id].status if e.id in mine else None, viewer_position=positions.get(e.id)))
    return result
