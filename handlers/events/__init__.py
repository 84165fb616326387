"""`/tech events` and `/tech event`: network events, RSVPs, the organisers' forms and attendance.

`/tech events [all|mine]` lists what is coming with Going / Maybe / Can't go; `/tech event
new` opens the organisers' form (a series too); `/tech event attendees [n]` shows who is
coming, with a CSV. A click updates the message it sits in and confirms ephemerally; the
DMs a change owes (moved, cancelled, promoted from the waitlist) and the channel
announcement are notices in storage, each claimed once and sent after the ack.
Reminders are due rows posted by digests/reminders.py.

The package: `listeners.py` registers everything (`register`), `replies.py` answers within
the ack, `sending.py` refreshes messages and sends notices after it, and `views.py` and
`organiser_views.py` build the Block Kit.
"""

from handlers.events.listeners import register

__all__ = ["register"]
