"""Network events: create, edit and cancel them (and series of them); RSVPs with capacity and
a waitlist; attendance; calendar files. Rules and permissions live here (DESIGN decision 6).

Reminders are rows in the due ledger (DESIGN decision 3), scheduled here and posted by
digests/reminders.py: one row per member and reminder, keyed by the event's start, its
revision and the member's RSVP generation, so each goes out once, a moved event gets fresh
ones for its new time (the old ones are cancelled), and one that no longer applies (the
member dropped out, left the workspace, the event was cancelled) is skipped when due.

Changes that people must hear about (moved, cancelled, a waitlist promotion, the channel
announcement) are written in the same unit of work as the change: an `EventNotice` row (the
record) and a due row per person told, due at once, which digests/event_notices.py sends
once and the ledger retries; what each says is decided when it is sent (`notice_to_send`).

For other features: `upcoming_events(session, now, until)` lists what is coming (the
e-zine), `attendance_count(session, start, end, kinds)` counts who came (reports).

The modules: `constants.py` (kinds, answers, states, the form's fields and limits),
`info.py` (the snapshots and outcomes handed out), `rows.py` (reading rows into snapshots),
`validation.py` (the organiser's form, a series' dates), `manage.py` (create, edit, cancel,
remind now; who may), `rsvps.py` (answers and the waitlist), `listing.py` (what is coming),
`turnout.py` (attendees, their CSV, who came), `reminders.py` (the due rows),
`notices.py` (what people must be told) and `ics.py` (calendar files). Callers import
from `storage.events`, which names everything public below.
"""

from storage.events.constants import (
    ANNOUNCE, CANCELLED, CHOICES, CLOSED_CANCELLED, CLOSED_DEADLINE, CLOSED_ENDED, CLOSED_STARTED, DEFAULT_HORIZON,
    DESCRIPTION_LIMIT, F_ANNOUNCE, F_CAPACITY, F_DEADLINE, F_DESCRIPTION, F_ENDS, F_KIND, F_LINK, F_LOCATION,
    F_REPEAT, F_STARTS, F_TITLE, F_UNTIL, FREQUENCIES, FREQUENCY_LABELS, GOING, KINDS, LINK_LIMIT, LOCATION_LIMIT,
    MAX_CAPACITY, MAX_LENGTH, MAX_OCCURRENCES, MAYBE, MEETING_KINDS, MORNING, NOT_GOING, NOTICE, NOTICE_ANNOUNCE,
    NOTICE_CANCELLED, NOTICE_CHANGED, NOTICE_FRESHNESS, NOTICE_PROMOTED, REASON_LIMIT, REMINDER, SCHEDULED,
    TITLE_LIMIT, UTC, WAITLIST, InvalidEvent,
)
from storage.events.feeds import (
    FEED_PAST, PUBLIC_KINDS, Fingerprint, member_events, member_fingerprint, public_events, public_fingerprint,
    upcoming_public,
)
from storage.events.ics import calendar_feed, calendar_file
from storage.events.info import (
    AttendanceSummary, Attendee, Attendees, CancelOutcome, Counts, EditOutcome, EventForm, EventInfo, EventPage,
    Notice, Reminder, RsvpOutcome,
)
from storage.events.listing import could_join, events_page, next_for_member, recent_and_upcoming, upcoming_events
from storage.events.manage import can_manage, cancel_event, create_event, edit_event, remind_now, require_manage
from storage.events.notices import (announcement_to_send, created_by, notice_to_send, record_announcement,
                                    series_size)
from storage.events.reminders import Offset, ReminderRules, morning_post_to_send, reminder_to_send
from storage.events.rows import get_event, get_event_row
from storage.events.rsvps import rsvp
from storage.events.turnout import (
    CSV_COLUMNS, attendance, attendance_count, attendees, attendees_csv, record_attendance,
)
from storage.events.validation import occurrences

__all__ = [
    "ANNOUNCE", "CANCELLED", "CHOICES", "CLOSED_CANCELLED", "CLOSED_DEADLINE", "CLOSED_ENDED", "CLOSED_STARTED",
    "CSV_COLUMNS", "DEFAULT_HORIZON", "DESCRIPTION_LIMIT", "F_ANNOUNCE", "F_CAPACITY", "F_DEADLINE", "F_DESCRIPTION",
    "F_ENDS", "F_KIND", "F_LINK", "F_LOCATION", "F_REPEAT", "F_STARTS", "F_TITLE", "F_UNTIL", "FREQUENCIES",
    "FREQUENCY_LABELS", "GOING", "KINDS", "LINK_LIMIT", "LOCATION_LIMIT", "MAX_CAPACITY", "MAX_LENGTH",
    "MAX_OCCURRENCES", "MAYBE", "MEETING_KINDS", "MORNING", "NOT_GOING", "NOTICE", "NOTICE_ANNOUNCE",
    "NOTICE_CANCELLED", "NOTICE_CHANGED", "NOTICE_FRESHNESS", "NOTICE_PROMOTED", "REASON_LIMIT", "REMINDER",
    "SCHEDULED", "TITLE_LIMIT", "UTC", "WAITLIST", "AttendanceSummary", "Attendee", "Attendees", "CancelOutcome",
    "Counts", "EditOutcome", "EventForm", "EventInfo", "EventPage", "InvalidEvent", "Notice", "Offset", "Reminder",
    "ReminderRules", "RsvpOutcome", "announcement_to_send", "attendance", "attendance_count", "attendees",
    "attendees_csv", "calendar_feed", "calendar_file", "FEED_PAST", "Fingerprint", "PUBLIC_KINDS", "member_events",
    "member_fingerprint", "public_events", "public_fingerprint",
    "upcoming_public", "can_manage", "cancel_event", "could_join", "create_event", "created_by",
    "edit_event", "events_page", "get_event", "get_event_row", "morning_post_to_send", "next_for_member",
    "notice_to_send", "occurrences", "recent_and_upcoming", "record_announcement", "record_attendance", "remind_now",
    "reminder_to_send", "require_manage", "rsvp", "series_size", "upcoming_events",
]
