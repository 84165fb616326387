"""A survey's DMs: the invitations at its opening, two reminder rounds to those who have not answered,
the shuffle that keeps anonymous answers unjoinable, and its close (the next quarter's, for a pulse).

storage.surveys plans each of them in the ledger when the survey is set up; a round plans a DM per
person then, and sends them at once, each claimed first (so each goes once)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.due import DueKind, DueKinds, Skip
from core.views.surveys import invitation
from digests.runner import run_due
from storage import ledger, surveys
from storage.surveys import feedback

if TYPE_CHECKING:
    from core.services import Services

BATCH = 200


def register(kinds: DueKinds) -> None:
    kinds.add(DueKind(surveys.SURVEY_OPEN, deliver_open, grace=timedelta(days=3)))
    kinds.add(DueKind(surveys.SURVEY_INVITE, deliver_invite, grace=timedelta(days=3)))
    kinds.add(DueKind(surveys.SURVEY_REMINDERS, deliver_round, grace=timedelta(days=1)))
    kinds.add(DueKind(surveys.SURVEY_REMIND, deliver_reminder, grace=timedelta(days=1)))
    kinds.add(DueKind(surveys.SURVEY_SHUFFLE, deliver_shuffle, grace=timedelta(days=365)))
    kinds.add(DueKind(surveys.SURVEY_CLOSE, deliver_close, grace=timedelta(days=365)))
    kinds.add(DueKind(feedback.EVENT_FEEDBACK, deliver_event_feedback, grace=FEEDBACK_LOOKBACK))


# Events that ended this long ago still get their feedback DMs (a restart, an outage); older ones never.
FEEDBACK_LOOKBACK = timedelta(days=2)


def plan(runtime: Services, now: datetime) -> None:
    """Before each tick: a due row for the feedback on each event that has just ended (idempotent)."""
    with runtime.db.transaction() as session:
        feedback.plan_feedback(session, now=now, since=now - FEEDBACK_LOOKBACK)


def deliver_event_feedback(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    with runtime.db.transaction() as session:
        due = feedback.start_feedback(session, int(claim.payload.get("event", 0)), now=now,
                                      min_group=runtime.settings.report_min_group)
    if not due:
        raise Skip("cancelled, asked already, or fewer attendees than the threshold")
    send_now(runtime, due, now)
    return f"{len(due)} asked"


def _survey(claim: ledger.Claimed) -> int:
    return int(claim.payload.get("survey", 0))


def send_now(runtime: Services, due: Sequence[int], now: datetime) -> None:
    """The DMs a round planned, each claimed before it goes (one that fails is left for the tick)."""
    for start in range(0, len(due), BATCH):
        chunk = due[start:start + BATCH]
        run_due(runtime, now, only=chunk, limit=len(chunk))


def deliver_open(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    with runtime.db.transaction() as session:
        due = surveys.open_survey(session, _survey(claim), now=now, min_group=runtime.settings.report_min_group)
    if not due:
        raise Skip("sent already, closed, gone, or its audience is now below the threshold")
    send_now(runtime, due, now)
    return f"{len(due)} invited"


def _dm(runtime: Services, claim: ledger.Claimed, now: datetime, reminder: int) -> str | None:
    # The payload names the member twice: by address, to send to, and by id (storage.surveys plans both).
    user, member_id = str(claim.payload.get("member", "")), int(claim.payload.get("member_id", 0))
    with runtime.db.reading() as session:
        survey = surveys.to_remind(session, _survey(claim), member_id, now=now)
    if survey is None:
        raise Skip("answered already, closed, or no longer invited")
    posted = runtime.delivery.dm(user, invitation(survey, runtime.settings.tz, reminder=reminder))
    if reminder:
        with runtime.db.transaction() as session:
            surveys.reminded(session, survey.id, member_id, reminder)
    return posted.message_id


def deliver_invite(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    return _dm(runtime, claim, now, 0)


def deliver_round(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    round_ = int(claim.payload.get("round", 1))
    with runtime.db.transaction() as session:
        due = surveys.plan_reminders(session, _survey(claim), round_, now=now)
    send_now(runtime, due, now)
    return f"{len(due)} to remind"


def deliver_reminder(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    return _dm(runtime, claim, now, int(claim.payload.get("round", 1)))


def deliver_shuffle(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    with runtime.db.transaction() as session:
        count = surveys.shuffle(session, _survey(claim))
    return f"{count} answers rewritten"


def deliver_close(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    with runtime.db.transaction() as session:
        following = surveys.close(session, _survey(claim), now=now, min_group=runtime.settings.report_min_group)
    return f"next: survey {following}" if following else "closed"
