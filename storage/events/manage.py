"""Organisers create, edit and cancel events (every occurrence of a series at once when
creating), and send reminders now; who may change an event is decided here."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import ledger
from storage.errors import DomainError, PermissionDenied
from storage.events.constants import (CANCELLED, GOING, MAYBE, MORNING, REASON_LIMIT, REMINDER, SCHEDULED, UTC,
                                      WAITLIST, InvalidEvent)
from storage.events.info import CancelOutcome, EditOutcome, EventForm, EventInfo
from storage.events.notices import _announce, _cancelled, _changed
from storage.events.reminders import (ReminderRules, _cancel_reminders, _reminder_payload, _reschedule_all,
                                      _schedule_morning, _subject)
from storage.events.rows import (_answered, _by_source, _going_count, _info, _infos, _locked,
                                 _rsvps_with_members, get_event_row)
from storage.events.rsvps import _fill_from_waitlist
from storage.events.validation import _validate, occurrences
from storage.members import Actor, Role
from storage.models import Member
from storage.models.events import Event, EventSeries


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
        Event(uid=f"{uuid.uuid4().hex}@technet", series_id=series.id if series else None, series_index=index,
              source_key=source_key, title=clean.title, description=clean.description, kind=clean.kind, starts_at=start,
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
        _announce(session, created[0], by=actor.member_id, source_key=source_key, now=now)
    session.flush()
    return _infos(session, created)


def edit_event(session: Session, actor: Actor, event_id: int, form: EventForm, *, now: datetime,
               rules: ReminderRules, source_key: str | None = None) -> EditOutcome:
    """Change one event (one occurrence of a series). Moving it or changing its place tells
    everyone going or waitlisted (a notice each, due now in the ledger); raising the capacity
    promotes from the waitlist."""
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
        recipients = _answered(session, event.id, (GOING, WAITLIST))
        told = len(recipients)
        if recipients:
            _changed(session, event, recipients, what=[c for c in changed if c in ("time", "place")], before=before,
                     by=actor.member_id, source_key=source_key, now=now)
    session.flush()
    return EditOutcome(_info(session, event), tuple(changed), told, tuple(promoted))


def cancel_event(session: Session, actor: Actor, event_id: int, *, reason: str | None, now: datetime,
                 source_key: str | None = None) -> CancelOutcome:
    """Cancel one event (one occurrence). RSVPs are kept as history; everyone who said going,
    maybe or is waitlisted is told (a notice each, due now in the ledger); its reminders are
    cancelled."""
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
    _cancel_reminders(session, event.id)
    recipients = _answered(session, event.id, (GOING, MAYBE, WAITLIST))
    if recipients:
        _cancelled(session, event, recipients, reason=reason or None, by=actor.member_id, source_key=source_key,
                   now=now)
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
        occurrence = f"now@{now.astimezone(UTC):%Y%m%dT%H%M}:{member.user_id}.{rsvp.generation}"
        if ledger.find(session, REMINDER, _subject(event.id), occurrence) is None:
            ledger.schedule(session, kind=REMINDER, subject=_subject(event.id), occurrence=occurrence, due_at=now,
                            payload=_reminder_payload(event, member.user_id, rsvp.generation, "now"))
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
