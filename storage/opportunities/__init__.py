"""Development opportunities: the catalogue, search, deadline reminders, tag follows, CSV import.

Organisers add and edit opportunities (in a modal, or many at once from CSV at the
command line); members list and search the current ones, ask for a reminder two days
before a deadline, and follow tags to hear of new ones. Reminders and follow notices
are due rows in the ledger (storage/ledger.py), so each DM goes out once.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import ledger
from storage.errors import DomainError, NotFound
from storage.forms import FieldErrors, InvalidFields, check_link, csv_safe, looks_like_formula
from storage.members import Actor, Role
from storage.models import DueItem, Member
from storage.models.careers import Opportunity, OpportunityFollow, OpportunityReminder

KINDS = {
    "course": "Course",
    "workshop": "Workshop",
    "peer_session": "Peer-to-peer session",
    "secondment": "Secondment",
    "shadowing": "Shadowing",
    "conference": "Conference",
    "funding_call": "Funding call",
    "coaching": "Coaching",
}
# Other ways people write a kind in a spreadsheet.
KIND_ALIASES = {
    "peer to peer": "peer_session", "peer-to-peer": "peer_session", "peer session": "peer_session",
    "peer learning": "peer_session", "funding": "funding_call", "funding call": "funding_call",
    "job shadowing": "shadowing", "training": "course", "training course": "course",
}
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 3000
PROVIDER_LIMIT = 200
COST_LIMIT = 100
TAG_LIMIT = 60
MAX_TAGS = 10
IMPORT_ROW_LIMIT = 2000

# Kinds of due row (digests/careers.py delivers them).
DEADLINE_REMINDER = "dev_deadline"
FOLLOWED_TAG = "dev_followed"
REMIND_DAYS_BEFORE = 2
# Reminders go out at this local time, two days before the deadline.
REMIND_AT = time(9, 0)

FORM_FIELDS = ("title", "kind", "description", "provider", "link", "cost", "starts_on", "ends_on", "deadline", "tags")
CSV_COLUMNS = ("title", "kind", "description", "provider", "link", "cost", "starts", "ends", "deadline", "tags")
CSV_ALIASES = {
    "start": "starts", "starts_on": "starts", "start_date": "starts", "end": "ends", "ends_on": "ends",
    "end_date": "ends", "application_deadline": "deadline", "closing_date": "deadline", "type": "kind",
}


class InvalidOpportunity(InvalidFields):
    """Several fields can be wrong at once; `errors` maps each field to what is wrong."""


class ImportRefused(DomainError):
    """A CSV file had problems; nothing was imported. Each problem names its line."""

    def __init__(self, problems: list[str]):
        super().__init__(f"nothing imported: {len(problems)} problem(s) in the file")
        self.problems = problems


# Values ------------------------------------------------------------------------------

@dataclass(frozen=True)
class OpportunityForm:
    """What the modal or a CSV row gives, as typed (dates may be text or dates)."""

    title: str | None = None
    kind: str | None = None
    description: str | None = None
    provider: str | None = None
    link: str | None = None
    cost: str | None = None
    starts_on: date | str | None = None
    ends_on: date | str | None = None
    deadline: date | str | None = None
    tags: str | Sequence[str] = ()


@dataclass(frozen=True)
class Details:
    """What makes an opportunity, checked: what the form or a CSV row gives once `check_form` passes it."""

    title: str
    kind: str
    description: str
    provider: str | None
    link: str | None
    cost: str | None
    starts_on: date | None
    ends_on: date | None
    deadline: date | None
    tags: tuple[str, ...]

    @property
    def natural_key(self) -> str:
        return natural_key(self.title, self.provider, self.starts_on)


@dataclass(frozen=True)
class OpportunityInfo(Details):
    """An opportunity as shown, detached from the session: its details, its id, and whether the
    member looking asked for a reminder."""

    id: int
    reminder_set: bool = False

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def can_remind(self, now: datetime, tz: tzinfo) -> bool:
        return self.deadline is not None and reminder_due_at(self.deadline, tz) > now


@dataclass(frozen=True)
class Page:
    items: list[OpportunityInfo]
    total: int
    offset: int


@dataclass(frozen=True)
class ReminderSet:
    opportunity: OpportunityInfo
    due_at: datetime
    already: bool


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    titles: list[str] = field(default_factory=list)


def info(row: Opportunity, *, reminder_set: bool = False) -> OpportunityInfo:
    return OpportunityInfo(row.title, row.kind, row.description, row.provider, row.link, row.cost, row.starts_on,
                           row.ends_on, row.deadline, tuple(row.tags or ()), id=row.id, reminder_set=reminder_set)


# Parsing and checking ------------------------------------------------------------------

def normalise_tag(text: str) -> str:
    """'#Cell  Culture ' -> 'cell culture': tags are matched casefolded, spaces collapsed."""
    return " ".join(str(text).replace("#", " ").split()).casefold()


def parse_tags(value: str | Sequence[str]) -> tuple[str, ...]:
    pieces = re.split(r"[,;\n]", value) if isinstance(value, str) else list(value)
    tags = list(dict.fromkeys(t for t in (normalise_tag(p) for p in pieces) if t))
    long = [t for t in tags if len(t) > TAG_LIMIT]
    if long:
        raise DomainError(f"Keep each tag under {TAG_LIMIT} characters (“{long[0][:30]}…” is longer).", field="tags")
    if len(tags) > MAX_TAGS:
        raise DomainError(f"At most {MAX_TAGS} tags; there are {len(tags)}.", field="tags")
    return tuple(tags)


def parse_kind(value: str | None) -> str:
    text = " ".join((value or "").replace("_", " ").split()).casefold()
    for key, label in KINDS.items():
        if text in (key.replace("_", " "), label.casefold()):
            return key
    if text in KIND_ALIASES:
        return KIND_ALIASES[text]
    raise DomainError(f"Choose a kind: {', '.join(KINDS.values())}" + (f" (not “{value}”)." if text else "."),
                      field="kind")


def parse_date(value: date | str | None, *, field_name: str, label: str) -> date | None:
    """A date as 2025-03-31 or 31/03/2025 (day first, as written in the UK)."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise DomainError(f"The {label} “{text[:30]}” is not a date: write it as YYYY-MM-DD, e.g. 2025-03-31.",
                      field=field_name)


def natural_key(title: str, provider: str | None, starts_on: date | None) -> str:
    return "|".join((" ".join(title.split()).casefold(), " ".join((provider or "").split()).casefold(),
                     starts_on.isoformat() if starts_on else ""))


def check_form(form: OpportunityForm) -> Details:
    """Every field checked; raises InvalidOpportunity naming each field that is wrong."""
    errors = FieldErrors()
    title = " ".join((form.title or "").split())
    if not title:
        errors["title"] = "Give the opportunity a title."
    elif len(title) > TITLE_LIMIT:
        errors["title"] = f"Keep the title under {TITLE_LIMIT} characters."
    kind = errors.check("kind", lambda: parse_kind(form.kind))
    description = (form.description or "").strip()
    if not description:
        errors["description"] = "Describe the opportunity: what it is, who it is for."
    elif len(description) > DESCRIPTION_LIMIT:
        errors["description"] = f"Keep the description to {DESCRIPTION_LIMIT} characters; it has {len(description)}."
    provider = " ".join((form.provider or "").split()) or None
    if provider and len(provider) > PROVIDER_LIMIT:
        errors["provider"] = f"Keep the provider under {PROVIDER_LIMIT} characters."
    link = errors.check("link", lambda: check_link(form.link))
    cost = " ".join((form.cost or "").split()) or None
    if cost and len(cost) > COST_LIMIT:
        errors["cost"] = f"Keep the cost under {COST_LIMIT} characters."
    starts = errors.check("starts_on", lambda: parse_date(form.starts_on, field_name="starts_on", label="start date"))
    ends = errors.check("ends_on", lambda: parse_date(form.ends_on, field_name="ends_on", label="end date"))
    deadline = errors.check("deadline", lambda: parse_date(form.deadline, field_name="deadline",
                                                           label="application deadline"))
    if starts and ends and ends < starts:
        errors["ends_on"] = "The end date is before the start date."
    if deadline and ends and deadline > ends:
        errors["deadline"] = "The application deadline is after the opportunity ends."
    tags = errors.check("tags", lambda: parse_tags(form.tags))
    if errors:
        # In the form's order, so they read top to bottom.
        raise InvalidOpportunity({name: errors[name] for name in FORM_FIELDS if name in errors})
    return Details(title, kind, description, provider, link, cost, starts, ends, deadline, tags)


# Saving ------------------------------------------------------------------------------

def _current_condition(today: date):  # type: ignore[no-untyped-def]
    """Still open to apply (deadline not passed) and not over (its last day not passed)."""
    return and_(
        or_(Opportunity.deadline.is_(None), Opportunity.deadline >= today),
        or_(Opportunity.ends_on >= today,
            and_(Opportunity.ends_on.is_(None), or_(Opportunity.starts_on.is_(None), Opportunity.starts_on >= today))),
    )


def is_current(o: OpportunityInfo | Opportunity, today: date) -> bool:
    if o.deadline is not None and o.deadline < today:
        return False
    last = o.ends_on or o.starts_on
    return last is None or last >= today


def save_opportunity(session: Session, actor: Actor | None, form: OpportunityForm, *, now: datetime, tz: tzinfo,
                     opportunity_id: int | None = None) -> OpportunityInfo:
    """Add (or, with `opportunity_id`, edit) an opportunity; organisers only (`actor=None`: the command line).

    Followers of its tags hear of it once; reminders follow a moved deadline.
    """
    if actor is not None:
        actor.require(Role.ORGANISER, "add or edit development opportunities")
    clean = check_form(form)
    row = session.get(Opportunity, opportunity_id) if opportunity_id is not None else None
    if opportunity_id is not None and row is None:
        raise NotFound("That opportunity is no longer in the catalogue.")
    clash = session.scalar(select(Opportunity).where(Opportunity.natural_key == clean.natural_key))
    if clash is not None and clash is not row:
        raise InvalidOpportunity({"title": f"“{clash.title}” from the same provider, starting the same day, is "
                                           "in the catalogue already."})
    try:
        with session.begin_nested():
            row = _apply(session, row, clean, created_by=actor.slack_user_id if actor else None, now=now, tz=tz)
    except IntegrityError:
        # Another organiser saved the same one a moment ago.
        raise InvalidOpportunity({"title": "That opportunity was just added by someone else."}) from None
    return info(row)


def _apply(session: Session, row: Opportunity | None, clean: Details, *, created_by: str | None, now: datetime,
           tz: tzinfo) -> Opportunity:
    old_deadline = row.deadline if row is not None else None
    if row is None:
        row = Opportunity(created_by=created_by, created_at=now)
        session.add(row)
    row.natural_key = clean.natural_key
    row.title, row.kind, row.description = clean.title, clean.kind, clean.description
    row.provider, row.link, row.cost = clean.provider, clean.link, clean.cost
    row.starts_on, row.ends_on, row.deadline = clean.starts_on, clean.ends_on, clean.deadline
    row.tags = list(clean.tags)
    row.updated_at = now
    session.flush()
    if old_deadline != row.deadline:
        _reschedule_reminders(session, row, old_deadline, now=now, tz=tz)
    _tell_followers(session, row, now=now, tz=tz)
    return row


def _tell_followers(session: Session, row: Opportunity, *, now: datetime, tz: tzinfo) -> int:
    """A due DM for each member following one of its tags (once per member and opportunity, ever)."""
    if not row.tags or not is_current(row, now.astimezone(tz).date()):
        return 0
    followers = session.execute(
        select(Member.id, Member.slack_user_id, func.min(OpportunityFollow.tag))
        .join(OpportunityFollow, OpportunityFollow.member_id == Member.id)
        .where(OpportunityFollow.tag.in_(row.tags), Member.deactivated.is_(False))
        .group_by(Member.id, Member.slack_user_id)
    ).all()
    for member_id, slack_user_id, tag in followers:
        if slack_user_id == row.created_by:
            continue
        ledger.schedule(session, kind=FOLLOWED_TAG, subject=f"opportunity:{row.id}", occurrence=f"member:{member_id}",
                        due_at=now, payload={"member": slack_user_id, "tag": tag})
    return len(followers)


def _reminder_subject(opportunity_id: int, member_id: int) -> str:
    return f"opportunity:{opportunity_id}:member:{member_id}"


def _reschedule_reminders(session: Session, row: Opportunity, old_deadline: date | None, *, now: datetime,
                          tz: tzinfo) -> None:
    """A moved deadline moves each reminder (a new occurrence); a removed one cancels them."""
    reminders = session.execute(
        select(OpportunityReminder.member_id, Member.slack_user_id)
        .join(Member, Member.id == OpportunityReminder.member_id)
        .where(OpportunityReminder.opportunity_id == row.id)
    ).all()
    for member_id, slack_user_id in reminders:
        subject = _reminder_subject(row.id, member_id)
        ledger.cancel_pending(session, kind=DEADLINE_REMINDER, subject=subject)
        if row.deadline is not None and reminder_due_at(row.deadline, tz) > now:
            _schedule_reminder(session, row, member_id, slack_user_id, tz=tz)


def _schedule_reminder(session: Session, row: Opportunity, member_id: int, slack_user_id: str, *,
                       tz: tzinfo) -> DueItem:
    assert row.deadline is not None
    due = reminder_due_at(row.deadline, tz)
    item = ledger.schedule(session, kind=DEADLINE_REMINDER, subject=_reminder_subject(row.id, member_id),
                           occurrence=row.deadline.isoformat(), due_at=due,
                           payload={"member": slack_user_id, "opportunity": row.id})
    if item.status == ledger.CANCELLED:
        # The deadline moved away and back again: the old row is the one to post.
        item.status, item.due_at, item.not_before, item.attempts = ledger.PENDING, due, due, 0
    return item


def reminder_due_at(deadline: date, tz: tzinfo) -> datetime:
    """09:00 local time, two days before the deadline."""
    return datetime.combine(deadline - timedelta(days=REMIND_DAYS_BEFORE), REMIND_AT, tzinfo=tz)


def import_csv(session: Session, text: str, *, now: datetime, tz: tzinfo) -> ImportReport:
    """Add (or update, matched on title, provider and start date) every row of a CSV file, or none.

    Any problem (a missing column, a bad date, a row repeated, a cell a spreadsheet would
    run as a formula, any field the form would refuse) is reported with its line number,
    and then nothing is imported.
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportRefused([f"line 1: the file is empty; the first line must name the columns: "
                             f"{', '.join(CSV_COLUMNS)}"]) from None
    except csv.Error as e:
        raise ImportRefused([f"line 1: {e}"]) from None
    columns = [CSV_ALIASES.get(c, c) for c in ("_".join(h.strip().casefold().split()) for h in header)]
    problems = _header_problems(columns)
    if problems:
        raise ImportRefused(problems)
    rows: list[tuple[int, Details]] = []
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            problems.append(f"line {line}: {e} (check the quotes)")
            break
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(problems) >= IMPORT_ROW_LIMIT:
            problems.append(f"line {line}: at most {IMPORT_ROW_LIMIT} rows at a time; split the file")
            break
        clean = _check_row(line, columns, cells, problems)
        if clean is None:
            continue
        if clean.natural_key in seen:
            problems.append(f"line {line}: repeats line {seen[clean.natural_key]} (the same title, provider and "
                            "start date); keep one of them")
            continue
        seen[clean.natural_key] = line
        rows.append((line, clean))
    if problems:
        raise ImportRefused(problems)
    report = ImportReport()
    existing = {o.natural_key: o for o in session.scalars(
        select(Opportunity).where(Opportunity.natural_key.in_(list(seen))))} if seen else {}
    for _, clean in rows:
        row = existing.get(clean.natural_key)
        if row is None:
            report.added += 1
        else:
            report.updated += 1
        _apply(session, row, clean, created_by=None, now=now, tz=tz)
        report.titles.append(clean.title)
    return report


def _header_problems(columns: list[str]) -> list[str]:
    problems = []
    missing = [c for c in CSV_COLUMNS if c not in columns]
    if missing:
        problems.append(f"line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                        f"(the first line must name: {', '.join(CSV_COLUMNS)})")
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if unknown:
        problems.append(f"line 1: unknown column{'s' if len(unknown) > 1 else ''} "
                        f"{', '.join(repr(c) for c in unknown)} (expected: {', '.join(CSV_COLUMNS)})")
    repeated = sorted({c for c in columns if columns.count(c) > 1 and c in CSV_COLUMNS})
    if repeated:
        problems.append(f"line 1: column {', '.join(repeated)} given twice")
    return problems


def _check_row(line: int, columns: list[str], cells: list[str], problems: list[str]) -> Details | None:
    if len(cells) != len(columns):
        problems.append(f"line {line}: has {len(cells)} cells but the header has {len(columns)} columns "
                        "(a missing or extra cell; check the commas and quotes)")
        return None
    values = dict(zip(columns, cells, strict=True))
    formulas = [c for c in CSV_COLUMNS if looks_like_formula(values[c])]
    if formulas:
        for column in formulas:
            problems.append(f"line {line}: the {column} cell begins with “{values[column].lstrip()[:1]}”, which a "
                            "spreadsheet runs as a formula; reword it so it starts with a letter or digit")
        return None
    form = OpportunityForm(title=values["title"], kind=values["kind"], description=values["description"],
                           provider=values["provider"], link=values["link"], cost=values["cost"],
                           starts_on=values["starts"], ends_on=values["ends"], deadline=values["deadline"],
                           tags=values["tags"])
    try:
        return check_form(form)
    except InvalidOpportunity as e:
        names = {"starts_on": "starts", "ends_on": "ends"}
        for name, message in e.errors.items():
            problems.append(f"line {line}: {names.get(name, name)}: {message}")
        return None


# Reading -----------------------------------------------------------------------------

def _reminded_ids(session: Session, member_id: int | None, ids: Sequence[int]) -> set[int]:
    if member_id is None or not ids:
        return set()
    return set(session.scalars(select(OpportunityReminder.opportunity_id).where(
        OpportunityReminder.member_id == member_id, OpportunityReminder.opportunity_id.in_(list(ids)))))


def _order():  # type: ignore[no-untyped-def]
    # Soonest deadline first; those without one after, by start date.
    return (Opportunity.deadline.is_(None), Opportunity.deadline, Opportunity.starts_on.is_(None),
            Opportunity.starts_on, Opportunity.title, Opportunity.id)


def current(session: Session, *, today: date, member_id: int | None = None, offset: int = 0,
            limit: int = 10) -> Page:
    """The opportunities still open, soonest deadline first, a page at a time."""
    condition = _current_condition(today)
    total = session.scalar(select(func.count()).select_from(Opportunity).where(condition)) or 0
    rows = session.scalars(select(Opportunity).where(condition).order_by(*_order())
                           .offset(max(offset, 0)).limit(limit)).all()
    reminded = _reminded_ids(session, member_id, [r.id for r in rows])
    return Page([info(r, reminder_set=r.id in reminded) for r in rows], total, max(offset, 0))


def closing_soon(session: Session, *, today: date, within_days: int = 14, limit: int = 3) -> list[OpportunityInfo]:
    rows = session.scalars(select(Opportunity).where(
        _current_condition(today), Opportunity.deadline.is_not(None),
        Opportunity.deadline <= today + timedelta(days=within_days)).order_by(*_order()).limit(limit)).all()
    return [info(r) for r in rows]


def get_opportunity(session: Session, opportunity_id: int) -> OpportunityInfo:
    row = session.get(Opportunity, opportunity_id)
    if row is None:
        raise NotFound("That opportunity is no longer in the catalogue.")
    return info(row)


# Search ------------------------------------------------------------------------------

STOPWORDS = frozenset(
    "a an and are as at be by for from i in into is it me my of on or our the to with about any anything "
    "there what which who how find show".split())
# How much a match counts, by where it is.
WEIGHTS = {"title": 3.0, "tags": 2.5, "kind": 1.5, "provider": 1.0, "description": 1.0}
K1 = 1.2
B = 0.5


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def query_terms(text: str) -> list[str]:
    return list(dict.fromkeys(w for w in words(text) if w not in STOPWORDS))


def _fields(o: Opportunity) -> dict[str, list[str]]:
    return {"title": words(o.title), "tags": words(" ".join(o.tags or ())),
            "kind": words(KINDS.get(o.kind, o.kind)), "provider": words(o.provider or ""),
            "description": words(o.description)}


def _matches(term: str, tokens: list[str]) -> float:
    """Whole words count 1, a word the term begins (microscop- in microscopy) 0.7."""
    score = 0.0
    for token in tokens:
        if token == term:
            score += 1.0
        elif len(term) >= 3 and token.startswith(term):
            score += 0.7
    return score


def search(session: Session, text: str, *, today: date, member_id: int | None = None,
           limit: int = 10) -> list[OpportunityInfo]:
    """Current opportunities matching the words, best first (BM25 over title, tags, kind, provider, description)."""
    terms = query_terms(text)
    if not terms:
        raise DomainError("Search with a word or two, e.g. `/tech dev microscopy` or `/tech dev funding`.")
    rows = session.scalars(select(Opportunity).where(_current_condition(today)).order_by(*_order())).all()
    docs = [(row, _fields(row)) for row in rows]
    if not docs:
        return []
    average = {name: (sum(len(f[name]) for _, f in docs) / len(docs)) or 1.0 for name in WEIGHTS}
    containing = {t: sum(1 for _, f in docs if any(_matches(t, tokens) for tokens in f.values())) for t in terms}
    scored = []
    for position, (row, fields) in enumerate(docs):
        score, matched = 0.0, 0
        for term in terms:
            term_score = 0.0
            for name, weight in WEIGHTS.items():
                tf = _matches(term, fields[name])
                if tf:
                    norm = 1 - B + B * len(fields[name]) / average[name]
                    term_score += weight * tf * (K1 + 1) / (tf + K1 * norm)
            if term_score:
                n = containing[term]
                idf = math.log(1 + (len(docs) - n + 0.5) / (n + 0.5))
                score += idf * term_score
                matched += 1
        if matched:
            scored.append((-matched, -score, position, row))
    scored.sort(key=lambda s: s[:3])
    found = [s[3] for s in scored[:limit]]
    reminded = _reminded_ids(session, member_id, [r.id for r in found])
    return [info(r, reminder_set=r.id in reminded) for r in found]


# Reminders and follows -------------------------------------------------------------------

def remind_me(session: Session, actor: Actor, opportunity_id: int, *, now: datetime, tz: tzinfo) -> ReminderSet:
    """A DM two days before the deadline, once; asking again changes nothing."""
    row = session.get(Opportunity, opportunity_id)
    if row is None:
        raise NotFound("That opportunity is no longer in the catalogue.")
    if row.deadline is None:
        raise DomainError(f"“{row.title}” has no application deadline, so there is nothing to remind you of.")
    today = now.astimezone(tz).date()
    if row.deadline < today:
        raise DomainError(f"Applications for “{row.title}” closed on {row.deadline:%-d %B %Y}.")
    due = reminder_due_at(row.deadline, tz)
    if due <= now:
        raise DomainError(f"The deadline for “{row.title}” is {row.deadline:%A %-d %B}: too close for a reminder, "
                          "so apply now if you mean to.")
    existing = session.get(OpportunityReminder, (actor.member_id, row.id))
    if existing is None:
        try:
            with session.begin_nested():
                session.add(OpportunityReminder(member_id=actor.member_id, opportunity_id=row.id, created_at=now))
        except IntegrityError:
            existing = session.get(OpportunityReminder, (actor.member_id, row.id))
    _schedule_reminder(session, row, actor.member_id, actor.slack_user_id, tz=tz)
    return ReminderSet(info(row, reminder_set=True), due, already=existing is not None)


def reminder_to_send(session: Session, opportunity_id: int, member_slack_id: str, occurrence: str, *,
                     today: date) -> OpportunityInfo | None:
    """The opportunity to remind this member of, or None when the reminder no longer applies."""
    row = session.get(Opportunity, opportunity_id)
    if row is None or row.deadline is None or row.deadline.isoformat() != occurrence or row.deadline < today:
        return None
    member = session.scalar(select(Member).where(Member.slack_user_id == member_slack_id))
    if member is None or member.deactivated or session.get(OpportunityReminder, (member.id, row.id)) is None:
        return None
    return info(row, reminder_set=True)


def follow(session: Session, actor: Actor, tag: str, *, now: datetime) -> tuple[str, bool]:
    """Follow a tag; returns it normalised, and whether it is new (following twice is harmless)."""
    key = normalise_tag(tag)
    if not key or not re.search(r"\w", key):
        raise DomainError("Say which tag to follow, e.g. `/tech dev follow microscopy`.")
    if len(key) > TAG_LIMIT:
        raise DomainError(f"Tags are at most {TAG_LIMIT} characters.")
    if session.get(OpportunityFollow, (actor.member_id, key)) is not None:
        return key, False
    try:
        with session.begin_nested():
            session.add(OpportunityFollow(member_id=actor.member_id, tag=key, created_at=now))
    except IntegrityError:
        return key, False
    return key, True


def unfollow(session: Session, actor: Actor, tag: str) -> tuple[str, bool]:
    key = normalise_tag(tag)
    if not key:
        raise DomainError("Say which tag to stop following, e.g. `/tech dev unfollow microscopy`.")
    gone = session.execute(delete(OpportunityFollow).where(
        OpportunityFollow.member_id == actor.member_id, OpportunityFollow.tag == key),
        execution_options={"synchronize_session": False}).rowcount
    return key, bool(gone)


def follows(session: Session, member_id: int) -> list[str]:
    return list(session.scalars(select(OpportunityFollow.tag).where(OpportunityFollow.member_id == member_id)
                                .order_by(OpportunityFollow.tag)))


def follow_notice_to_send(session: Session, opportunity_id: int, member_slack_id: str, *,
                          today: date) -> tuple[OpportunityInfo, str] | None:
    """The new opportunity and the followed tag it carries, or None (unfollowed since, or no longer open)."""
    row = session.get(Opportunity, opportunity_id)
    member = session.scalar(select(Member).where(Member.slack_user_id == member_slack_id))
    if row is None or member is None or member.deactivated or not is_current(row, today):
        return None
    followed = set(follows(session, member.id))
    tag = next((t for t in row.tags or () if t in followed), None)
    if tag is None:
        return None
    reminded = session.get(OpportunityReminder, (member.id, row.id)) is not None
    return info(row, reminder_set=reminded), tag
