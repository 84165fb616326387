"""`/tech events` and `/tech event`: network events, RSVPs, the organisers' forms and attendance.

`/tech events [all|mine]` lists what is coming with Going / Maybe / Can't go; `/tech event
new` opens the organisers' form (a series too); `/tech event attendees [n]` shows who is
coming, with a CSV. A click updates the message it sits in and confirms ephemerally; the
DMs a change owes (moved, cancelled, promoted from the waitlist) and the channel
announcement are due rows in the ledger, written with the change and sent by
digests/event_notices.py right after the ack; one that fails is retried by the scheduler's
tick. Reminders are due rows posted by digests/reminders.py.

The package: `listeners.py` registers the handlers on the route table (`register`),
`replies.py` builds the answers, `sending.py` the refreshes of the message clicked and of the
channel announcement (effects the surface carries out after its ack, with the due rows), and
`views.py` and `organiser_views.py` build the neutral replies (core.ui) on the event card that
core/views/events.py shares with the digests' posts and DMs.
"""

from handlers.events.listeners import register

__all__ = ["register"]
