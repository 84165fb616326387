"""What events are made of: kinds, frequencies, answers and states, the ledger and notice
kinds, the form's fields and their limits, and the error that names a form's problems."""

from __future__ import annotations

from datetime import timedelta, UTC

from storage.errors import DomainError


UTC = UTC

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

# Due ledger kinds: digests/reminders.py delivers the reminders, digests/event_notices.py the notices.
REMINDER = "events.reminder"
MORNING = "events.morning"
NOTICE = "events.notice"  # a DM a change owes one member: moved, cancelled, promoted
ANNOUNCE = "events.announce"  # the channel post of a new event
# Notice kinds.
NOTICE_ANNOUNCE, NOTICE_CHANGED, NOTICE_CANCELLED, NOTICE_PROMOTED = "announce", "changed", "cancelled", "promoted"
# A notice the ledger could not send within this long (an outage) is dropped rather than sent stale.
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
