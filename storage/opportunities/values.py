"""The catalogue's values: what the form (or a CSV row) gives, its checks, and an opportunity as shown."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from storage.errors import DomainError
from storage.forms import FieldErrors, InvalidFields, check_link
from storage.models.careers import Opportunity

KINDS = {
    "course": "Course",
    "workshop": "Workshop",
    "peer_session": "Peer-to-peer session",
    "secondment": "Secondment",
    "shadowing": "Shadowing",
    "conference": "Conference",
    "funding_call": "Funding call",
    "coaching": "Coaching",
    # External awards to nominate colleagues for (Papin Prizes, university awards, the national
    # Technician Commitment awards): a Nominate a colleague button starts a private draft.
    "award": "Award",
}
# Other ways people write a kind in a spreadsheet.
KIND_ALIASES = {
    "peer to peer": "peer_session", "peer-to-peer": "peer_session", "peer session": "peer_session",
    "peer learning": "peer_session", "funding": "funding_call", "funding call": "funding_call",
    "job shadowing": "shadowing", "training": "course", "training course": "course",
    "awards": "award", "prize": "award", "external award": "award",
}
TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 3000
PROVIDER_LIMIT = 200
COST_LIMIT = 100
TAG_LIMIT = 60
MAX_TAGS = 10
# When a deadline reminder is due: here, as OpportunityInfo.can_remind needs it (alerts.py schedules them).
REMIND_DAYS_BEFORE = 2
# Reminders go out at this local time, two days before the deadline.
REMIND_AT = time(9, 0)

FORM_FIELDS = ("title", "kind", "description", "provider", "link", "cost", "starts_on", "ends_on", "deadline", "tags")


class InvalidOpportunity(InvalidFields):
    """Several fields can be wrong at once; `errors` maps each field to what is wrong."""


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
    assert kind is not None and tags is not None  # FieldErrors.check gives None only with an error noted
    return Details(title, kind, description, provider, link, cost, starts, ends, deadline, tags)


# What is current, and when a reminder is due ------------------------------------------

def is_current(o: OpportunityInfo | Opportunity, today: date) -> bool:
    if o.deadline is not None and o.deadline < today:
        return False
    last = o.ends_on or o.starts_on
    return last is None or last >= today


def reminder_due_at(deadline: date, tz: tzinfo) -> datetime:
    """09:00 local time, two days before the deadline."""
    return datetime.combine(deadline - timedelta(days=REMIND_DAYS_BEFORE), REMIND_AT, tzinfo=tz)
