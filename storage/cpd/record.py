"""A member's own record: logging an entry (the form's rules), deleting one, listing them, the CSV export."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.cpd.rules import (
    ACTIVITY_LIMIT, CATEGORIES, DAYS, HOURS, MANUAL, MAX_DAYS_PER_ENTRY, NOTE_LIMIT, SOURCES, CpdRules,
    DevelopmentYear, development_year, number,
)
from storage.errors import DomainError, NotFound
from storage.forms import FieldErrors, InvalidFields, check_link, csv_safe
from storage.members import Actor
from storage.models import Member
from storage.models.careers import CpdEntry
from storage.words import plural


class InvalidEntry(InvalidFields):
    """Several fields can be wrong at once; `errors` maps each field to what is wrong."""


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
    topic: str | None = None


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
    topic: str | None


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
            return plural(days, "day", shown=number(days))
        hours = self.minutes / 60
        return plural(hours, "hour", shown=number(hours))


def entry_info(row: CpdEntry) -> EntryInfo:
    return EntryInfo(row.done_on, row.activity, row.category, row.minutes, row.unit, row.note, row.link, row.topic,
                     id=row.id, source=row.source)


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
        hours = number(MAX_DAYS_PER_ENTRY * rules.day_hours)
        raise DomainError(f"One entry is at most {MAX_DAYS_PER_ENTRY} days ({hours} hours); "
                          "log a longer programme as one entry per part.", field="amount")
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
    topic = (form.topic or "").strip() or None
    if topic is not None and topic not in dict(rules.topics):
        errors["topic"] = "Choose a topic from the list, or none."
    if errors:
        raise InvalidEntry(errors)
    assert done_on is not None and time is not None  # FieldErrors.check gives None only with an error noted
    minutes, unit = time
    return CleanEntry(done_on, activity, category, minutes, unit, note, link, topic)


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
            return entry_info(done)
    if source_ref and already_logged(session, actor.member_id, source, source_ref):
        raise DomainError("You have logged this in your CPD record already.", field="activity")
    row = CpdEntry(member_id=actor.member_id, done_on=clean.done_on, activity=clean.activity, category=clean.category,
                   minutes=clean.minutes, unit=clean.unit, note=clean.note, link=clean.link, topic=clean.topic,
                   source=source, source_ref=source_ref, submission_id=submission_id, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        done = _by_submission(session, actor.member_id, submission_id) if submission_id else None
        if done is not None:
            return entry_info(done)
        raise DomainError("You have logged this in your CPD record already.", field="activity") from None
    return entry_info(row)


def _by_submission(session: Session, member_id: int, submission_id: str | None) -> CpdEntry | None:
    return session.scalar(select(CpdEntry).where(CpdEntry.member_id == member_id,
                                                 CpdEntry.submission_id == submission_id))


def already_logged(session: Session, member_id: int, source: str, source_ref: str) -> bool:
    return session.execute(select(func.count()).select_from(CpdEntry).where(
        CpdEntry.member_id == member_id, CpdEntry.source == source, CpdEntry.source_ref == source_ref)).scalar_one() > 0


def delete_entry(session: Session, actor: Actor, entry_id: int) -> EntryInfo:
    """Remove one of the actor's own entries (nobody else's: not even an organiser's)."""
    row = session.get(CpdEntry, entry_id)
    if row is None or row.member_id != actor.member_id:
        raise NotFound("That entry is not in your CPD record (deleted already?).")
    gone = entry_info(row)
    session.delete(row)
    session.flush()
    return gone


def entries(session: Session, actor: Actor, *, rules: CpdRules, today: date,
            whole_record: bool = False) -> tuple[DevelopmentYear | None, list[EntryInfo]]:
    """The actor's entries, oldest first: this development year's, or the whole record."""
    query = select(CpdEntry).where(CpdEntry.member_id == actor.member_id)
    year = None if whole_record else development_year(today, rules.year_start_month)
    if year is not None:
        query = query.where(CpdEntry.done_on >= year.start, CpdEntry.done_on < year.end)
    rows = session.scalars(query.order_by(CpdEntry.done_on, CpdEntry.id)).all()
    return year, [entry_info(r) for r in rows]


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
