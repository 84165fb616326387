"""Prompts from other features: a prefilled entry (`CpdDraft`), and "Did you attend? Log it as CPD"."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from storage import events, ledger
from storage.cpd.record import already_logged
from storage.cpd.rules import ACTIVITY_LIMIT, DAYS, EVENT, HOURS, MANUAL, MAX_DAYS_PER_ENTRY, SOURCES, CpdRules
from storage.members import find_addressed
from storage.models import DueItem, Member
from storage.models.events import Event, Rsvp


# Prompts from other features ---------------------------------------------------------------

@dataclass(frozen=True)
class CpdDraft:
    """A prefilled CPD entry another feature offers ("Did you attend? Log it as CPD").

    `source` and `source_ref` (e.g. "event", "event:42") make the entry one per member:
    logging it a second time is refused. Fits in a Slack button value or private_metadata.
    """

    activity: str
    category: str
    done_on: date | None = None
    amount: float | None = None
    unit: str = HOURS
    note: str | None = None
    link: str | None = None
    source: str = MANUAL
    source_ref: str | None = None

    def to_json(self) -> str:
        data = asdict(self)
        data["done_on"] = self.done_on.isoformat() if self.done_on else None
        data["activity"] = self.activity[:ACTIVITY_LIMIT]
        data["note"] = (self.note or "")[:500] or None
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> CpdDraft | None:
        """The draft to_json wrote; None for anything else (it travels through Slack and comes back)."""
        if not text:
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not _draft_shaped(data):
                return None
            data["done_on"] = date.fromisoformat(data["done_on"]) if data.get("done_on") else None
            draft = cls(**data)
        except (ValueError, TypeError, KeyError):
            return None
        return draft if draft.source in SOURCES else None

    @classmethod
    def for_time(cls, activity: str, category: str, *, done_on: date, minutes: int, rules: CpdRules,
                 source: str, source_ref: str, note: str | None = None, link: str | None = None) -> CpdDraft:
        """A draft whose time is given in minutes: in days when it is a whole number of half days, else hours."""
        days = rules.days(minutes)
        if minutes >= rules.minutes_per_day / 2 and abs(days * 2 - round(days * 2)) < 1e-9:
            return cls(activity, category, done_on, round(days, 2), DAYS, note, link, source, source_ref)
        return cls(activity, category, done_on, round(minutes / 60, 2), HOURS, note, link, source, source_ref)


# "Did you attend? Log it as CPD" after an event ------------------------------------------------
# (the events feature's tables, read here; digests/careers.py schedules and posts the prompts)

EVENT_PROMPT = "cpd_event_prompt"
# Routine team meetings are not development; every other kind of network event is offered.
PROMPTED_EVENT_KINDS = ("network_meeting", "conference", "workshop", "showcase", "outreach", "other")
EVENT_CATEGORIES = {"network_meeting": "network_event", "conference": "conference", "workshop": "workshop"}


@dataclass(frozen=True)
class EventPrompt:
    event_id: int
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    member_user_id: str

    @property
    def source_ref(self) -> str:
        return f"event:{self.event_id}"

    def local_day(self) -> date:
        return self.starts_at.astimezone(ZoneInfo(self.timezone)).date()

    def draft(self, rules: CpdRules) -> CpdDraft:
        """The log form prefilled: the event's title, its day, its length (whole days for a multi-day one)."""
        zone = ZoneInfo(self.timezone)
        days = (self.ends_at.astimezone(zone).date() - self.starts_at.astimezone(zone).date()).days + 1
        minutes = round((self.ends_at - self.starts_at).total_seconds() / 60)
        if days > 1:
            minutes = round(min(days, MAX_DAYS_PER_ENTRY) * rules.minutes_per_day)
        minutes = max(1, min(minutes, round(MAX_DAYS_PER_ENTRY * rules.minutes_per_day)))
        return CpdDraft.for_time(self.title[:ACTIVITY_LIMIT], EVENT_CATEGORIES.get(self.kind, "network_event"),
                                 done_on=self.local_day(), minutes=minutes, rules=rules, source=EVENT,
                                 source_ref=self.source_ref)


def _attended_events(now: datetime) -> Select[Event, Member]:
    """Events over by `now` (not cancelled, of the kinds offered) with each member who came.

    Who came: where the organiser recorded attendance, those marked; elsewhere, those going
    (the rule storage.events.attendance counts by).
    """
    return (select(Event, Member)
            .join(Rsvp, Rsvp.event_id == Event.id).join(Member, Member.id == Rsvp.member_id)
            .where(Event.ends_at <= now, Event.status == events.SCHEDULED,
                   Event.kind.in_(PROMPTED_EVENT_KINDS), Member.deactivated.is_(False), Member.is_bot.is_(False),
                   or_(and_(Event.attendance_recorded_at.is_(None), Rsvp.status == events.GOING),
                       and_(Event.attendance_recorded_at.is_not(None), Rsvp.attended.is_(True)))))


def schedule_event_prompts(session: Session, *, now: datetime, since: datetime) -> int:
    """A due prompt for each member who went to an event that ended in (since, now]; once per
    member and event, ever (the ledger's key). Returns how many were added."""
    found = session.execute(_attended_events(now).where(Event.ends_at > since)).all()
    if not found:
        return 0
    subjects = {f"event:{event.id}" for event, _ in found}
    known = set(session.execute(select(DueItem.subject, DueItem.occurrence).where(
        DueItem.kind == EVENT_PROMPT, DueItem.subject.in_(subjects))).all())
    added = 0
    for event, member in found:
        # The key names the member by their address, as it did before identities (rows already sent keep their key).
        key = (f"event:{event.id}", f"member:{member.user_id}")
        if key in known:
            continue
        ledger.schedule(session, kind=EVENT_PROMPT, subject=key[0], occurrence=key[1], due_at=event.ends_at,
                        payload={"event": event.id, "member": member.user_id})
        added += 1
    return added


def event_prompt_to_send(session: Session, event_id: int, member_user_id: str, *,
                         now: datetime) -> tuple[EventPrompt | None, str]:
    """The prompt due now, or (None, why it no longer applies): not attended after all, cancelled, logged."""
    addressed = find_addressed(session, member_user_id)
    found = None if addressed is None else session.execute(_attended_events(now).where(
        Event.id == event_id, Member.id == addressed.id)).first()
    if found is None:
        return None, "the event was cancelled or moved, or the member did not go after all"
    event, member = found
    prompt = EventPrompt(event.id, event.title, event.kind, event.starts_at, event.ends_at, event.timezone,
                         member_user_id)
    if already_logged(session, member.id, EVENT, prompt.source_ref):
        return None, "already in the member's CPD record"
    return prompt, ""


def _draft_shaped(data: dict[str, Any]) -> bool:
    """Whether JSON has a CpdDraft's fields with their types (text, or null where a field may be empty)."""
    text = ("activity", "category", "unit", "source")
    optional = ("done_on", "note", "link", "source_ref")
    amount = data.get("amount")
    return (all(isinstance(data.get(k, ""), str) for k in text)
            and all(data.get(k) is None or isinstance(data[k], str) for k in optional)
            and (amount is None or isinstance(amount, int | float) and not isinstance(amount, bool)))
