"""The CPD record: each member's entries, this development year's total against the target
(10 days a year pro rata to FTE), the export for an appraisal, and organisers' aggregates.

The development year starts on the 1st of a configured month (August by default); a day
of CPD is a configured number of hours (7.5 by default). Organisers see aggregates only,
never a member's entries.

Other features add to the record through `CpdDraft`: an event a member attended, a
mentoring pairing that ended. The draft prefills the log form; `source` and `source_ref`
make each such entry one per member.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import statistics
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import events, ledger
from storage.errors import DomainError, NotFound
from storage.forms import FieldErrors, InvalidFields, check_link, csv_safe
from storage.members import Actor, Role
from storage.models import DueItem, Member
from storage.models.careers import CpdEntry
from storage.models.events import Event, Rsvp

TARGET_DAYS = 10
# One entry is at most this many days: a longer programme is logged part by part.
MAX_DAYS_PER_ENTRY = 10
ACTIVITY_LIMIT = 200
NOTE_LIMIT = 2000
CATEGORIES = {
    "course": "Training course",
    "workshop": "Workshop or seminar",
    "conference": "Conference",
    "network_event": "Network event",
    "peer_learning": "Peer-to-peer learning",
    "mentoring": "Mentoring or coaching",
    "secondment": "Secondment or shadowing",
    "registration": "Professional registration",
    "self_study": "Self-directed study",
    "other": "Other",
}
HOURS, DAYS = "hours", "days"
MANUAL, EVENT, MENTORING, OPPORTUNITY = "manual", "event", "mentoring", "opportunity"
SOURCES = (MANUAL, EVENT, MENTORING, OPPORTUNITY)


@dataclass(frozen=True)
class CpdRules:
    """The settings the figures depend on (TECHNET_CPD_YEAR_START_MONTH, TECHNET_CPD_DAY_HOURS)."""

    year_start_month: int = 8
    day_hours: float = 7.5
    target_days: float = TARGET_DAYS

    @property
    def minutes_per_day(self) -> float:
        return self.day_hours * 60

    def days(self, minutes: float) -> float:
        return minutes / self.minutes_per_day


class InvalidEntry(InvalidFields):
    """Several fields can be wrong at once; `errors` maps each field to what is wrong."""


# The development year ----------------------------------------------------------------

@dataclass(frozen=True)
class DevelopmentYear:
    start: date
    # The first day of the next year (exclusive).
    end: date

    @property
    def label(self) -> str:
        return f"{self.start.year}–{str(self.end.year)[-2:]}" if self.start.month != 1 else str(self.start.year)

    @property
    def length_days(self) -> int:
        return (self.end - self.start).days

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def elapsed(self, today: date) -> float:
        """The share of the year gone by the end of `today` (1/365 on its first day, 1 on its last)."""
        if today < self.start:
            return 0.0
        return min(((today - self.start).days + 1) / self.length_days, 1.0)


def development_year(day: date, start_month: int = 8) -> DevelopmentYear:
    """The development year `day` falls in: with August, 31 July 2025 is in 2024–25 and 1 August in 2025–26."""
    if not 1 <= start_month <= 12:
        raise ValueError("start_month is 1-12")
    year = day.year if day.month >= start_month else day.year - 1
    start = date(year, start_month, 1)
    return DevelopmentYear(start, date(year + 1, start_month, 1))


def check_fte(fte: float | None) -> float:
    """A full-time equivalent in (0, 1], or a DomainError saying what an FTE is."""
    if fte is None or isinstance(fte, bool) or not isinstance(fte, int | float) or not math.isfinite(fte) \
            or not 0 < fte <= 1:
        raise DomainError(f"An FTE is more than 0 and at most 1 (1 is full time, 0.6 is three days a week); "
                          f"{fte!r} is not. Correct it with `/tech profile`.", field="fte")
    return float(fte)


def target_days(fte: float | None, rules: CpdRules = CpdRules()) -> float:
    """The year's target, pro rata: 10 days at FTE 1, 6 days at FTE 0.6."""
    return rules.target_days * check_fte(fte)


# Entries ------------------------------------------------------------------------------

@dataclass(frozen=True)
class EntryForm:
    """What the log form gives, as typed."""

    done_on: date | str | None = None
    activity: str | None = None
    category: str | None = None
    amount: str | float | None = None
    unit: str | None = HOURS
    note: str | None = None
    link: str | None = None


@dataclass(frozen=True)
class CleanEntry:
    """An entry's fields, checked against the rules."""

    done_on: date
    activity: str
    category: str
    minutes: int
    unit: str
    note: str | None
    link: str | None


@dataclass(frozen=True)
class EntryInfo(CleanEntry):
    """An entry in a member's record: its checked fields, its id and what it was recorded from."""

    id: int
    source: str

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    def days(self, rules: CpdRules) -> float:
        return rules.days(self.minutes)

    def amount_text(self, rules: CpdRules) -> str:
        if self.unit == DAYS:
            days = self.days(rules)
            return f"{number(days)} day{'' if days == 1 else 's'}"
        hours = self.minutes / 60
        return f"{number(hours)} hour{'' if hours == 1 else 's'}"


def number(value: float) -> str:
    """1 -> '1', 1.5 -> '1.5', 0.3333 -> '0.33'."""
    return f"{round(value, 2):g}"


def _entry_info(row: CpdEntry) -> EntryInfo:
    return EntryInfo(row.done_on, row.activity, row.category, row.minutes, row.unit, row.note, row.link, id=row.id,
                     source=row.source)


def parse_amount(amount: str | float | None, unit: str | None, rules: CpdRules) -> tuple[int, str]:
    """Time as whole minutes: more than nothing, at most MAX_DAYS_PER_ENTRY days."""
    unit = (unit or HOURS).strip().lower()
    if unit not in (HOURS, DAYS):
        raise DomainError("Choose hours or days.", field="unit")
    text = str(amount if amount is not None else "").strip().replace(",", ".")
    if not text:
        raise DomainError("Give the time you spent, in hours or days.", field="amount")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise DomainError(f"“{text[:20]}” is not a number: give the time as e.g. 1.5.", field="amount") from None
    if not value.is_finite():
        raise DomainError("Give the time as a number, e.g. 1.5.", field="amount")
    if value < 0:
        raise DomainError("Time can't be negative: give the hours or days you spent.", field="amount")
    minutes = round(float(value) * (60 if unit == HOURS else rules.minutes_per_day))
    if minutes < 1:
        raise DomainError("Give the time you spent: more than nothing.", field="amount")
    if minutes > MAX_DAYS_PER_ENTRY * rules.minutes_per_day:
        raise DomainError(f"One entry is at most {MAX_DAYS_PER_ENTRY} days ({number(MAX_DAYS_PER_ENTRY * rules.day_hours)}"
                          " hours); log a longer programme as one entry per part.", field="amount")
    return minutes, unit


def parse_day(value: date | str | None) -> date:
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    if not text:
        raise DomainError("Choose the date you did it.", field="done_on")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"“{text[:20]}” is not a date (YYYY-MM-DD).", field="done_on") from None


def check_entry(form: EntryForm, *, rules: CpdRules, today: date) -> CleanEntry:
    """Every field checked against the rules; raises InvalidEntry naming each field that is wrong."""
    errors = FieldErrors()
    done_on = errors.check("done_on", lambda: parse_day(form.done_on))
    if done_on is not None and done_on > today:
        errors["done_on"] = "That date is in the future: log CPD once you have done it."
    elif done_on is not None and done_on.year < 2000:
        errors["done_on"] = "That date is too long ago to be in this record."
    activity = " ".join((form.activity or "").split())
    if not activity:
        errors["activity"] = "Say what you did, e.g. “HPLC troubleshooting course”."
    elif len(activity) > ACTIVITY_LIMIT:
        errors["activity"] = f"Keep the activity under {ACTIVITY_LIMIT} characters; add detail in the note."
    category = (form.category or "").strip()
    if category not in CATEGORIES:
        errors["category"] = "Choose a category from the list."
    time = errors.check("amount", lambda: parse_amount(form.amount, form.unit, rules))
    note = (form.note or "").strip() or None
    if note and len(note) > NOTE_LIMIT:
        errors["note"] = f"Keep the note to {NOTE_LIMIT} characters; it has {len(note)}."
    link = errors.check("link", lambda: check_link(form.link))
    if errors:
        raise InvalidEntry(errors)
    minutes, unit = time
    return CleanEntry(done_on, activity, category, minutes, unit, note, link)


def log_entry(session: Session, actor: Actor, form: EntryForm, *, rules: CpdRules, today: date, now: datetime,
              submission_id: str | None = None, source: str = MANUAL, source_ref: str | None = None) -> EntryInfo:
    """Add an entry to the actor's own record.

    The same form submitted twice (`submission_id`, e.g. the modal's view id) saves one
    entry; an entry prompted by something (`source`, `source_ref`) is logged once.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown CPD source {source!r}")
    clean = check_entry(form, rules=rules, today=today)
    if submission_id:
        done = _by_submission(session, actor.member_id, submission_id)
        if done is not None:
            return _entry_info(done)
    if source_ref and already_logged(session, actor.member_id, source, source_ref):
        raise DomainError("You have logged this in your CPD record already.", field="activity")
    row = CpdEntry(member_id=actor.member_id, done_on=clean.done_on, activity=clean.activity, category=clean.category,
                   minutes=clean.minutes, unit=clean.unit, note=clean.note, link=clean.link, source=source,
                   source_ref=source_ref, submission_id=submission_id, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        done = _by_submission(session, actor.member_id, submission_id) if submission_id else None
        if done is not None:
            return _entry_info(done)
        raise DomainError("You have logged this in your CPD record already.", field="activity") from None
    return _entry_info(row)


def _by_submission(session: Session, member_id: int, submission_id: str | None) -> CpdEntry | None:
    return session.scalar(select(CpdEntry).where(CpdEntry.member_id == member_id,
                                                 CpdEntry.submission_id == submission_id))


def already_logged(session: Session, member_id: int, source: str, source_ref: str) -> bool:
    return session.scalar(select(func.count()).select_from(CpdEntry).where(
        CpdEntry.member_id == member_id, CpdEntry.source == source, CpdEntry.source_ref == source_ref)) > 0


def delete_entry(session: Session, actor: Actor, entry_id: int) -> EntryInfo:
    """Remove one of the actor's own entries (nobody else's: not even an organiser's)."""
    row = session.get(CpdEntry, entry_id)
    if row is None or row.member_id != actor.member_id:
        raise NotFound("That entry is not in your CPD record (deleted already?).")
    gone = _entry_info(row)
    session.delete(row)
    session.flush()
    return gone


# Progress ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    year: DevelopmentYear
    fte: float
    target_days: float
    logged_days: float
    # What the target asks for by the end of today, pro rata to the year gone.
    expected_days: float
    entries: list[EntryInfo]
    entry_count: int

    @property
    def percent(self) -> int:
        return min(round(100 * self.logged_days / self.target_days), 999) if self.target_days else 0

    @property
    def on_track(self) -> bool:
        return self.logged_days + 1e-9 >= self.expected_days

    @property
    def remaining_days(self) -> float:
        return max(self.target_days - self.logged_days, 0.0)


def progress(session: Session, member_id: int, *, rules: CpdRules, today: date, limit: int = 30) -> Progress:
    """This development year's total and entries (latest first, at most `limit`) for one member."""
    member = session.get_one(Member, member_id)
    fte = check_fte(member.fte)
    year = development_year(today, rules.year_start_month)
    in_year = (CpdEntry.member_id == member_id, CpdEntry.done_on >= year.start, CpdEntry.done_on < year.end)
    minutes, count = session.execute(select(func.coalesce(func.sum(CpdEntry.minutes), 0), func.count())
                                     .where(*in_year)).one()
    rows = session.scalars(select(CpdEntry).where(*in_year)
                           .order_by(CpdEntry.done_on.desc(), CpdEntry.id.desc()).limit(limit)).all()
    target = target_days(fte, rules)
    return Progress(year, fte, target, rules.days(int(minutes)), target * year.elapsed(today),
                    [_entry_info(r) for r in rows], int(count))


def entries(session: Session, actor: Actor, *, rules: CpdRules, today: date,
            whole_record: bool = False) -> tuple[DevelopmentYear | None, list[EntryInfo]]:
    """The actor's entries, oldest first: this development year's, or the whole record."""
    query = select(CpdEntry).where(CpdEntry.member_id == actor.member_id)
    year = None if whole_record else development_year(today, rules.year_start_month)
    if year is not None:
        query = query.where(CpdEntry.done_on >= year.start, CpdEntry.done_on < year.end)
    rows = session.scalars(query.order_by(CpdEntry.done_on, CpdEntry.id)).all()
    return year, [_entry_info(r) for r in rows]


EXPORT_COLUMNS = ("Date", "Activity", "Category", "Hours", "Days", "Note", "Link", "Recorded from")


def export_csv(session: Session, actor: Actor, *, rules: CpdRules, today: date,
               whole_record: bool = False) -> tuple[str, bytes, int]:
    """The actor's record as CSV for an appraisal (PDR): filename, UTF-8 bytes, number of entries.

    Every cell is formula-safe: one starting like a formula is shown as text, never run.
    """
    year, rows = entries(session, actor, rules=rules, today=today, whole_record=whole_record)
    member = session.get_one(Member, actor.member_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for e in rows:
        writer.writerow([csv_safe(v) for v in (
            e.done_on.isoformat(), e.activity, e.category_label, number(e.minutes / 60), number(e.days(rules)),
            e.note or "", e.link or "", e.source)])
    slug = re.sub(r"[^a-z0-9]+", "-", member.name.casefold()).strip("-") or "member"
    period = year.label.replace("–", "-") if year else "all"
    # A BOM, so spreadsheets open the UTF-8 as UTF-8.
    return f"cpd-{period}-{slug}.csv", buffer.getvalue().encode("utf-8-sig"), len(rows)


# Organisers' aggregates ------------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    year: DevelopmentYear
    members: int
    logged: int
    median_days: float | None
    on_track: int
    # Members whose FTE is not a valid share of full time: left out of `on_track` and its share.
    fte_to_check: int

    @property
    def on_track_share(self) -> float | None:
        counted = self.members - self.fte_to_check
        return self.on_track / counted if counted else None


def summary(session: Session, actor: Actor, *, rules: CpdRules, today: date) -> Summary:
    """How many members logged anything this development year, their median days, and the share on track.

    Organisers only, and only aggregates: no member's entries or total is ever returned.
    """
    actor.require(Role.ORGANISER, "see the network's CPD figures")
    year = development_year(today, rules.year_start_month)
    people = session.execute(select(Member.id, Member.fte).where(
        Member.is_bot.is_(False), Member.deactivated.is_(False))).all()
    totals = dict(session.execute(
        select(CpdEntry.member_id, func.sum(CpdEntry.minutes))
        .where(CpdEntry.done_on >= year.start, CpdEntry.done_on < year.end)
        .group_by(CpdEntry.member_id)).all())
    logged_days = [rules.days(int(totals[m])) for m, _ in people if totals.get(m)]
    on_track, fte_to_check = 0, 0
    elapsed = year.elapsed(today)
    for member_id, fte in people:
        try:
            expected = target_days(fte, rules) * elapsed
        except DomainError:
            fte_to_check += 1
            continue
        if rules.days(int(totals.get(member_id) or 0)) + 1e-9 >= expected:
            on_track += 1
    return Summary(year, len(people), len(logged_days), statistics.median(logged_days) if logged_days else None,
                   on_track, fte_to_check)


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
        if not text:
            return None
        try:
            data = json.loads(text)
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
    member_slack_id: str

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


def _attended_events(now: datetime) -> Select[tuple[Event, str]]:
    """Events over by `now` (not cancelled, of the kinds offered) with each member who came.

    Who came: where the organiser recorded attendance, those marked; elsewhere, those going
    (the rule storage.events.attendance counts by).
    """
    return (select(Event, Member.slack_user_id)
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
    for event, slack_user_id in found:
        key = (f"event:{event.id}", f"member:{slack_user_id}")
        if key in known:
            continue
        ledger.schedule(session, kind=EVENT_PROMPT, subject=key[0], occurrence=key[1], due_at=event.ends_at,
                        payload={"event": event.id, "member": slack_user_id})
        added += 1
    return added


def event_prompt_to_send(session: Session, event_id: int, member_slack_id: str, *,
                         now: datetime) -> tuple[EventPrompt | None, str]:
    """The prompt due now, or (None, why it no longer applies): not attended after all, cancelled, logged."""
    found = session.execute(_attended_events(now).where(
        Event.id == event_id, Member.slack_user_id == member_slack_id)).first()
    if found is None:
        return None, "the event was cancelled or moved, or the member did not go after all"
    event = found[0]
    member = session.scalar(select(Member).where(Member.slack_user_id == member_slack_id))
    assert member is not None
    prompt = EventPrompt(event.id, event.title, event.kind, event.starts_at, event.ends_at, event.timezone,
                         member_slack_id)
    if already_logged(session, member.id, EVENT, prompt.source_ref):
        return None, "already in the member's CPD record"
    return prompt, ""
