"""What the events services hand to the surfaces: snapshots detached from the session,
the organiser's form as given, and the outcomes of changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from storage.identities import MessageRef
from storage.events.constants import CANCELLED, CLOSED_CANCELLED, CLOSED_DEADLINE, CLOSED_ENDED, CLOSED_STARTED, KINDS
from storage.models.events import Event


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
    organiser_user: str
    organiser_name: str
    organiser_email: str | None
    status: str
    cancel_reason: str | None
    series_id: int | None
    series_index: int
    series_frequency: str | None
    series_until: date | None
    sequence: int
    # The post in the network channel, updated in place as counts change.
    announce: MessageRef | None
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
        return closed_reason(self, now)


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
    # The user ids of the members moved from the waitlist to going by this change.
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
    user_id: str
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
    """A DM a change owes one member, as it is true when it is sent."""

    kind: str
    # The event as it stands now, seen by the member.
    event: EventInfo
    member: str
    member_timezone: str | None
    # A move: what differs from what the member last heard ("time", "place"), and the event as they heard it.
    what: tuple[str, ...] = ()
    was: EventInfo | None = None
    # A cancellation: the organiser's reason.
    reason: str | None = None


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


def closed_reason(event: Event | EventInfo, now: datetime) -> str | None:
    """Why nobody can RSVP to an event (its row or a snapshot) now (CLOSED_*), or None while RSVPs are open."""
    if event.status == CANCELLED:
        return CLOSED_CANCELLED
    if now >= event.ends_at:
        return CLOSED_ENDED
    if now >= event.starts_at:
        return CLOSED_STARTED
    if event.rsvp_deadline is not None and now >= event.rsvp_deadline:
        return CLOSED_DEADLINE
    return None
